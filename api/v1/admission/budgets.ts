import { periodStart } from '../../../domain/budget/period.js';
import { CountersUnavailableError, type Counters, type ReservationRequest } from '../../../engines/counters/port.js';
import type { CachedBudget } from '../../../projections/cache/snapshots.js';
import { GatewayError } from '../errors.js';

/** An unsettled reservation stops counting after this long: longer than any request may run. */
const RESERVATION_TTL_MS = 15 * 60_000;

/**
 * The event-derived spend of a tenant since an instant, in one currency (the usage read
 * model): what seeds the counters at each period start, or after the engine lost its state.
 */
export type SpendSource = (tenantId: string, currency: string, sinceIso: string) => Promise<number>;

/** Budget reservations held by one request; settle or release exactly one of them, once. */
export interface BudgetHold {
  /** Spends `actualMicros` on every budget held and frees the rest of each reservation. */
  settle(actualMicros: number): Promise<void>;
  /** Frees every reservation without spending (the request cost nothing). */
  release(): Promise<void>;
}

const NOTHING_HELD: BudgetHold = { settle: async () => undefined, release: async () => undefined };

export const budgetCounterKey = (budget: Pick<CachedBudget, 'tenantId' | 'budgetId'>): string => `budget:{${budget.tenantId}}:${budget.budgetId}`;

function unavailable(error: CountersUnavailableError): GatewayError {
  return new GatewayError(`the budget could not be checked (${error.failure}); the request was not sent`, {
    status: 503,
    type: 'overloaded_error',
    code: 'budget_unavailable',
    retryAfterMs: 1_000,
  });
}

export class BudgetExhausted extends GatewayError {
  constructor(readonly budget: CachedBudget, readonly neededMicros: number, readonly availableMicros: number) {
    super(`budget '${budget.budgetId}' cannot cover this request: it may cost up to ${neededMicros} micro-${budget.currency}, ${availableMicros} remain this ${budget.period}`, {
      status: 429,
      type: 'insufficient_quota',
      code: 'budget_exhausted',
    });
  }
}

/**
 * Admission's budget check. For every blocking budget of the tenant in the request's currency,
 * the request's maximum cost is reserved atomically in the counters engine (spent + reserved
 * + this ≤ limit, one step), so concurrent requests can never together exceed a budget by
 * more than one request's overrun (the reservation covers the whole cost when max output
 * tokens are bounded, which admission makes sure of). Alert-only budgets reserve nothing:
 * their spend comes from the usage events.
 *
 * Periods: the counters store the spend of one period (its key is the period's start). When
 * the stored period is missing or older than the current one, the spend is reseeded from the
 * usage read model (plus the budget's recorded adjustments) once, by whichever process gets
 * there first (resetSpent applies only forward).
 *
 * Failing closed: when the engine cannot answer, the request is refused with 503.
 */
export class BudgetGuard {
  constructor(
    private readonly counters: Counters,
    private readonly spend: SpendSource,
  ) {}

  async reserve(budgets: readonly CachedBudget[], reservationId: string, amountMicros: number, currency: string, now: Date): Promise<BudgetHold> {
    const blocking = budgets.filter((budget) => budget.action === 'block' && budget.currency === currency);
    if (blocking.length === 0) return NOTHING_HELD;
    const held: CachedBudget[] = [];
    const releaseHeld = async (): Promise<void> => {
      await Promise.all(held.map((budget) => this.counters.budgets.release(budgetCounterKey(budget), reservationId).catch(() => false)));
    };
    try {
      for (const budget of blocking) {
        const available = await this.reserveOne(budget, reservationId, amountMicros, now);
        if (available !== null) {
          await releaseHeld();
          throw new BudgetExhausted(budget, amountMicros, available);
        }
        held.push(budget);
      }
    } catch (error) {
      if (!(error instanceof CountersUnavailableError)) throw error;
      await releaseHeld();
      throw unavailable(error);
    }
    return {
      settle: async (actualMicros) => {
        await Promise.all(held.map((budget) => this.counters.budgets.settle(budgetCounterKey(budget), reservationId, actualMicros)));
      },
      release: releaseHeld,
    };
  }

  /** null when reserved; otherwise the amount still available. */
  private async reserveOne(budget: CachedBudget, reservationId: string, amountMicros: number, now: Date): Promise<number | null> {
    const key = budgetCounterKey(budget);
    const request = { reservationId, amount: amountMicros, limit: budget.limitMicros, ttlMs: RESERVATION_TTL_MS };
    const current = periodStart(budget.period, now.toISOString());
    const result = await this.counters.budgets.reserve(key, request);
    if (result.periodKey === null || result.periodKey < current) {
      // ISO instants of one format sort in time order, so string order is period order.
      const adjustments = budget.periodStart === current ? budget.adjustmentsMicros : 0;
      const spent = (await this.spend(budget.tenantId, budget.currency, current)) + adjustments;
      await this.counters.budgets.resetSpent(key, spent, current);
      if (!result.ok) return this.reserveAfterReseed(key, request);
      // Reserved under the old period's figures; the reset kept it. It stands only if it still fits.
      const after = await this.counters.budgets.snapshot(key);
      if (after.spent + after.reserved > budget.limitMicros) {
        await this.counters.budgets.release(key, reservationId);
        return Math.max(0, budget.limitMicros - after.spent - after.reserved + amountMicros);
      }
      return null;
    }
    return result.ok ? null : result.available;
  }

  private async reserveAfterReseed(key: string, request: ReservationRequest): Promise<number | null> {
    const result = await this.counters.budgets.reserve(key, request);
    return result.ok ? null : result.available;
  }
}
