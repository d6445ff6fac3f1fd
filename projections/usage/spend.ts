import { utcDay } from './projection.js';
import { findRollups, type RollupReader } from './query.js';

/**
 * The tenant's spend in `currency` from the usage read model: costMicros of every rollup
 * whose UTC day is on or after the day of `periodStartIso` and, when `periodEndIso` is
 * given, before the day of that (exclusive) end. Budget periods start at UTC midnight
 * (domain/budget/period.ts), so whole days cover a period exactly. Eventually consistent:
 * it lags the event store by the projection's lag.
 */
export async function tenantSpendSince(reader: RollupReader, tenantId: string, currency: string, periodStartIso: string, periodEndIso?: string): Promise<number> {
  const toDay = periodEndIso === undefined ? undefined : dayBefore(utcDay(periodEndIso));
  const rollups = await findRollups(reader, { tenantId, currency, fromDay: utcDay(periodStartIso), toDay });
  return rollups.reduce((sum, rollup) => sum + rollup.costMicros, 0);
}

function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) - 86_400_000).toISOString().slice(0, 10);
}
