import { assertNever } from '../shared/errors.js';

/** Budget periods are UTC calendar days or months, so every node agrees where one ends. */
export const BUDGET_PERIODS = ['day', 'month'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

function parseInstant(isoInstant: string): Date {
  const at = new Date(isoInstant);
  if (Number.isNaN(at.getTime())) throw new Error(`invalid instant '${isoInstant}'`);
  return at;
}

/** Start of the UTC day or month containing `isoInstant`, e.g. '2026-11-01T00:00:00.000Z'. */
export function periodStart(period: BudgetPeriod, isoInstant: string): string {
  return periodStartOf(period, parseInstant(isoInstant));
}

/** periodStart for an instant already parsed (the data plane's clock reading, once per request). */
export function periodStartOf(period: BudgetPeriod, at: Date): string {
  switch (period) {
    case 'day':
      return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate())).toISOString();
    case 'month':
      return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)).toISOString();
    default:
      return assertNever(period, 'budget period');
  }
}

/** Start of the period after the one starting at `start`: when a scheduler should send ResetBudgetPeriod. */
export function nextPeriodStart(period: BudgetPeriod, start: string): string {
  const at = parseInstant(start);
  switch (period) {
    case 'day':
      return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1)).toISOString();
    case 'month':
      return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1)).toISOString();
    default:
      return assertNever(period, 'budget period');
  }
}

/** True when period start `a` is later than `b`; compared as instants, not as strings. */
export const isLaterPeriod = (a: string, b: string): boolean => parseInstant(a).getTime() > parseInstant(b).getTime();
