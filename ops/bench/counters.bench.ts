/**
 * Benchmark of the counters port on both adapters. Prints its figures and the machine.
 *
 *   npx tsx ops/bench/counters.bench.ts [--ops 50000] [--workers 64]
 *
 * Per adapter, the gateway's hot-path calls:
 * - consume: one rate limit (one round trip);
 * - consumeAll: a key limit and its tenant limit, all or nothing (one round trip);
 * - reserve+settle: a budget reservation, then its settlement (two round trips);
 * - a gateway request's counters, call by call (rate limits, two leases, a reservation; then
 *   the settlement and two lease releases: seven round trips) against the same through
 *   Counters.admissions (admit + conclude: two round trips);
 * each by 1 caller in a loop (latency of an idle system) and by N concurrent callers in
 * closed loops (saturation: latency includes queueing). Latency is from call to answer.
 * Redis: $REDIS_URL when set, otherwise a throwaway redis-server on loopback (skipped
 * when redis-server is not on PATH); with and without ioredis auto-pipelining.
 */
import { cpus, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';
import { MemoryCounters } from '../../engines/counters/memory/index.js';
import type { Counters } from '../../engines/counters/port.js';
import { RedisCounters } from '../../engines/counters/redis/index.js';
import { findRedisServer, type RedisServer, startRedisServer } from '../../test/support/redis-server.js';

interface Options {
  readonly ops: number;
  readonly workers: number;
}

interface Figures {
  readonly ops: number;
  readonly opsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
}

type Operation = (counters: Counters, index: number) => Promise<unknown>;

const TENANTS = 1000;
const HOUR = 3_600_000;

const PERIOD = '2026-11-01T00:00:00.000Z';

/** The counters one gateway request of tenant t_<i>, key k_<i mod 7> touches (tenant and key limits, one budget). */
function requestKeys(i: number) {
  const tenant = `t_${i % TENANTS}`;
  const key = `k_${i % 7}`;
  const limits = ['rpm', 'tpm'].flatMap((kind) => [`${kind}:{${tenant}}:t`, `${kind}:{${tenant}}:k:${key}`]);
  return { limits, leases: [`conc:{${tenant}}:t`, `conc:{${tenant}}:k:${key}`], budget: `budget:{${tenant}}:monthly`, holder: `req_${i}` };
}

const rateLimitsOf = (keys: ReturnType<typeof requestKeys>) => keys.limits.map((key) => ({ key, limit: 1e12, windowMs: 60_000, cost: key.startsWith('tpm') ? 850 : 1 }));

const operations: ReadonlyArray<[string, Operation]> = [
  ['consume', (c, i) => c.rateLimits.consume(`rpm:{t_${i % TENANTS}}`, { limit: 1e12, windowMs: 60_000, cost: 1 })],
  [
    'consumeAll (key + tenant)',
    (c, i) =>
      c.rateLimits.consumeAll([
        { key: `tpm:{t_${i % TENANTS}}:key_${i % 7}`, limit: 1e12, windowMs: 60_000, cost: 850 },
        { key: `tpm:{t_${i % TENANTS}}`, limit: 1e12, windowMs: 60_000, cost: 850 },
      ]),
  ],
  [
    'reserve+settle',
    async (c, i) => {
      const budget = `budget:{t_${i % TENANTS}}`;
      await c.budgets.reserve(budget, { reservationId: `req_${i}`, amount: 2_000, limit: 1e15, ttlMs: HOUR });
      await c.budgets.settle(budget, `req_${i}`, 1_432);
    },
  ],
  [
    'request, call by call (7 round trips)',
    async (c, i) => {
      const keys = requestKeys(i);
      await c.rateLimits.consumeAll(rateLimitsOf(keys));
      for (const lease of keys.leases) await c.concurrency.acquire(lease, { limit: 1e6, leaseId: keys.holder, ttlMs: HOUR });
      await c.budgets.reserve(keys.budget, { reservationId: keys.holder, amount: 2_000, limit: 1e15, ttlMs: HOUR });
      await c.budgets.settle(keys.budget, keys.holder, 1_432);
      await Promise.all(keys.leases.map((lease) => c.concurrency.release(lease, keys.holder)));
    },
  ],
  [
    'request, admissions (2 round trips)',
    async (c, i) => {
      const keys = requestKeys(i);
      const check = {
        holder: keys.holder,
        rateLimits: rateLimitsOf(keys),
        leases: keys.leases.map((key) => ({ key, limit: 1e6 })),
        reservations: [{ budgetKey: keys.budget, amount: 2_000, limit: 1e15, periodKey: PERIOD }],
        leaseTtlMs: HOUR,
        reservationTtlMs: HOUR,
      };
      const admitted = await c.admissions.admit(check);
      // The first request of a tenant finds no period stored, as after a restart: seed it and ask again.
      if (!admitted.admitted && admitted.refusal.kind === 'stale_period') {
        await c.budgets.resetSpent(keys.budget, 0, PERIOD);
        await c.admissions.admit(check);
      }
      await c.admissions.conclude({ holder: keys.holder, leases: keys.leases, budgets: [{ budgetKey: keys.budget, actualAmount: 1_432 }] });
    },
  ],
];

/** `workers` closed loops sharing `total` operations; returns throughput and latency percentiles. */
async function measure(counters: Counters, operation: Operation, total: number, workers: number, offset: number): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = offset + next++;
      const started = process.hrtime.bigint();
      await operation(counters, index);
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: workers }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return { ops: latencies.length, opsPerSecond: latencies.length / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

let offset = 0;

async function benchAdapter(label: string, counters: Counters, options: Options): Promise<void> {
  for (const [name, operation] of operations) {
    await measure(counters, operation, 10_000, 8, (offset += 1_000_000)); // warm-up: JIT, script cache, connections
    for (const workers of [1, options.workers]) {
      const ops = workers === 1 ? Math.min(options.ops, 20_000) : options.ops;
      const figures = await measure(counters, operation, ops, workers, (offset += 1_000_000));
      console.log(
        `${label} | ${name} | ${workers} caller${workers === 1 ? '' : 's'} | ${fmt(figures.opsPerSecond)} ops/s | ` +
          `p50 ${fmt(figures.p50, 3)} ms | p99 ${fmt(figures.p99, 3)} ms | ${fmt(figures.ops)} ops`,
      );
    }
  }
}

async function withRedis(run: (url: string) => Promise<void>): Promise<void> {
  if (process.env.REDIS_URL) return run(process.env.REDIS_URL);
  if (findRedisServer() === null) {
    console.log('redis: skipped (redis-server is not on PATH and REDIS_URL is not set; ops/engines/redis.sh installs it)');
    return;
  }
  const server: RedisServer = await startRedisServer();
  try {
    await run(server.url);
  } finally {
    await server.stop();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

function machine(): string {
  const cores = cpus();
  const memory = `${(totalmem() / 2 ** 30).toFixed(1)} GiB`;
  return `${cores[0]?.model ?? 'unknown cpu'} · ${cores.length} cores · ${memory} · Node ${process.version} · ${process.platform}/${process.arch}`;
}

const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export async function runCountersBench(options: Options): Promise<void> {
  console.log('# Counters (rate limits, budget reservations)');
  console.log(`machine: ${machine()}`);
  const memory = new MemoryCounters();
  await benchAdapter('memory', memory, options);
  await memory.close();
  await withRedis(async (url) => {
    for (const autoPipelining of [false, true]) {
      const redis = await RedisCounters.connect({ url, keyPrefix: `bench${Date.now()}:`, autoPipelining });
      const info = String(await redis.client.info('server'));
      if (!autoPipelining) console.log(`redis: ${url}, redis_version ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}`);
      await benchAdapter(`redis${autoPipelining ? ' (auto-pipelining)' : ''}`, redis, options);
      await redis.close();
    }
  });
}

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runCountersBench({ ops: argument('ops', 50_000), workers: argument('workers', 64) });
}
