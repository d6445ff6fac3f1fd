import { assertNever } from '../shared/errors.js';
import type { BudgetAction } from './commands.js';
import type { BudgetEvent, BudgetLimitSet } from './events.js';
import type { BudgetPeriod } from './period.js';

export interface ActiveBudget {
  readonly status: 'active';
  readonly tenantId: string;
  readonly budgetId: string;
  readonly period: BudgetPeriod;
  readonly limitMicros: number;
  readonly currency: string;
  readonly action: BudgetAction;
  readonly alertThresholds: readonly number[];
  readonly periodStart: string;
  readonly spentMicros: number;
  /** spent ≥ limit. Spend beyond the limit is still recorded; refusing requests is the gateway's job. */
  readonly exhausted: boolean;
  /** Thresholds announced in this period: each is crossed at most once per period. */
  readonly crossedThresholds: readonly number[];
  /** Request ids recorded in this period, so a retried RecordSpend is not counted twice. */
  readonly requestIds: ReadonlySet<string>;
}

export type BudgetState = { readonly status: 'none' } | ActiveBudget;

export const initialState = (): BudgetState => ({ status: 'none' });

function applyLimit(state: BudgetState, data: BudgetLimitSet['data']): ActiveBudget {
  const { tenantId, budgetId, period, limitMicros, currency, action, alertThresholds, periodStart } = data;
  const config = { tenantId, budgetId, period, limitMicros, currency, action, alertThresholds, periodStart };
  if (state.status === 'none') {
    return { status: 'active', ...config, spentMicros: 0, exhausted: false, crossedThresholds: [], requestIds: new Set() };
  }
  // A new limit keeps the period's spend; a change of period kind is followed by BudgetPeriodReset.
  return { ...state, ...config, exhausted: state.spentMicros >= limitMicros };
}

export function evolve(state: BudgetState, event: BudgetEvent): BudgetState {
  if (event.type === 'BudgetLimitSet') return applyLimit(state, event.data);
  if (state.status === 'none') return state; // events before the first limit cannot occur; ignore defensively
  switch (event.type) {
    case 'BudgetPeriodReset':
      return { ...state, periodStart: event.data.periodStart, spentMicros: 0, exhausted: false, crossedThresholds: [], requestIds: new Set() };
    case 'BudgetSpendRecorded': {
      const { spentMicros, requestId } = event.data;
      return { ...state, spentMicros, exhausted: spentMicros >= state.limitMicros, requestIds: new Set(state.requestIds).add(requestId) };
    }
    case 'BudgetThresholdCrossed':
      return { ...state, crossedThresholds: [...state.crossedThresholds, event.data.thresholdPercent] };
    default:
      return assertNever(event, 'budget event');
  }
}
