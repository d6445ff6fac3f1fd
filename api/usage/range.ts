import { z } from 'zod';
import { ValidationError } from '../../domain/shared/errors.js';

/** Usage reports cover at most a year (plus a leap day): a bounded read per request. */
export const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

const isCalendarDay = (day: string): boolean => {
  const at = new Date(`${day}T00:00:00.000Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === day;
};

/** A UTC calendar day; '2026-02-30' is refused, not rolled over into March. */
export const dayField = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC date as YYYY-MM-DD').refine(isCalendarDay, 'not a calendar date');

export interface DayRange {
  readonly from: string;
  readonly to: string;
}

const dayOf = (at: Date): string => at.toISOString().slice(0, 10);

/**
 * Fills the defaults and checks the range. Missing `to`: the last day of the current UTC
 * month; missing `from`: the first day of `to`'s month — so no parameters at all means
 * the current month. An invalid range names the field the caller gave (`to` if both).
 */
export function resolveRange(query: { readonly from?: string; readonly to?: string }, now: Date): DayRange {
  const to = query.to ?? dayOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)));
  const from = query.from ?? `${to.slice(0, 7)}-01`;
  const field = query.to !== undefined || query.from === undefined ? 'query.to' : 'query.from';
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  if (days < 1) throw rangeError(field, `the range ${from}..${to} ends before it starts`);
  if (days > MAX_RANGE_DAYS) throw rangeError(field, `the range ${from}..${to} spans ${days} days; at most ${MAX_RANGE_DAYS} are allowed`);
  return { from, to };
}

function rangeError(path: string, message: string): ValidationError {
  return new ValidationError(`invalid query: ${path}: ${message}`, [{ path, message }]);
}
