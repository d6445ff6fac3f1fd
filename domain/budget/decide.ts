import type { Decider } from '../shared/decider.js';
import { NotFoundError, RuleViolationError, assertNever } from '../shared/errors.js';
import type { BudgetCommand } from './commands.js';
import type { BudgetEvent, BudgetPeriodReset } from './events.js';
import { isLaterPeriod, periodStart } from './period.js';
import { evolve, initialState, type ActiveBudget, type BudgetState } from './state.js';

type Command<Type extends BudgetCommand['type']> = Extract<BudgetCommand, { type: Type }>;

function requireBudget(state: BudgetState, budgetId: string): ActiveBudget {
  if (state.status === 'none') throw new NotFoundError('budget', budgetId);
  return state;
}

/** Spend and limits are only comparable in one currency; converting is not the domain's call. */
function requireCurrency(budget: ActiveBudget, currency: string): void {
  if (currency !== budget.currency) {
    throw new RuleViolationError('currency_mismatch', `budget '${budget.budgetId}' is kept in ${budget.currency}, not ${currency}`, {
      budgetId: budget.budgetId,
      expected: budget.currency,
      actual: currency,
    });
  }
}

function periodReset(budget: ActiveBudget, start: string): BudgetPeriodReset {
  const { tenantId, budgetId, periodStart: previousPeriodStart, spentMicros: previousSpentMicros } = budget;
  return { type: 'BudgetPeriodReset', data: { tenantId, budgetId, periodStart: start, previousPeriodStart, previousSpentMicros } };
}

/** Exact integer comparison: spent * 100 may exceed 2^53 where a float would round. */
const reaches = (spentMicros: number, limitMicros: number, percent: number): boolean =>
  BigInt(spentMicros) * 100n >= BigInt(percent) * BigInt(limitMicros);

function setBudgetLimit({ data, meta }: Command<'SetBudgetLimit'>, state: BudgetState): BudgetEvent[] {
  const { tenantId, budgetId, period, limitMicros, currency, action, alertThresholds } = data;
  const limit = { tenantId, budgetId, period, limitMicros, currency, action, alertThresholds };
  if (state.status === 'none') return [{ type: 'BudgetLimitSet', data: { ...limit, periodStart: periodStart(period, meta.now) } }];
  requireCurrency(state, currency);
  const periodChanged = period !== state.period;
  const unchanged =
    !periodChanged &&
    limitMicros === state.limitMicros &&
    action === state.action &&
    alertThresholds.length === state.alertThresholds.length &&
    alertThresholds.every((percent, i) => percent === state.alertThresholds[i]);
  if (unchanged) return [];
  if (!periodChanged) return [{ type: 'BudgetLimitSet', data: { ...limit, periodStart: state.periodStart } }];
  // A day's spend does not measure a month (nor the reverse): a new kind of period starts from zero.
  const start = periodStart(period, meta.now);
  return [{ type: 'BudgetLimitSet', data: { ...limit, periodStart: start } }, periodReset(state, start)];
}

function recordSpend({ data, meta }: Command<'RecordSpend'>, state: BudgetState): BudgetEvent[] {
  const { tenantId, budgetId, requestId, amountMicros, currency } = data;
  const budget = requireBudget(state, budgetId);
  requireCurrency(budget, currency);
  // The scheduler's reset may not have run yet (or at all): the first spend of a period rolls it.
  // An instant earlier than the current period (clock skew) counts in the current period.
  const start = periodStart(budget.period, meta.now);
  const events: BudgetEvent[] = isLaterPeriod(start, budget.periodStart) ? [periodReset(budget, start)] : [];
  const current = events.reduce<BudgetState>(evolve, budget) as ActiveBudget;
  if (current.requestIds.has(requestId)) return []; // a retry of a recorded request: nothing new happened
  const spentMicros = current.spentMicros + amountMicros;
  if (!Number.isSafeInteger(spentMicros)) {
    throw new RuleViolationError('spend_overflow', `spend in budget '${budgetId}' exceeds the exact integer range`, { budgetId });
  }
  events.push({ type: 'BudgetSpendRecorded', data: { tenantId, budgetId, requestId, amountMicros, periodStart: current.periodStart, spentMicros } });
  // alertThresholds are ascending (validated), so crossings are emitted in ascending order.
  return [...events, ...crossings(current, spentMicros)];
}

/** The thresholds `spentMicros` reaches that the period has not announced yet, ascending. */
function crossings(budget: ActiveBudget, spentMicros: number): BudgetEvent[] {
  const { tenantId, budgetId, limitMicros, action, periodStart: start } = budget;
  return budget.alertThresholds
    .filter((percent) => !budget.crossedThresholds.includes(percent) && reaches(spentMicros, limitMicros, percent))
    .map((thresholdPercent) => ({ type: 'BudgetThresholdCrossed', data: { tenantId, budgetId, periodStart: start, thresholdPercent, spentMicros, limitMicros, action } }));
}

/**
 * Spend observed by the gateway (inference spend, which the budget's stream does not carry
 * request by request) plus the spend recorded here by command. Rolls the period first like
 * RecordSpend; announces each threshold once per period, however many gateways observe it.
 */
function observeBudgetSpend({ data, meta }: Command<'ObserveBudgetSpend'>, state: BudgetState): BudgetEvent[] {
  const budget = requireBudget(state, data.budgetId);
  const start = periodStart(budget.period, meta.now);
  const events: BudgetEvent[] = isLaterPeriod(start, budget.periodStart) ? [periodReset(budget, start)] : [];
  const current = events.reduce<BudgetState>(evolve, budget) as ActiveBudget;
  return [...events, ...crossings(current, data.spentMicros)];
}

function resetBudgetPeriod({ data, meta }: Command<'ResetBudgetPeriod'>, state: BudgetState): BudgetEvent[] {
  const budget = requireBudget(state, data.budgetId);
  const start = periodStart(budget.period, meta.now);
  // Schedulers fire at least once, possibly late or twice: only a boundary actually passed resets.
  return isLaterPeriod(start, budget.periodStart) ? [periodReset(budget, start)] : [];
}

export function decide(command: BudgetCommand, state: BudgetState): BudgetEvent[] {
  switch (command.type) {
    case 'SetBudgetLimit':
      return setBudgetLimit(command, state);
    case 'RecordSpend':
      return recordSpend(command, state);
    case 'ResetBudgetPeriod':
      return resetBudgetPeriod(command, state);
    case 'ObserveBudgetSpend':
      return observeBudgetSpend(command, state);
    default:
      return assertNever(command, 'budget command');
  }
}

export const budgetDecider: Decider<BudgetCommand, BudgetEvent, BudgetState> = { decide, evolve, initialState };
