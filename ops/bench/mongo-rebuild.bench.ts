/**
 * Projection rebuild into MongoDB: the product's read models (ALL_PROJECTIONS) over ~100k
 * sealed domain events (ops/bench/seed-domain-events.ts, as BENCH_MODEL=real of
 * projection.bench.ts), from an embedded SQLite event store into MongoReadModelStore.
 *
 *   npx tsx ops/bench/mongo-rebuild.bench.ts                      # FerretDB started here
 *   NEXUS_MONGO_URL=mongodb://host:27017/ npx tsx ops/bench/mongo-rebuild.bench.ts
 *   BENCH_TENANTS=100 BENCH_BATCH=2000 npx tsx ops/bench/mongo-rebuild.bench.ts
 *   BENCH_VERIFY=0 npx tsx ops/bench/mongo-rebuild.bench.ts        # skip the document counts
 *
 * Without NEXUS_MONGO_URL it starts a FerretDB of its own (ops/engines/ferretdb.sh, on a free
 * port and a temporary data directory, removed afterwards), or says it is skipped when
 * FerretDB is not built. Measures (1) the first build of all projections together and
 * (2) a blue/green rebuild of each projection in turn. Target: ≥ 5,000 events/s each.
 * Prints its figures, the machine and the server; asserts nothing, but exits non-zero if a
 * projection dead-lettered an event or the rebuilt document counts differ (figures void).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteEventStore } from '../../engines/eventstore/sqlite/index.js';
import { MongoReadModelStore } from '../../engines/readmodel/mongodb/index.js';
import type { ReadModelStore } from '../../engines/readmodel/port.js';
import { ALL_PROJECTIONS } from '../../projections/index.js';
import { ProjectionRunner } from '../../projections/runtime/index.js';
import { type BenchServer, fmt, machine, mongoServer, rate } from './mongo-server.js';
import { seedDomainEvents } from './seed-domain-events.js';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 500);
const SPENDS = Number(process.env.BENCH_SPENDS ?? 185);
const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 50);
const PRICE_CHANGES = Number(process.env.BENCH_PRICE_CHANGES ?? 10);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 1_800_000);
/** 0 skips counting the documents (on FerretDB every page of a query decodes the whole collection: minutes at 100k documents). */
const VERIFY = process.env.BENCH_VERIFY !== '0';
const TARGET = 5_000;

/** Documents in the live version of each read model (paged, not timed). */
async function documentCounts(store: ReadModelStore): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const projection of ALL_PROJECTIONS) {
    const physical = await store.getAlias(projection.collection);
    let count = 0;
    let page = physical === null ? null : await store.find(physical, { limit: 10_000 });
    while (physical !== null && page !== null) {
      count += page.items.length;
      page = page.nextCursor === null ? null : await store.find(physical, { limit: 10_000, after: page.nextCursor });
    }
    counts.set(projection.name, count);
  }
  return counts;
}

async function counted(store: ReadModelStore): Promise<Map<string, number>> {
  const started = performance.now();
  const counts = await documentCounts(store);
  console.log(`documents (counted in ${fmt(performance.now() - started)} ms, not measured): ${[...counts].map(([name, n]) => `${name} ${fmt(n)}`).join(', ')}`);
  return counts;
}

/** The figures are void if an event was dead-lettered or a projection is failing: say so loudly. */
async function assertHealthy(runner: ProjectionRunner): Promise<void> {
  for (const status of await runner.status()) {
    if (status.deadLetters === 0 && status.lastError === null && status.caughtUp) continue;
    console.error(`!! ${status.name}: ${status.deadLetters} dead letters, caughtUp=${status.caughtUp}, lastError=${status.lastError}`);
    process.exitCode = 1;
  }
}

async function bench(server: BenchServer, events: SqliteEventStore): Promise<void> {
  let started = performance.now();
  const seeded = await seedDomainEvents(events, { tenants: TENANTS, spendsPerBudget: SPENDS, deployments: DEPLOYMENTS, priceChanges: PRICE_CHANGES });
  const head = await events.headPosition();
  console.log(`seeded ${fmt(head)} sealed domain events over ${fmt(seeded.streams)} streams in ${(performance.now() - started).toFixed(0)} ms (not measured)`);

  const database = `nexus_bench_${randomBytes(5).toString('hex')}`;
  const store = await MongoReadModelStore.connect({ url: server.url, database });
  const names = ALL_PROJECTIONS.map((projection) => projection.name);
  const runner = new ProjectionRunner({ eventStore: events, store, projections: ALL_PROJECTIONS, batchSize: BATCH });
  try {
    started = performance.now();
    await runner.start();
    // All run at once, each reading the whole log; note when each one has caught up.
    const caughtUp = await Promise.all(
      names.map(async (name) => {
        await runner.waitUntilCaughtUp({ projection: name, timeoutMs: TIMEOUT_MS });
        return performance.now() - started;
      }),
    );
    const build = Math.max(...caughtUp);
    console.log(`first build, ${names.length} projections together: ${fmt(head)} events in ${build.toFixed(0)} ms → ${rate(head, build)} (target ≥ ${fmt(TARGET)})`);
    names.forEach((name, i) => console.log(`  ${name.padEnd(14)} caught up after ${caughtUp[i].toFixed(0).padStart(7)} ms → ${rate(head, caughtUp[i])} (sharing the CPU with the others)`));
    await assertHealthy(runner);
    const built = VERIFY ? await counted(store) : null;

    console.log(`blue/green rebuild of each projection in turn (the others live and idle):`);
    for (const name of names) {
      started = performance.now();
      const result = await runner.rebuild(name);
      const took = performance.now() - started;
      console.log(`  ${name.padEnd(14)} v${result.fromVersion}→v${result.toVersion}: ${fmt(head)} events in ${took.toFixed(0).padStart(7)} ms → ${rate(head, took)} (target ≥ ${fmt(TARGET)})`);
    }
    await assertHealthy(runner);
    const rebuilt = built === null ? null : await counted(store);
    const differ = names.filter((name) => rebuilt?.get(name) !== built?.get(name));
    if (differ.length > 0) {
      console.error(`!! rebuilt document counts differ from the first build: ${differ.join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    await runner.stop();
    await store.dropDatabase();
    await store.close();
  }
}

async function main(): Promise<void> {
  console.log(`machine: ${machine()}`);
  const server = await mongoServer();
  if (server === null) return;
  const dir = mkdtempSync(join(tmpdir(), 'nexus-bench-mongo-'));
  const events = await SqliteEventStore.open({ path: join(dir, 'events.db') });
  try {
    console.log(`server: ${server.description} · batch ${fmt(BATCH)} events`);
    await bench(server, events);
  } finally {
    await events.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
