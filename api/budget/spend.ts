import { nextPeriodStart } from '../../domain/budget/period.js';
import type { Doc } from '../../engines/readmodel/port.js';
import type { BudgetDoc } from '../../projections/budgets/projection.js';
import { tenantSpendSince } from '../../projections/usage/spend.js';
import type { ScopedReader } from '../deps.js';
import { publicDoc } from '../http/query.js';

/**
 * A budget as the API shows it: the spend recorded on the aggregate (RecordSpend) plus the
 * spend derived from the tenant's inference events in the budget's current period and
 * currency. This is the durable, event-derived figure, eventually consistent with the event
 * store; the gateway's hot path enforces budgets with the counters port (atomic
 * reservations), not with this read. The aggregate and its read model stay untouched.
 */
export interface BudgetSpend {
  readonly recordedSpentMicros: number;
  readonly usageSpentMicros: number;
  readonly spentMicros: number;
  readonly exhausted: boolean;
}

export type BudgetSpendReader = (doc: Doc) => Promise<Record<string, unknown>>;

/** One reader per request: budgets sharing a tenant, currency and period are summed once. */
export function budgetSpendReader(reader: ScopedReader): BudgetSpendReader {
  const sums = new Map<string, Promise<number>>();
  return async (doc) => {
    const budget = doc as BudgetDoc;
    const periodEnd = nextPeriodStart(budget.period, budget.periodStart);
    const key = JSON.stringify([budget.tenantId, budget.currency, budget.periodStart, periodEnd]);
    const usage = sums.get(key) ?? tenantSpendSince(reader, budget.tenantId, budget.currency, budget.periodStart, periodEnd);
    sums.set(key, usage);
    const usageSpentMicros = await usage;
    const spentMicros = budget.spentMicros + usageSpentMicros;
    const spend: BudgetSpend = { recordedSpentMicros: budget.spentMicros, usageSpentMicros, spentMicros, exhausted: spentMicros >= budget.limitMicros };
    return { ...publicDoc(doc), ...spend };
  };
}
