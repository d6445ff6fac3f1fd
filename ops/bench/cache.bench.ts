/**
 * Gateway caches benchmark: what the in-memory hot-path state (projections/cache/) costs and buys.
 *
 *   node --expose-gc --import tsx ops/bench/cache.bench.ts        # with the heap figure
 *   npx tsx ops/bench/cache.bench.ts
 *   BENCH_TENANTS=1000 BENCH_SPENDS=90 BENCH_LOOKUPS=2000000 npx tsx ops/bench/cache.bench.ts
 *
 * 1. Catch-up: a GatewayState started on an embedded SQLite event store (temporary file)
 *    holding sealed domain events (ops/bench/seed-domain-events.ts), until `ready`.
 *    (a) "mixed": BENCH_TENANTS tenants with BENCH_SPENDS budget spends each (~100k events,
 *        ~90% of them budget events the cache skips without decoding);
 *    (b) "all folded": tenants without spends, so (nearly) every event is decoded and folded.
 * 2. Lookups: CachedCredentials.findUsableKey vs the read-model ApiKeyCredentials (SQLite
 *    read-model store fed by the real tenants and apiKeys projections), over the current
 *    key hashes of every tenant (hits) and unknown hashes (misses); plus the synchronous
 *    GatewayState.key map read. Per-call p50/p99 come from a separate individually timed run.
 * 3. Staleness: append a revocation, poll until the cache no longer finds the key; through the
 *    same store instance (in-process commit notification) and through a second instance on
 *    the same file (another gateway process: the 250 ms poll).
 * Prints figures and the machine; asserts nothing, but exits non-zero if a lookup answered
 * differently from the read model (the comparison would be void).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { executeCommand } from '../../commands/handler.js';
import { apiKeyDecider, apiKeyStreamId } from '../../domain/apikey/index.js';
import { SqliteEventStore } from '../../engines/eventstore/sqlite/index.js';
import { SqliteReadModelStore } from '../../engines/readmodel/sqlite/index.js';
import { CachedCredentials, GatewayState } from '../../projections/cache/index.js';
import { ApiKeyCredentials, apiKeysProjection, tenantsProjection } from '../../projections/index.js';
import type { CredentialDirectory } from '../../api/http/authenticate.js';
import { ProjectionRunner } from '../../projections/runtime/index.js';
import { seedDomainEvents } from './seed-domain-events.js';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 500);
const SPENDS = Number(process.env.BENCH_SPENDS ?? 185);
const FOLDED_TENANTS = Number(process.env.BENCH_FOLDED_TENANTS ?? 9_000);
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 1_000_000);
const READ_MODEL_LOOKUPS = Number(process.env.BENCH_READ_MODEL_LOOKUPS ?? 10_000);
const STALENESS_SAMPLES = Number(process.env.BENCH_STALENESS_SAMPLES ?? 20);
const NOW = new Date('2025-03-20T00:00:00.000Z'); // inside the seeded month: every seeded key is unexpired

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const tenantIdOf = (index: number): string => `t${String(index).padStart(5, '0')}`;

function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown cpu'} · ${cpu.length} cores · ${(totalmem() / 2 ** 30).toFixed(1)} GiB · node ${process.version} · ${process.platform}/${process.arch}`;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function withSeededStore(tenants: number, spends: number, work: (store: SqliteEventStore, path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-cache-bench-'));
  const path = join(dir, 'events.db');
  const store = await SqliteEventStore.open({ path });
  try {
    const started = performance.now();
    const seeded = await seedDomainEvents(store, { tenants, spendsPerBudget: spends, deployments: 50, priceChanges: 10 });
    const budget = [...seeded.byType].filter(([type]) => type.startsWith('Budget')).reduce((sum, [, count]) => sum + count, 0);
    console.log(`seeded ${fmt(seeded.events)} events (${fmt(budget)} budget events, skipped by the cache) in ${(performance.now() - started).toFixed(0)} ms (not measured)`);
    await work(store, path);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function catchUp(store: SqliteEventStore, label: string): Promise<GatewayState> {
  const head = await store.headPosition();
  let state: GatewayState | null = null;
  for (let run = 1; run <= 3; run++) {
    await state?.stop();
    state = null;
    const heapBefore = heapAfterGc();
    state = new GatewayState({ eventStore: store });
    const started = performance.now();
    state.start();
    await state.ready;
    const ms = performance.now() - started;
    const heapAfter = heapAfterGc();
    const heap = heapBefore === null || heapAfter === null ? 'run with node --expose-gc for the heap figure' : `heap retained ${((heapAfter - heapBefore) / 2 ** 20).toFixed(1)} MiB`;
    console.log(`catch-up ${label} run ${run}: ${fmt(head)} events in ${ms.toFixed(0)} ms → ${fmt(head / (ms / 1000))} events/s (${heap}, dead letters ${state.status().deadLetters})`);
  }
  if (state === null) throw new Error('no run');
  return state;
}

/** Lookups per second; `found` is kept (and printed) so the loop's result is used. */
/** Heap in use after a full collection, or null when gc is not exposed (a figure without it would be noise). */
function heapAfterGc(): number | null {
  if (typeof gc !== 'function') return null;
  gc();
  return process.memoryUsage().heapUsed;
}

async function throughput(directory: CredentialDirectory, hashes: readonly string[], count: number): Promise<{ perSecond: number; found: number }> {
  let found = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) if ((await directory.findUsableKey(hashes[i % hashes.length], NOW)) !== null) found++;
  return { perSecond: count / ((performance.now() - started) / 1000), found };
}

async function latencies(directory: CredentialDirectory, hashes: readonly string[], count: number): Promise<string> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await directory.findUsableKey(hashes[i % hashes.length], NOW);
    samples.push((performance.now() - started) * 1000);
  }
  samples.sort((a, b) => a - b);
  return `p50 ${percentile(samples, 50).toFixed(1)} µs, p99 ${percentile(samples, 99).toFixed(1)} µs`;
}

async function lookups(store: SqliteEventStore, state: GatewayState): Promise<void> {
  const readModels = await SqliteReadModelStore.open({ path: ':memory:' });
  const runner = new ProjectionRunner({ eventStore: store, store: readModels, projections: [tenantsProjection, apiKeysProjection] });
  await runner.start();
  await runner.waitUntilCaughtUp({ timeoutMs: 600_000 });
  const hits = Array.from({ length: TENANTS * 2 }, (_, i) => sha256(`${tenantIdOf(i >> 1)}/key_${i & 1}/2`));
  const misses = Array.from({ length: 1000 }, (_, i) => sha256(`unknown/${i}`));
  const cached = new CachedCredentials(state);
  const reference = new ApiKeyCredentials(readModels);

  let differ = 0;
  for (const hash of [...hits, ...misses, ...hits.map((_, i) => sha256(`${tenantIdOf(i >> 1)}/key_${i & 1}/1`))]) {
    const [a, b] = [await cached.findUsableKey(hash, NOW), await reference.findUsableKey(hash, NOW)];
    if (JSON.stringify(a) !== JSON.stringify(b)) differ++;
  }
  console.log(`answers compared on ${fmt(hits.length * 2 + misses.length)} hashes (current, rotated-away, unknown): ${differ === 0 ? 'identical' : `${differ} DIFFER`}`);
  if (differ > 0) process.exitCode = 1;

  for (const [label, hashes] of [['hits', hits], ['misses', misses]] as const) {
    await throughput(cached, hashes, 100_000); // warm-up
    const cache = await throughput(cached, hashes, LOOKUPS);
    const readModel = await throughput(reference, hashes, READ_MODEL_LOOKUPS);
    let found = 0;
    const started = performance.now();
    for (let i = 0; i < LOOKUPS; i++) if (state.key(hashes[i % hashes.length]) !== null) found++;
    const sync = LOOKUPS / ((performance.now() - started) / 1000);
    const hitRate = `${((100 * cache.found) / LOOKUPS).toFixed(0)}% / ${((100 * readModel.found) / READ_MODEL_LOOKUPS).toFixed(0)}% / ${((100 * found) / LOOKUPS).toFixed(0)}% found`;
    console.log(`lookups (${label}): CachedCredentials ${fmt(cache.perSecond)}/s · ApiKeyCredentials (read model) ${fmt(readModel.perSecond)}/s · ×${(cache.perSecond / readModel.perSecond).toFixed(0)} · GatewayState.key (sync) ${fmt(sync)}/s (${hitRate})`);
    console.log(`  per call: cache ${await latencies(cached, hashes, 100_000)} · read model ${await latencies(reference, hashes, 20_000)}`);
  }
  await runner.stop();
  await readModels.close();
}

async function staleness(store: SqliteEventStore, path: string, state: GatewayState): Promise<void> {
  const other = await SqliteEventStore.open({ path });
  try {
    for (const [label, writer] of [['same process (commit notification)', store], ['other process (second instance, 250 ms poll)', other]] as const) {
      const samples: number[] = [];
      for (let i = 0; i < STALENESS_SAMPLES; i++) {
        const index = label.startsWith('same') ? i : STALENESS_SAMPLES + i;
        const tenantId = tenantIdOf(index);
        const hash = sha256(`${tenantId}/key_0/2`);
        const streamId = apiKeyStreamId(tenantId, 'key_0');
        const command = { type: 'RevokeApiKey' as const, data: { tenantId, keyId: 'key_0', reason: 'bench' }, meta: { now: NOW.toISOString(), actor: 'admin' } };
        const context = { tenantId, commandId: `bench-revoke-${index}`, correlationId: 'bench', causationId: 'bench', actor: 'admin', occurredAt: NOW.toISOString() };
        // A random pause first, so appends land at random phases of the other instance's poll.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 250));
        const started = performance.now();
        await executeCommand(writer, streamId, apiKeyDecider, command, context);
        while (state.key(hash) !== null) await new Promise((resolve) => setImmediate(resolve));
        samples.push(performance.now() - started);
      }
      samples.sort((a, b) => a - b);
      console.log(`revocation visible, ${label}: p50 ${percentile(samples, 50).toFixed(1)} ms, max ${samples[samples.length - 1].toFixed(1)} ms (${samples.length} samples, from the append call)`);
    }
  } finally {
    await other.close();
  }
}

async function main(): Promise<void> {
  console.log(`machine: ${machine()}`);
  console.log(`\n[mixed] ${fmt(TENANTS)} tenants, ${SPENDS} spends each, 50 deployments × 10 prices`);
  await withSeededStore(TENANTS, SPENDS, async (store, path) => {
    const state = await catchUp(store, 'mixed');
    await lookups(store, state);
    await staleness(store, path, state);
    await state.stop();
  });
  console.log(`\n[all folded] ${fmt(FOLDED_TENANTS)} tenants, no spends (every non-budget event is decoded)`);
  await withSeededStore(FOLDED_TENANTS, 0, async (store) => {
    await (await catchUp(store, 'all folded')).stop();
  });
}

await main();
