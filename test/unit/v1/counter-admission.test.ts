import { expect } from 'chai';
import { describe, it } from 'mocha';
import { BudgetGuard } from '../../../api/v1/admission/budgets.js';
import { CounterAdmission, type CounterClaims } from '../../../api/v1/admission/counters.js';
import { MemoryCounters } from '../../../engines/counters/memory/index.js';
import { CountersUnavailableError, type AdmissionResult, type Counters } from '../../../engines/counters/port.js';
import type { CachedBudget } from '../../../projections/cache/snapshots.js';

const budget: CachedBudget = {
  tenantId: 'acme',
  budgetId: 'monthly',
  period: 'month',
  limitMicros: 1_000_000,
  currency: 'USD',
  action: 'block',
  alertThresholds: [],
  periodStart: '2026-11-01T00:00:00.000Z',
  crossedThresholds: [],
  adjustmentsMicros: 0,
};

/** Counters whose admission answers as told, the rest in memory. */
function countersAnswering(admit: () => Promise<AdmissionResult>): Counters {
  const memory = new MemoryCounters();
  return Object.assign(Object.create(memory) as Counters, { admissions: { admit, conclude: memory.admissions.conclude.bind(memory.admissions) } });
}

function claimsFor(guard: BudgetGuard, withBudget: boolean): CounterClaims {
  return {
    holder: 'req_1',
    rateLimits: { charges: [{ key: 'rpm:{acme}:t', limit: 10, windowMs: 60_000, cost: 1 }], limits: ['tenant requests-per-minute'], estimatedTokens: 0 },
    leases: [],
    budgets: withBudget ? guard.claims([budget], 500, 'USD', new Date('2026-11-27T12:00:00.000Z')) : [],
  };
}

const refusalOf = (promise: Promise<unknown>): Promise<{ status?: number; code?: string }> =>
  promise.then(
    () => expect.fail('expected a refusal'),
    (error: unknown) => error as { status?: number; code?: string },
  );

describe('CounterAdmission', () => {
  it('fails closed (503 budget_unavailable) for a request with a budget when the counters cannot answer, and open without one', async () => {
    const down = countersAnswering(async () => {
      throw new CountersUnavailableError('admissions.admit', 'connection');
    });
    const failedOpen: string[] = [];
    const guard = new BudgetGuard(down, async () => 0);
    const admission = new CounterAdmission(down, guard, (check) => failedOpen.push(check), () => undefined);
    expect(await refusalOf(admission.take(claimsFor(guard, true)))).to.include({ status: 503, code: 'budget_unavailable' });
    expect(failedOpen).to.deep.equal([]);
    const hold = await admission.take(claimsFor(guard, false));
    await hold.conclude(100);
    expect(failedOpen).to.deep.equal(['rate and concurrency limits']);
  });

  it('reseeds a stale budget and asks again, but gives up with 503 when the counters keep losing its period', async () => {
    let asked = 0;
    const forgetful = countersAnswering(async () => {
      asked++;
      return { admitted: false, refusal: { kind: 'stale_period', index: 0, periodKey: null } };
    });
    const seeded: string[] = [];
    const guard = new BudgetGuard(forgetful, async (_tenant, _currency, since) => {
      seeded.push(since);
      return 0;
    });
    const admission = new CounterAdmission(forgetful, guard, () => undefined, () => undefined);
    expect(await refusalOf(admission.take(claimsFor(guard, true)))).to.include({ status: 503, code: 'budget_unavailable' });
    expect(asked).to.equal(4);
    expect(seeded).to.deep.equal(Array(3).fill('2026-11-01T00:00:00.000Z'));
  });

  it('turns a rate-limit refusal into a 429 naming the limit, with nothing held', async () => {
    const counters = new MemoryCounters();
    const guard = new BudgetGuard(counters, async () => 0);
    const admission = new CounterAdmission(counters, guard, () => undefined, () => undefined);
    const claims = claimsFor(guard, false);
    const tight = { ...claims, rateLimits: { ...claims.rateLimits, charges: [{ ...claims.rateLimits.charges[0]!, limit: 1 }] } };
    await admission.take(tight);
    const refused = await refusalOf(admission.take({ ...tight, holder: 'req_2' }));
    expect(refused).to.include({ status: 429, code: 'rate_limit_exceeded' });
    expect(String((refused as unknown as Error).message)).to.contain('tenant requests-per-minute limit');
  });
});
