import { nextPeriodStart, periodStartOf, type BudgetPeriod } from '../../../domain/budget/period.js';
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

/** Told when a budget's period spend reaches a threshold; the pipeline records it on the budget's stream. */
export type SpendObserver = (budget: CachedBudget, spentMicros: number) => void;

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
 * tokens are bounded, which admission makes sure of). Alert-only budgets reserve nothing
 * and refuse nothing; their period spend is tracked the same way so that each settlement
 * can tell when a budget crosses one of its alert thresholds (SpendObserver).
 *
 * Periods: the counters store the spend of one period (its key is the period's start). When
 * the stored period is missing or older than the current one, the spend is reseeded from the
 * usage read model (plus the budget's recorded adjustments) once, by whichever process gets
 * there first (resetSpent applies only forward).
 *
 * Failing closed: when the engine cannot answer, the request is refused with 503.
 */
export class BudgetGuard {
  /** Thresholds this process already reported per budget and period, so a burst over one sends one command. */
  private readonly reported = new Map<string, number>();
  /** The current day and month, kept while the clock stays inside them: every request asks, the answer changes once a day. */
  private readonly periods = new Map<BudgetPeriod, { readonly start: string; readonly fromMs: number; readonly untilMs: number }>();

  constructor(
    private readonly counters: Counters,
    private readonly spend: SpendSource,
    /** Called (not awaited) when a settlement takes a budget's period spend over a threshold not yet announced. */
    private readonly onThresholdReached: SpendObserver = () => undefined,
  ) {}

  async reserve(budgets: readonly CachedBudget[], reservationId: string, amountMicros: number, currency: string, now: Date): Promise<BudgetHold> {
    const tracked = budgets.filter((budget) => budget.currency === currency);
    if (tracked.length === 0) return NOTHING_HELD;
    const held: CachedBudget[] = [];
    const releaseHeld = async (): Promise<void> => {
      await Promise.all(held.map((budget) => this.counters.budgets.release(budgetCounterKey(budget), reservationId).catch(() => false)));
    };
    try {
      for (const budget of tracked) {
        // An alert-only budget never refuses: it reserves nothing, and only tracks the period's spend for its thresholds.
        const available = budget.action === 'block' ? await this.reserveOne(budget, reservationId, amountMicros, budget.limitMicros, now) : await this.reserveOne(budget, reservationId, 0, Number.MAX_SAFE_INTEGER, now);
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
        const period = (budget: CachedBudget): string => this.periodStart(budget.period, now);
        await Promise.all(
          held.map(async (budget) => {
            const settled = await this.counters.budgets.settle(budgetCounterKey(budget), reservationId, actualMicros);
            this.observe(budget, period(budget), settled.spent);
          }),
        );
      },
      release: releaseHeld,
    };
  }

  /**
   * Reports a threshold the period's spend reached that the budget has not announced (per
   * the gateway state, and not yet reported by this process); the budget aggregate decides
   * once, so reports from several processes announce it once.
   */
  private observe(budget: CachedBudget, currentPeriod: string, spentMicros: number): void {
    const announced = budget.periodStart === currentPeriod ? budget.crossedThresholds : [];
    const reachedPercent = budget.alertThresholds.filter((percent) => !announced.includes(percent) && BigInt(spentMicros) * 100n >= BigInt(percent) * BigInt(budget.limitMicros));
    const highest = reachedPercent[reachedPercent.length - 1];
    if (highest === undefined) return;
    const reportKey = `${budgetCounterKey(budget)}@${currentPeriod}`;
    if ((this.reported.get(reportKey) ?? 0) >= highest) return;
    this.reported.set(reportKey, highest);
    this.onThresholdReached(budget, spentMicros);
  }

  private periodStart(period: BudgetPeriod, now: Date): string {
    const nowMs = now.getTime();
    const known = this.periods.get(period);
    if (known !== undefined && nowMs >= known.fromMs && nowMs < known.untilMs) return known.start;
    const start = periodStartOf(period, now);
    this.periods.set(period, { start, fromMs: Date.parse(start), untilMs: Date.parse(nextPeriodStart(period, start)) });
    return start;
  }

  /** null when reserved; otherwise the amount still available. */
  private async reserveOne(budget: CachedBudget, reservationId: string, amountMicros: number, limitMicros: number, now: Date): Promise<number | null> {
    const key = budgetCounterKey(budget);
    const request = { reservationId, amount: amountMicros, limit: limitMicros, ttlMs: RESERVATION_TTL_MS };
    const current = this.periodStart(budget.period, now);
    const result = await this.counters.budgets.reserve(key, request);
    if (result.periodKey === null || result.periodKey < current) {
      // ISO instants of one format sort in time order, so string order is period order.
      const adjustments = budget.periodStart === current ? budget.adjustmentsMicros : 0;
      const spent = (await this.spend(budget.tenantId, budget.currency, current)) + adjustments;
      await this.counters.budgets.resetSpent(key, spent, current);
      if (!result.ok) return this.reserveAfterReseed(key, request);
      // Reserved under the old period's figures; the reset kept it. It stands only if it still fits.
      const after = await this.counters.budgets.snapshot(key);
      if (after.spent + after.reserved > limitMicros) {
        await this.counters.budgets.release(key, reservationId);
        return Math.max(0, limitMicros - after.spent - after.reserved + amountMicros);
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
