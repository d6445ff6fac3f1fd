/**
 * Projection runtime benchmark: how fast projections (re)build from position 0.
 *
 *   npx tsx ops/bench/projection.bench.ts                       # both measurements below
 *   BENCH_MODEL=synthetic BENCH_EVENTS=500000 BENCH_STREAMS=50000 npx tsx ops/bench/projection.bench.ts
 *   BENCH_MODEL=real BENCH_TENANTS=1000 npx tsx ops/bench/projection.bench.ts
 *
 * BENCH_MODEL=synthetic|real|both (default both):
 * - synthetic: 200k events over 2,000 streams, projected by a per-stream summary projection;
 * - real: the product's read models (ALL_PROJECTIONS) over ~100k sealed domain events
 *   (ops/bench/seed-domain-events.ts: 500 tenants, BENCH_SPENDS=185 budget spends each,
 *   50 deployments re-priced 10 times).
 * Each appends its events to an embedded SQLite event store (a temporary file), then measures
 * (1) the first build into the SQLite read-model store and (2) a blue/green rebuild
 * (version N+1 from 0 beside N, then the switch), of each real projection in turn.
 * Target: ≥ 30,000 events/s. Prints its figures and the machine; asserts nothing, but
 * exits non-zero if a real projection dead-lettered an event (the figures would be void).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteEventStore } from '../../engines/eventstore/sqlite/index.js';
import type { Doc } from '../../engines/readmodel/port.js';
import { SqliteReadModelStore } from '../../engines/readmodel/sqlite/index.js';
import { ALL_PROJECTIONS } from '../../projections/index.js';
import { type Projection, ProjectionRunner } from '../../projections/runtime/index.js';
import { seedDomainEvents } from './seed-domain-events.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 2_000);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 500);
const SPENDS = Number(process.env.BENCH_SPENDS ?? 185);
const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 50);
const PRICE_CHANGES = Number(process.env.BENCH_PRICE_CHANGES ?? 10);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 600_000);
const MODELS = ['synthetic', 'real', 'both'] as const;
type Model = (typeof MODELS)[number];
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

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function model(): Model {
  const value = process.env.BENCH_MODEL ?? 'both';
  const found = MODELS.find((candidate) => candidate === value);
  if (!found) throw new Error(`BENCH_MODEL must be one of ${MODELS.join(', ')}, not '${value}'`);
  return found;
}

/** A fresh event store and read-model store in a temporary directory, removed afterwards. */
async function withStores(work: (events: SqliteEventStore, store: SqliteReadModelStore) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-bench-projection-'));
  const events = await SqliteEventStore.open({ path: join(dir, 'events.db') });
  const store = await SqliteReadModelStore.open({ path: join(dir, 'read-models.db') });
  try {
    await work(events, store);
  } finally {
    await events.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchSynthetic(events: SqliteEventStore, store: SqliteReadModelStore): Promise<void> {
  let started = performance.now();
  await seed(events);
  const head = await events.headPosition();
  console.log(`\n[synthetic] seeded ${fmt(head)} events over ${fmt(STREAMS)} streams in ${(performance.now() - started).toFixed(0)} ms (not the measured figure)`);

  const runner = new ProjectionRunner({ eventStore: events, store, projections: [summary] });
  started = performance.now();
  await runner.start();
  await runner.waitUntilCaughtUp({ timeoutMs: TIMEOUT_MS });
  const build = performance.now() - started;
  console.log(`first build   : ${head} events in ${build.toFixed(0)} ms → ${rate(head, build)}`);

  started = performance.now();
  const result = await runner.rebuild(summary.name);
  const rebuild = performance.now() - started;
  console.log(`blue/green rebuild v${result.fromVersion}→v${result.toVersion}: ${head} events in ${rebuild.toFixed(0)} ms → ${rate(head, rebuild)} (target ≥ 30,000)`);
  await runner.stop();
}

/** Documents in the live version of each real read model (paged, not timed). */
async function documentCounts(store: SqliteReadModelStore): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const projection of ALL_PROJECTIONS) {
    const physical = await store.getAlias(projection.collection);
    if (physical === null) throw new Error(`no alias for ${projection.collection}`);
    let count = 0;
    let after: string | undefined;
    do {
      const page = await store.find(physical, { limit: 10_000, after });
      count += page.items.length;
      after = page.nextCursor ?? undefined;
    } while (after !== undefined);
    counts.set(projection.name, count);
  }
  return counts;
}

/** The figures are void if an event was dead-lettered or a projection failed: say so loudly. */
async function assertHealthy(runner: ProjectionRunner): Promise<void> {
  const unhealthy = (await runner.status()).filter((status) => status.deadLetters > 0 || status.lastError !== null || !status.caughtUp);
  for (const status of unhealthy) console.error(`!! ${status.name}: ${status.deadLetters} dead letters, caughtUp=${status.caughtUp}, lastError=${status.lastError}`);
  if (unhealthy.length > 0) process.exitCode = 1;
}

async function benchReal(events: SqliteEventStore, store: SqliteReadModelStore): Promise<void> {
  let started = performance.now();
  const seeded = await seedDomainEvents(events, { tenants: TENANTS, spendsPerBudget: SPENDS, deployments: DEPLOYMENTS, priceChanges: PRICE_CHANGES });
  const head = await events.headPosition();
  const mix = [...seeded.byType].map(([type, count]) => `${type} ${fmt(count)}`).join(', ');
  console.log(`\n[real] seeded ${fmt(head)} sealed domain events over ${fmt(seeded.streams)} streams in ${(performance.now() - started).toFixed(0)} ms (not the measured figure); ${fmt(seeded.validated)} checked against their Avro schema`);
  console.log(`mix: ${mix}`);

  const names = ALL_PROJECTIONS.map((projection) => projection.name);
  const runner = new ProjectionRunner({ eventStore: events, store, projections: ALL_PROJECTIONS });
  started = performance.now();
  await runner.start();
  // All six run at once, each reading the whole log; note when each one has caught up.
  const caughtUp = await Promise.all(
    names.map(async (name) => {
      await runner.waitUntilCaughtUp({ projection: name, timeoutMs: TIMEOUT_MS });
      return performance.now() - started;
    }),
  );
  const build = Math.max(...caughtUp);
  console.log(`first build, ${names.length} projections together: ${fmt(head)} events in ${build.toFixed(0)} ms → ${rate(head, build)} (${rate(head * names.length, build)} projection-events)`);
  names.forEach((name, i) => console.log(`  ${name.padEnd(14)} caught up after ${caughtUp[i].toFixed(0).padStart(6)} ms → ${rate(head, caughtUp[i])} (sharing the CPU with the others)`));
  await assertHealthy(runner);
  const built = await documentCounts(store);
  console.log(`documents: ${names.map((name) => `${name} ${fmt(built.get(name) ?? 0)}`).join(', ')}`);

  console.log(`blue/green rebuild of each projection in turn (the others live and idle):`);
  for (const name of names) {
    started = performance.now();
    const result = await runner.rebuild(name);
    const rebuild = performance.now() - started;
    console.log(`  ${name.padEnd(14)} v${result.fromVersion}→v${result.toVersion}: ${fmt(head)} events in ${rebuild.toFixed(0).padStart(6)} ms → ${rate(head, rebuild)} (target ≥ 30,000)`);
  }
  await assertHealthy(runner);
  const rebuilt = await documentCounts(store);
  const differ = names.filter((name) => rebuilt.get(name) !== built.get(name));
  if (differ.length > 0) {
    console.error(`!! rebuilt document counts differ from the first build: ${differ.join(', ')}`);
    process.exitCode = 1;
  }
  await runner.stop();
}

async function main(): Promise<void> {
  const chosen = model();
  console.log(`machine: ${machine()}`);
  if (chosen !== 'real') await withStores(benchSynthetic);
  if (chosen !== 'synthetic') await withStores(benchReal);
}

await main();
