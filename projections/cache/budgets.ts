import { budgetDecider } from '../../domain/budget/decide.js';
import type { BudgetEvent } from '../../domain/budget/events.js';
import type { BudgetState } from '../../domain/budget/state.js';
import { CategoryFold } from './category-fold.js';
import { deepFreeze, type CachedBudget } from './snapshots.js';
import { TenantLists } from './tenant-lists.js';

/**
 * Each tenant's budgets as the gateway enforces them at admission: limit, period, currency
 * and action. Spend is not taken from here: the counters port holds the live figure (spent +
 * reserved) and is seeded from the usage read model at each period start. A budget event
 * that cannot be applied keeps the last known limit.
 */
export class BudgetFold extends CategoryFold<BudgetEvent, BudgetState> {
  readonly category = 'budget';
  private readonly byTenant = new TenantLists<CachedBudget>((budget) => budget.budgetId);

  constructor() {
    super(budgetDecider);
  }

  /** Sorted by budget id, so every process reserves in the same order. */
  budgetsFor(tenantId: string): readonly CachedBudget[] {
    return this.byTenant.get(tenantId);
  }

  protected reindex(before: BudgetState, after: BudgetState): void {
    if (before.status === 'active') this.byTenant.replace(before.tenantId, before.budgetId, null);
    if (after.status !== 'active') return;
    const { tenantId, budgetId, period, limitMicros, currency, action, alertThresholds, periodStart, spentMicros, crossedThresholds } = after;
    const budget = { tenantId, budgetId, period, limitMicros, currency, action, alertThresholds: [...alertThresholds], periodStart, adjustmentsMicros: spentMicros, crossedThresholds: [...crossedThresholds] };
    this.byTenant.replace(tenantId, budgetId, deepFreeze(budget));
  }
}
