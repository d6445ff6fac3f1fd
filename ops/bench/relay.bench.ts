/**
 * Event relay benchmark: how fast the relay drains an event store into Kafka.
 *
 *   npx tsx ops/bench/relay.bench.ts
 *   BENCH_TENANTS=1000 BENCH_SPENDS=185 BENCH_BATCH=5000 npx tsx ops/bench/relay.bench.ts
 *
 * Seeds sealed domain events (ops/bench/seed-domain-events.ts: BENCH_TENANTS tenants with
 * BENCH_SPENDS budget spends each, plus a deployment catalog; ~200k events by default, 92%
 * BudgetSpendRecorded, ~250 bytes of data each) into a temporary SQLite event store, then
 * starts EventRelay from position 0 against a real broker and measures until its checkpoint
 * (in a temporary SQLite read-model store) reaches the store's head; then counts the messages
 * Kafka holds. Topics are `bench.<run>.<category>`, deleted at the end, so a shared broker
 * keeps no trace. Broker: NEXUS_KAFKA_BROKERS, else the one ops/engines/kafka.sh starts (and
 * stops again if it was not running); skipped when Kafka is not installed.
 * Target: ≥ 20,000 events/s. Prints its figures and the machine; asserts nothing, but exits
 * non-zero when Kafka holds fewer messages than the store has events.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { toBusMessage } from '../../engines/eventbus/event-message.js';
import { KafkaEventBus } from '../../engines/eventbus/kafka/index.js';
import { EventRelay, readModelCheckpoints } from '../../engines/eventbus/relay.js';
import { SqliteEventStore } from '../../engines/eventstore/sqlite/index.js';
import { SqliteReadModelStore } from '../../engines/readmodel/sqlite/index.js';
import { kafkaInstalled, kafkaScript } from '../../test/support/kafka.js';
import { machine } from './gateway/report.js';
import { seedDomainEvents } from './seed-domain-events.js';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 1000);
const SPENDS = Number(process.env.BENCH_SPENDS ?? 185);
const BATCH = Number(process.env.BENCH_BATCH ?? 5000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 4);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 600_000);

const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** NEXUS_KAFKA_BROKERS, or the installed broker started here (stop() stops it only if it was not running). */
async function broker(): Promise<{ brokers: string[]; stop: () => Promise<void> } | null> {
  const given = process.env.NEXUS_KAFKA_BROKERS;
  if (given) return { brokers: given.split(','), stop: async () => {} };
  if (!kafkaInstalled()) return null;
  const wasRunning = await kafkaScript('status').then(
    () => true,
    () => false,
  );
  const brokers = await kafkaScript('start');
  return { brokers, stop: async () => void (wasRunning || (await kafkaScript('stop'))) };
}

/** Polls the relay until its checkpoint reaches `head`, with a progress line every few seconds. */
async function drained(relay: EventRelay, head: number): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  let report = Date.now() + 5_000;
  while (relay.status().position < head) {
    if (Date.now() > deadline) throw new Error(`the relay did not reach the head within ${TIMEOUT_MS} ms: ${JSON.stringify(relay.status())}`);
    if (Date.now() > report) {
      report += 5_000;
      const { position, failures, lastError } = relay.status();
      console.log(`  … position ${fmt(position)} of ${fmt(head)}${failures > 0 ? `, ${failures} failures, last: ${lastError?.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function main(): Promise<number> {
  console.log('# Event relay (SQLite event store → Kafka)');
  console.log(`machine: ${machine()}`);
  const kafka = await broker();
  if (kafka === null) {
    console.log('skipped: no Kafka (set NEXUS_KAFKA_BROKERS, or run ops/engines/kafka.sh install)');
    return 0;
  }
  const dir = mkdtempSync(join(tmpdir(), 'nexus-relay-bench-'));
  const prefix = `bench.${randomBytes(4).toString('hex')}.`;
  const admin = new Kafka({ clientId: 'nexus-relay-bench', brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  const store = await SqliteEventStore.open({ path: join(dir, 'events.db') });
  const readModels = await SqliteReadModelStore.open({ path: join(dir, 'read-models.db') });
  let bus: KafkaEventBus | null = null;
  try {
    const seedStart = performance.now();
    const seeded = await seedDomainEvents(store, { tenants: TENANTS, spendsPerBudget: SPENDS, deployments: 50, priceChanges: 10 });
    const head = await store.headPosition();
    const sample = (await store.readAll({ after: head - 1000, maxCount: 1000 })).map((event) => ({ data: JSON.stringify(event.data).length, message: toBusMessage(event) }));
    const avg = (sizes: number[]) => sizes.reduce((sum, size) => sum + size, 0) / sizes.length;
    const headerBytes = avg(sample.map(({ message }) => Object.entries(message.headers).reduce((sum, [name, value]) => sum + name.length + Buffer.byteLength(value), 0)));
    console.log(
      `seeded ${fmt(seeded.events)} events over ${fmt(seeded.streams)} streams in ${fmt((performance.now() - seedStart) / 1000, 1)} s; ` +
        `per event: data ${fmt(avg(sample.map((s) => s.data)))} B as JSON, Avro value ${fmt(avg(sample.map((s) => s.message.value.length)))} B, headers ${fmt(headerBytes)} B`,
    );

    bus = await KafkaEventBus.connect({ brokers: kafka.brokers, clientId: 'nexus-relay-bench', partitions: PARTITIONS });
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const relay = await EventRelay.start({ store, bus, checkpoints: readModelCheckpoints(readModels), name: `${prefix}relay`, topicPrefix: prefix, batchSize: BATCH });
    await drained(relay, head);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuPerEvent = (cpu.user + cpu.system) / head;
    const status = relay.status();
    await relay.stop();

    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    let held = 0;
    for (const topic of topics) for (const partition of await admin.fetchTopicOffsets(topic)) held += Number(partition.high) - Number(partition.low);
    console.log(`relay batch ${fmt(BATCH)} events, ${PARTITIONS} partitions per topic, brokers ${kafka.brokers.join(',')}`);
    console.log(`relayed ${fmt(head)} events in ${fmt(seconds, 2)} s: ${fmt(head / seconds)} events/s (target ≥ 20,000); publish failures retried: ${status.failures}`);
    // On a shared machine the wall clock depends on the neighbours; the CPU this process spent does not.
    console.log(`relay process CPU ${fmt(cpuPerEvent, 1)} µs/event (${fmt((cpu.user + cpu.system) / 1e6, 2)} s): ${fmt(1e6 / cpuPerEvent)} events/s per core it gets`);
    console.log(`Kafka holds ${fmt(held)} messages in ${topics.length} topics (${topics.map((topic) => topic.slice(prefix.length)).join(', ')})`);
    await admin.deleteTopics({ topics }).catch(() => {});
    return held >= head ? 0 : 1;
  } finally {
    await bus?.close();
    await admin.disconnect();
    await store.close();
    await readModels.close();
    rmSync(dir, { recursive: true, force: true });
    await kafka.stop();
  }
}

process.exitCode = await main();
