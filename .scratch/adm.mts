import { MemoryCounters } from '../engines/counters/memory/index.ts';
const c = new MemoryCounters();
const HOUR = 3_600_000, PERIOD = '2026-11-01T00:00:00.000Z';
const TEN = 1000;
function keysOf(i: number) { const t = `t_${i % TEN}`, k = `k_${i % 7}`; return { limits: ['rpm','tpm'].flatMap((x) => [`${x}:{${t}}:t`, `${x}:{${t}}:k:${k}`]), leases: [`conc:{${t}}:t`, `conc:{${t}}:k:${k}`], budget: `budget:{${t}}:monthly`, holder: `req_${i}` }; }
for (let t = 0; t < TEN; t++) await c.budgets.resetSpent(`budget:{t_${t}}:monthly`, 0, PERIOD);
async function adm(i: number) { const k = keysOf(i); const r = await c.admissions.admit({ holder: k.holder, rateLimits: k.limits.map((key) => ({ key, limit: 1e12, windowMs: 60000, cost: 1 })), leases: k.leases.map((key) => ({ key, limit: 1e6 })), reservations: [{ budgetKey: k.budget, amount: 2000, limit: 1e15, periodKey: PERIOD }], leaseTtlMs: HOUR, reservationTtlMs: HOUR }); if (!r.admitted) throw new Error(JSON.stringify(r)); await c.admissions.conclude({ holder: k.holder, leases: k.leases, budgets: [{ budgetKey: k.budget, actualAmount: 1432 }] }); }
async function seq(i: number) { const k = keysOf(i); await c.rateLimits.consumeAll(k.limits.map((key) => ({ key, limit: 1e12, windowMs: 60000, cost: 1 }))); for (const l of k.leases) await c.concurrency.acquire(l, { limit: 1e6, leaseId: k.holder, ttlMs: HOUR }); await c.budgets.reserve(k.budget, { reservationId: k.holder, amount: 2000, limit: 1e15, ttlMs: HOUR }); await c.budgets.settle(k.budget, k.holder, 1432); await Promise.all(k.leases.map((l) => c.concurrency.release(l, k.holder))); }
const which = process.argv[2] === 'seq' ? seq : adm;
let i = 0;
for (let round = 0; round < 5; round++) { const t0 = performance.now(); for (let n = 0; n < 40000; n++) await which(i++); console.log(process.argv[2], ((performance.now() - t0) / 40000 * 1000).toFixed(2), 'µs'); }
