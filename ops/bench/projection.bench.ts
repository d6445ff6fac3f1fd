/**
 * Projection runtime benchmark: how fast a projection (re)builds from position 0.
 *
 *   npx tsx ops/bench/projection.bench.ts            # 200k events over 2,000 streams
 *   BENCH_EVENTS=500000 BENCH_STREAMS=50000 npx tsx ops/bench/projection.bench.ts
 *
 * Appends the events to an embedded SQLite event store (a temporary file), then measures
 * (1) the first build of a per-stream summary projection into the SQLite read-model store
 * and (2) a blue/green rebuild of it (version N+1 from 0 beside N, then the switch).
 * Target: ≥ 30,000 events/s. Prints its figures and the machine; asserts nothing.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteEventStore } from '../../engines/eventstore/sqlite/index.js';
import type { Doc } from '../../engines/readmodel/port.js';
import { SqliteReadModelStore } from '../../engines/readmodel/sqlite/index.js';
import { type Projection, ProjectionRunner } from '../../projections/runtime/index.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 2_000);
const EVENTS_PER_APPEND = 10;
const CONCURRENT_APPENDS = 200;

/** A per-stream summary: count of events, last type and domain time. Typical of our read models. */
const summary: Projection = {
  name: 'bench_summary',
  version: 1,
  collection: 'bench_summary',
  indexes: ['lastType', 'updatedAt'],
  documentId: (event) => event.streamId,
  evolve: (doc: Doc | null, event) => ({
    id: event.streamId,
    tenantId: String(event.metadata.tenantId),
    _position: 0,
    count: (doc === null ? 0 : Number(doc.count)) + 1,
    lastType: event.type,
    total: (doc === null ? 0 : Number(doc.total)) + Number(event.data.amount),
    updatedAt: String(event.metadata.occurredAt),
  }),
};

async function seed(store: SqliteEventStore): Promise<void> {
  const base = Date.parse('2025-01-01T00:00:00Z');
  let written = 0;
  // Round-robin over streams, so each read batch touches many documents (not one stream at a time).
  const appendOne = (n: number) => {
    const stream = n % STREAMS;
    const tenantId = `t_${String(stream % 50).padStart(3, '0')}`;
    const events = Array.from({ length: EVENTS_PER_APPEND }, (_, i) => ({
      eventId: randomUUID(),
      type: i % 3 === 0 ? 'UsageRecorded' : 'UsageAdjusted',
      data: { amount: (n + i) % 97, unit: 'tokens' },
      metadata: { tenantId, occurredAt: new Date(base + (n * EVENTS_PER_APPEND + i) * 1000).toISOString(), actor: 'bench' },
    }));
    return store.appendToStream(`budget-${tenantId}.s${stream}`, events, 'any');
  };
  const appends = Math.ceil(EVENTS / EVENTS_PER_APPEND);
  for (let n = 0; n < appends; n += CONCURRENT_APPENDS) {
    const chunk = Array.from({ length: Math.min(CONCURRENT_APPENDS, appends - n) }, (_, i) => appendOne(n + i));
    await Promise.all(chunk);
    written += chunk.length * EVENTS_PER_APPEND;
  }
  if (written < EVENTS) throw new Error('seeding fell short');
}

function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown cpu'} · ${cpu.length} cores · ${(totalmem() / 2 ** 30).toFixed(1)} GiB · node ${process.version} · ${process.platform}/${process.arch}`;
}

const rate = (events: number, ms: number): string => `${Math.round(events / (ms / 1000)).toLocaleString('en-US')} events/s`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-bench-projection-'));
  const events = await SqliteEventStore.open({ path: join(dir, 'events.db') });
  const store = await SqliteReadModelStore.open({ path: join(dir, 'read-models.db') });
  try {
    let started = performance.now();
    await seed(events);
    const head = await events.headPosition();
    console.log(`machine: ${machine()}`);
    console.log(`seeded ${head.toLocaleString('en-US')} events over ${STREAMS.toLocaleString('en-US')} streams in ${(performance.now() - started).toFixed(0)} ms (not the measured figure)`);

    const runner = new ProjectionRunner({ eventStore: events, store, projections: [summary] });
    started = performance.now();
    await runner.start();
    await runner.waitUntilCaughtUp();
    const build = performance.now() - started;
    console.log(`first build   : ${head} events in ${build.toFixed(0)} ms → ${rate(head, build)}`);

    started = performance.now();
    const result = await runner.rebuild(summary.name);
    const rebuild = performance.now() - started;
    console.log(`blue/green rebuild v${result.fromVersion}→v${result.toVersion}: ${head} events in ${rebuild.toFixed(0)} ms → ${rate(head, rebuild)} (target ≥ 30,000)`);
    await runner.stop();
  } finally {
    await events.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
