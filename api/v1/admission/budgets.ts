import { nextPeriodStart, periodStartOf, type BudgetPeriod } from '../../../domain/budget/period.js';
import type { Counters, CountersUnavailableError } from '../../../engines/counters/port.js';
import type { CachedBudget } from '../../../projections/cache/snapshots.js';
import { GatewayError } from '../errors.js';

/** An unsettled reservation stops counting after this long: longer than any request may run. */
export const RESERVATION_TTL_MS = 15 * 60_000;

/**
 * The event-derived spend of a tenant since an instant, in one currency (the usage read
 * model): what seeds the counters at each period start, or after the engine lost its state.
 */
export type SpendSource = (tenantId: string, currency: string, sinceIso: string) => Promise<number>;

/** Told when a budget's period spend reaches a threshold; the pipeline records it on the budget's stream. */
export type SpendObserver = (budget: CachedBudget, spentMicros: number) => void;

export const budgetCounterKey = (budget: Pick<CachedBudget, 'tenantId' | 'budgetId'>): string => `budget:{${budget.tenantId}}:${budget.budgetId}`;

export function budgetUnavailable(error: CountersUnavailableError): GatewayError {
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

/** A budget the request reserves on: the amount and limit the counters check, in the period the gateway is in. */
export interface BudgetClaim {
  readonly budget: CachedBudget;
  readonly budgetKey: string;
  readonly amount: number;
  readonly limit: number;
  /** The start of the budget's current period (its spend in the counters must be of this period or later). */
  readonly periodKey: string;
}

/**
 * Admission's budgets. For every blocking budget of the tenant in the request's currency,
 * the request's maximum cost is reserved atomically in the counters engine (spent + reserved
 * + this ≤ limit, one step), so concurrent requests can never together exceed a budget by
 * more than one request's overrun (the reservation covers the whole cost when max output
 * tokens are bounded, which admission makes sure of). Alert-only budgets reserve nothing
 * and refuse nothing; their period spend is tracked the same way so that each settlement
 * can tell when a budget crosses one of its alert thresholds (SpendObserver).
 *
 * Periods: the counters store the spend of one period (its key is the period's start). When
 * the stored period is missing or older than the current one, the admission asks for a
 * reseed: the spend is read again from the usage read model (plus the budget's recorded
 * adjustments), by whichever process gets there first (resetSpent applies only forward).
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

  /** The reservations a request of up to `amountMicros` makes: one per budget of the tenant in that currency. */
  claims(budgets: readonly CachedBudget[], amountMicros: number, currency: string, now: Date): BudgetClaim[] {
    return budgets
      .filter((budget) => budget.currency === currency)
      .map((budget) => ({
        budget,
        budgetKey: budgetCounterKey(budget),
        // An alert-only budget never refuses: it reserves nothing, and only tracks the period's spend for its thresholds.
        amount: budget.action === 'block' ? amountMicros : 0,
        limit: budget.action === 'block' ? budget.limitMicros : Number.MAX_SAFE_INTEGER,
        periodKey: this.periodStart(budget.period, now),
      }));
  }

  /** Seeds the counters' spend of the claim's period from the usage events; a later period already stored is kept. */
  async reseed(claim: BudgetClaim): Promise<void> {
    const { budget, periodKey } = claim;
    const adjustments = budget.periodStart === periodKey ? budget.adjustmentsMicros : 0;
    const spent = (await this.spend(budget.tenantId, budget.currency, periodKey)) + adjustments;
    await this.counters.budgets.resetSpent(claim.budgetKey, spent, periodKey);
  }

  /**
   * Reports a threshold the period's spend reached that the budget has not announced (per
   * the gateway state, and not yet reported by this process); the budget aggregate decides
   * once, so reports from several processes announce it once.
   */
  observe(claim: BudgetClaim, spentMicros: number): void {
    const { budget, periodKey: currentPeriod } = claim;
    const announced = budget.periodStart === currentPeriod ? budget.crossedThresholds : [];
    const reachedPercent = budget.alertThresholds.filter((percent) => !announced.includes(percent) && BigInt(spentMicros) * 100n >= BigInt(percent) * BigInt(budget.limitMicros));
    const highest = reachedPercent[reachedPercent.length - 1];
    if (highest === undefined) return;
    const reportKey = `${claim.budgetKey}@${currentPeriod}`;
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
}
