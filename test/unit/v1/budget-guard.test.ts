import { expect } from 'chai';
import { describe, it } from 'mocha';
import { BudgetGuard } from '../../../api/v1/admission/budgets.js';
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

describe('BudgetGuard across a period boundary', () => {
  it('reseeds the spend from the usage read model once the clock enters the next period, though it remembers the current one', async () => {
    const seededFrom: string[] = [];
    // The read model knows of 900 micros spent today and nothing yet tomorrow.
    const spend = async (_tenant: string, _currency: string, since: string) => {
      seededFrom.push(since);
      return since === '2026-11-27T00:00:00.000Z' ? 900 : 0;
    };
    const guard = new BudgetGuard(new MemoryCounters(), spend);
    const first = await guard.reserve([budget], 'r1', 50, 'USD', new Date('2026-11-27T23:59:59.000Z'));
    await first.settle(50);
    const refusedToday = await guard.reserve([budget], 'r2', 100, 'USD', new Date('2026-11-27T23:59:59.500Z')).then(() => null, (error: unknown) => error);
    expect((refusedToday as { code?: string } | null)?.code, '900 + 50 spent: 100 more does not fit today').to.equal('budget_exhausted');
    const tomorrow = await guard.reserve([budget], 'r3', 100, 'USD', new Date('2026-11-28T00:00:00.000Z'));
    await tomorrow.settle(100);
    expect(seededFrom).to.deep.equal(['2026-11-27T00:00:00.000Z', '2026-11-28T00:00:00.000Z']);
  });
});
