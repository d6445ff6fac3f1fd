import type { DomainEvent } from '../shared/decider.js';
import type { BudgetAction } from './commands.js';
import type { BudgetPeriod } from './period.js';

/**
 * Events of the budget context. Schemas: schemas/events/budget/*.avsc
 * Amounts are integer micro-units of the budget's currency (Avro long).
 */
export type BudgetLimitSet = DomainEvent<
  'BudgetLimitSet',
  {
    tenantId: string;
    budgetId: string;
    period: BudgetPeriod;
    limitMicros: number;
    currency: string;
    action: BudgetAction;
    alertThresholds: readonly number[];
    /** Start of the period the budget is in after this event: evolve cannot read the clock. */
    periodStart: string;
  }
>;
/** A new period started (calendar boundary, or the period kind changed); spend restarts at 0. */
export type BudgetPeriodReset = DomainEvent<
  'BudgetPeriodReset',
  { tenantId: string; budgetId: string; periodStart: string; previousPeriodStart: string; previousSpentMicros: number }
>;
export type BudgetSpendRecorded = DomainEvent<
  'BudgetSpendRecorded',
  { tenantId: string; budgetId: string; requestId: string; amountMicros: number; periodStart: string; spentMicros: number }
>;
export type BudgetThresholdCrossed = DomainEvent<
  'BudgetThresholdCrossed',
  { tenantId: string; budgetId: string; periodStart: string; thresholdPercent: number; spentMicros: number; limitMicros: number; action: BudgetAction }
>;

export type BudgetEvent = BudgetLimitSet | BudgetPeriodReset | BudgetSpendRecorded | BudgetThresholdCrossed;
