/**
 * Benchmark of the embedded SQLite event store. Prints its figures and the machine.
 *
 *   npx tsx ops/bench/eventstore.bench.ts [--events 200000] [--latency-appends 64000]
 *
 * (a) batch appends: 100 events per append, one append in flight (one transaction each);
 * (b) single-event appends from 64 concurrent writers on distinct streams with exact
 *     expected revisions, latency from call to acknowledgement (group commit at work),
 *     with the default durability (synchronous=NORMAL) and with fsync: true;
 * (c) readAll throughput in pages of 1000;
 * (d) one-event streams named by random vs time-ordered request ids (the usage events).
 * Files go to $BENCH_DIR or the OS temp directory, on the disk the store would use.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EventToAppend } from '../../engines/eventstore/port.js';
import { SqliteEventStore } from '../../engines/eventstore/sqlite/index.js';
import { timeOrderedUuid } from '../../domain/shared/time-ordered-id.js';

interface BenchOptions {
  readonly batchEvents: number;
  readonly latencyAppends: number;
  readonly writers: number;
}

/** An event shaped like the real ones: domain data plus the full metadata envelope. */
function realisticEvent(tenantId: string, index: number): EventToAppend {
  return {
    eventId: randomUUID(),
    type: 'InferenceCompleted',
    data: {
      requestId: `req_${index}`,
      model: 'gpt-4o-mini',
      deploymentId: 'dep_eu_1',
      usage: { promptTokens: 812, completionTokens: 264, totalTokens: 1076 },
      costMicros: 1432,
      latencyMs: 734,
      finishReason: 'stop',
    },
    metadata: {
      tenantId,
      correlationId: randomUUID(),
      causationId: randomUUID(),
      actor: { type: 'apikey', id: 'key_7f3a' },
      commandId: randomUUID(),
      schemaVersion: 1,
      occurredAt: new Date().toISOString(),
      prevHash: 'a3f1c9'.repeat(10) + 'ab12',
      hash: '9c1e7d'.repeat(10) + 'cd34',
    },
  };
}

async function withStore<T>(fsync: boolean, run: (store: SqliteEventStore) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'nexus-es-bench-'));
  const store = await SqliteEventStore.open({ path: join(dir, 'events.db'), fsync });
  try {
    return await run(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** (a) Appends `total` events, 100 per append, to streams of 1000 events each. */
async function benchBatchAppends(store: SqliteEventStore, total: number) {
  const perAppend = 100;
  const perStream = 1000;
  const run = randomUUID().slice(0, 8);
  let streamId = '';
  let expected: number | 'no_stream' = 'no_stream';
  const started = process.hrtime.bigint();
  for (let written = 0; written < total; written += perAppend) {
    if (written % perStream === 0) [streamId, expected] = [`bench-t_1.s_${run}_${written}`, 'no_stream'];
    const events = Array.from({ length: perAppend }, (_, index) => realisticEvent('t_1', written + index));
    expected = (await store.appendToStream(streamId, events, expected)).nextExpectedRevision;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { events: total, seconds, eventsPerSecond: total / seconds };
}

/**
 * (b) `writers` concurrent loops, each appending one event at a time to its own stream.
 * With `pauseMs` 0 the loops are closed (saturation: latency includes queueing behind
 * full groups); with a pause each writer offers a steady load, as gateway requests do.
 */
async function benchConcurrentLatency(store: SqliteEventStore, options: BenchOptions, pauseMs = 0) {
  const latenciesMs: number[] = [];
  const perWriter = Math.ceil(options.latencyAppends / options.writers);
  const writer = async (writerIndex: number) => {
    const streamId = `bench-t_2.w_${writerIndex}_${randomUUID().slice(0, 8)}`;
    let expected: number | 'no_stream' = 'no_stream';
    for (let i = 0; i < perWriter; i += 1) {
      const event = realisticEvent('t_2', i);
      const started = process.hrtime.bigint();
      expected = (await store.appendToStream(streamId, [event], expected)).nextExpectedRevision;
      latenciesMs.push(Number(process.hrtime.bigint() - started) / 1e6);
      // Random pauses (mean `pauseMs`) keep writers from marching in lock-step.
      if (pauseMs > 0) await sleep(Math.random() * 2 * pauseMs);
    }
  };
  const statsBefore = store.stats;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: options.writers }, (_, index) => writer(index)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const transactions = store.stats.transactions - statsBefore.transactions;
  latenciesMs.sort((a, b) => a - b);
  return {
    appends: latenciesMs.length,
    appendsPerSecond: latenciesMs.length / seconds,
    p50: percentile(latenciesMs, 0.5),
    p95: percentile(latenciesMs, 0.95),
    p99: percentile(latenciesMs, 0.99),
    max: latenciesMs[latenciesMs.length - 1] ?? 0,
    averageGroup: latenciesMs.length / transactions,
  };
}

/**
 * (d) The gateway's usage events: one event per new stream, named by a request id. Fills the
 * store with `prefill` such streams, then appends `appends` more in write groups of `group`,
 * and reports the time per append. The stream index is a B-tree on the stream id: random
 * ids (v4) put every append on a random page of it, time-ordered ids (v7) on its last page.
 */
async function benchRequestStreams(store: SqliteEventStore, requestId: () => string, options: { prefill: number; appends: number; group: number }) {
  const appendGroups = async (count: number, group: number) => {
    for (let done = 0; done < count; done += group) {
      await Promise.all(Array.from({ length: group }, (_, index) => store.appendToStream(`inference-t_4.${requestId()}`, [realisticEvent('t_4', done + index)], 'no_stream')));
    }
  };
  await appendGroups(options.prefill, 500);
  const started = process.hrtime.bigint();
  await appendGroups(options.appends, options.group);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { microsPerAppend: (seconds * 1e6) / options.appends };
}

/** (c) Reads the whole store from position 0 in pages of 1000. */
async function benchReadAll(store: SqliteEventStore) {
  const started = process.hrtime.bigint();
  let after = 0;
  let read = 0;
  for (;;) {
    const page = await store.readAll({ after, maxCount: 1000 });
    const last = page[page.length - 1];
    if (last === undefined) break;
    read += page.length;
    after = last.position;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { events: read, seconds, eventsPerSecond: read / seconds };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

function machine(): string {
  const cores = cpus();
  return `${cores[0]?.model ?? 'unknown cpu'}, ${cores.length} cores, node ${process.version}, ${process.platform}/${process.arch}`;
}

const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export async function runEventStoreBench(options: BenchOptions): Promise<void> {
  console.log('# Event store (embedded SQLite)');
  console.log(`machine: ${machine()}`);
  await withStore(false, async (store) => {
    await benchBatchAppends(store, 2000); // warm-up: JIT, page cache, file growth
    const batch = await benchBatchAppends(store, options.batchEvents);
    console.log(
      `(a) batch appends, 100 events/append, synchronous=NORMAL: ${fmt(batch.events)} events in ${fmt(batch.seconds, 2)} s = ${fmt(batch.eventsPerSecond)} events/s (target ≥ 30,000)`,
    );
    const read = await benchReadAll(store);
    console.log(`(c) readAll, pages of 1000: ${fmt(read.events)} events in ${fmt(read.seconds, 2)} s = ${fmt(read.eventsPerSecond)} events/s`);
  });
  for (const fsync of [false, true]) {
    await withStore(fsync, async (store) => {
      await benchConcurrentLatency(store, { ...options, latencyAppends: options.writers * 20 }); // warm-up
      const latency = await benchConcurrentLatency(store, options);
      console.log(
        `(b) ${options.writers} concurrent single-event appends, exact revisions, ${fsync ? 'fsync: true (synchronous=FULL)' : 'synchronous=NORMAL'}: ` +
          `${fmt(latency.appends)} appends, ${fmt(latency.appendsPerSecond)} appends/s, ` +
          `p50 ${fmt(latency.p50, 3)} ms, p95 ${fmt(latency.p95, 3)} ms, p99 ${fmt(latency.p99, 3)} ms, max ${fmt(latency.max, 3)} ms, ` +
          `average group ${fmt(latency.averageGroup, 1)} appends/transaction${fsync || options.writers !== 64 ? '' : ' (target p99 ≤ 2 ms)'}`,
      );
      const pauseMs = 10;
      const paced = await benchConcurrentLatency(store, { ...options, latencyAppends: Math.min(options.latencyAppends, options.writers * 200) }, pauseMs);
      console.log(
        `(b') ${options.writers} concurrent writers pausing 0–${2 * pauseMs} ms (random) between single-event appends, ${fsync ? 'fsync: true' : 'synchronous=NORMAL'}: ` +
          `${fmt(paced.appends)} appends, ${fmt(paced.appendsPerSecond)} appends/s, ` +
          `p50 ${fmt(paced.p50, 3)} ms, p95 ${fmt(paced.p95, 3)} ms, p99 ${fmt(paced.p99, 3)} ms, max ${fmt(paced.max, 3)} ms, ` +
          `average group ${fmt(paced.averageGroup, 1)} appends/transaction`,
      );
    });
  }
  await reportRequestStreams();
}

/** (d) for random and time-ordered request ids, a fresh store each, for several group sizes. */
export async function reportRequestStreams(): Promise<void> {
  const ids = { 'random (v4)': randomUUID, 'time-ordered (v7)': () => timeOrderedUuid() };
  for (const group of [1, 4, 16]) {
    const figures: string[] = [];
    for (const [name, requestId] of Object.entries(ids)) {
      const { microsPerAppend } = await withStore(false, (store) => benchRequestStreams(store, requestId, { prefill: 100_000, appends: 20_000, group }));
      figures.push(`${name} ${fmt(microsPerAppend, 1)} µs`);
    }
    console.log(`(d) one-event request streams on a store of 100,000, groups of ${group}: ${figures.join(', ')} per append`);
  }
}

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runEventStoreBench({
    batchEvents: argument('events', 200_000),
    latencyAppends: argument('latency-appends', 64_000),
    writers: argument('writers', 64),
  });
}
