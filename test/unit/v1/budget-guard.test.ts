import { expect } from 'chai';
import { describe, it } from 'mocha';
import { BudgetGuard } from '../../../api/v1/admission/budgets.js';
import { CounterAdmission } from '../../../api/v1/admission/counters.js';
import { MemoryCounters } from '../../../engines/counters/memory/index.js';
import type { CachedBudget } from '../../../projections/cache/snapshots.js';

const budget: CachedBudget = {
  tenantId: 'acme',
  budgetId: 'daily',
  period: 'day',
  limitMicros: 1_000,
  currency: 'USD',
  action: 'block',
  alertThresholds: [],
  periodStart: '2026-11-27T00:00:00.000Z',
  crossedThresholds: [],
  adjustmentsMicros: 0,
};

describe('Budget admission across a period boundary', () => {
  it('reseeds the spend from the usage read model once the clock enters the next period, though it remembers the current one', async () => {
    const seededFrom: string[] = [];
    // The read model knows of 900 micros spent today and nothing yet tomorrow.
    const spend = async (_tenant: string, _currency: string, since: string) => {
      seededFrom.push(since);
      return since === '2026-11-27T00:00:00.000Z' ? 900 : 0;
    };
    const counters = new MemoryCounters();
    const guard = new BudgetGuard(counters, spend);
    const unexpected = (error: unknown) => expect.fail(`unexpected: ${String(error)}`);
    const admission = new CounterAdmission(counters, guard, unexpected, unexpected);
    const take = (holder: string, amount: number, at: string) =>
      admission.take({ holder, rateLimits: { charges: [], limits: [], estimatedTokens: 0 }, leases: [], budgets: guard.claims([budget], amount, 'USD', new Date(at)) });
    const first = await take('r1', 50, '2026-11-27T23:59:59.000Z');
    await first.conclude(50);
    const refusedToday = await take('r2', 100, '2026-11-27T23:59:59.500Z').then(() => null, (error: unknown) => error);
    expect((refusedToday as { code?: string } | null)?.code, '900 + 50 spent: 100 more does not fit today').to.equal('budget_exhausted');
    const tomorrow = await take('r3', 100, '2026-11-28T00:00:00.000Z');
    await tomorrow.conclude(100);
    expect(await counters.budgets.snapshot('budget:{acme}:daily')).to.deep.equal({ spent: 100, reserved: 0, periodKey: '2026-11-28T00:00:00.000Z' });
    expect(seededFrom).to.deep.equal(['2026-11-27T00:00:00.000Z', '2026-11-28T00:00:00.000Z']);
  });
});
