/**
 * Audit search index benchmark: how fast the audit trail (every event, flattened into one
 * search document each) is built and rebuilt blue/green from position 0.
 *
 *   ops/engines/elasticsearch.sh start        # prints NEXUS_ELASTICSEARCH_URL
 *   npx tsx ops/bench/search-rebuild.bench.ts
 *   BENCH_TENANTS=1000 BENCH_BATCH=2000 npx tsx ops/bench/search-rebuild.bench.ts
 *   node --expose-gc --import tsx ops/bench/search-rebuild.bench.ts   # exact heap of the embedded index
 *
 * Seeds an embedded SQLite event store (temporary file) with sealed domain events
 * (ops/bench/seed-domain-events.ts: 500 tenants with BENCH_SPENDS=185 budget spends each and
 * 50 deployments re-priced 10 times ≈ 100k events), then for each search adapter — the
 * embedded MemorySearch and Elasticsearch (NEXUS_ELASTICSEARCH_URL, default
 * http://127.0.0.1:19200; skipped with a note when it does not answer) — measures
 * (1) the first build: SearchIndexer.start() until its checkpoint reaches the head, and
 * (2) a blue/green rebuild: rebuild() builds v2 from 0 beside v1, switches the alias, drops v1.
 * Bulk writes of BENCH_BATCH events (default 1000), each followed by its checkpoint.
 * Target: ≥ 5,000 events/s into Elasticsearch. Prints figures and the machine; asserts nothing,
 * but exits non-zero if the index does not hold one document per event afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { SqliteEventStore } from '../../engines/eventstore/sqlite/index.js';
import { ElasticsearchSearch } from '../../engines/search/elasticsearch/index.js';
import { MemorySearch } from '../../engines/search/memory/index.js';
import type { SearchPort } from '../../engines/search/port.js';
import { auditSearchIndexer } from '../../projections/auditSearch/index.js';
import { seedDomainEvents } from './seed-domain-events.js';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 500);
const SPENDS = Number(process.env.BENCH_SPENDS ?? 185);
const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 50);
const PRICE_CHANGES = Number(process.env.BENCH_PRICE_CHANGES ?? 10);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 900_000);
const ES_URL = process.env.NEXUS_ELASTICSEARCH_URL ?? 'http://127.0.0.1:19200';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const rate = (events: number, ms: number): string => `${fmt(events / (ms / 1000))} events/s`;

function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown cpu'} · ${cpu.length} cores · ${(totalmem() / 2 ** 30).toFixed(1)} GiB · node ${process.version} · ${process.platform}/${process.arch}`;
}

/** Documents of every tenant in the index: the seed writes one tenant id per `t<5 digits>` plus 'platform'. */
async function documentCount(search: SearchPort, alias: string): Promise<number> {
  const tenants = ['platform', ...Array.from({ length: TENANTS }, (_, i) => `t${String(i).padStart(5, '0')}`)];
  let total = 0;
  for (const tenantId of tenants) total += (await search.search(alias, { tenantId, size: 0 })).total;
  return total;
}

/** The embedded index lives on this process's heap: what every start costs. Exact with `node --expose-gc`. */
function heapNote(): string {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return ` (heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB${gc ? '' : ', garbage included: run with node --expose-gc'})`;
}

async function bench(label: string, search: SearchPort, events: SqliteEventStore, head: number): Promise<void> {
  const alias = `bench-audit-${randomBytes(4).toString('hex')}`;
  const indexer = auditSearchIndexer({ eventStore: events, search, logger: pino({ enabled: false }) }, { alias, batchSize: BATCH });
  try {
    let started = performance.now();
    await indexer.start();
    await indexer.waitForPosition(head, TIMEOUT_MS);
    const build = performance.now() - started;
    console.log(`  first build       : ${fmt(head)} events in ${build.toFixed(0).padStart(6)} ms → ${rate(head, build)}${label === 'embedded' ? heapNote() : ''}`);

    started = performance.now();
    const result = await indexer.rebuild();
    const rebuild = performance.now() - started;
    console.log(`  blue/green v${result.fromVersion}→v${result.toVersion}: ${fmt(head)} events in ${rebuild.toFixed(0).padStart(6)} ms → ${rate(head, rebuild)}`);

    const documents = await documentCount(search, alias);
    const status = await indexer.status();
    console.log(`  documents ${fmt(documents)} · dead letters ${status.deadLetters} · lag ${status.lag}`);
    if (documents !== head || status.deadLetters > 0) {
      console.error(`!! ${label}: expected ${fmt(head)} documents and no dead letters; the figures are void`);
      process.exitCode = 1;
    }
  } finally {
    await indexer.stop();
    for (const version of [1, 2]) {
      await search.dropIndex(`${alias}-v${version}`);
      await search.deleteCheckpoint(`${alias}-v${version}`);
    }
  }
}

async function main(): Promise<void> {
  console.log(`machine: ${machine()}`);
  const dir = mkdtempSync(join(tmpdir(), 'nexus-bench-search-'));
  const events = await SqliteEventStore.open({ path: join(dir, 'events.db') });
  try {
    const started = performance.now();
    const seeded = await seedDomainEvents(events, { tenants: TENANTS, spendsPerBudget: SPENDS, deployments: DEPLOYMENTS, priceChanges: PRICE_CHANGES });
    const head = await events.headPosition();
    console.log(`seeded ${fmt(head)} sealed domain events over ${fmt(seeded.streams)} streams in ${(performance.now() - started).toFixed(0)} ms (not the measured figure); bulk batches of ${fmt(BATCH)}`);

    console.log(`\n[embedded] MemorySearch (in process)`);
    const memory = new MemorySearch();
    await bench('embedded', memory, events, head);
    await memory.close();

    console.log(`\n[elasticsearch] ${ES_URL} (target ≥ 5,000 events/s)`);
    const elastic = await ElasticsearchSearch.connect({ node: ES_URL }).catch((error: unknown) => {
      console.log(`  skipped: ${error instanceof Error ? error.message : String(error)} (start it with ops/engines/elasticsearch.sh start)`);
      return null;
    });
    if (elastic) {
      await bench('elasticsearch', elastic, events, head);
      await elastic.close();
    }
  } finally {
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
