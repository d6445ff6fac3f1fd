import { CountersUnavailableError, type AdmissionRefusal, type Counters } from '../../../engines/counters/port.js';
import { BudgetExhausted, budgetUnavailable, RESERVATION_TTL_MS, type BudgetClaim, type BudgetGuard } from './budgets.js';
import { concurrencyRefusal, LEASE_TTL_MS, rateLimitRefusal, type FailOpen, type LeaseClaim, type RateLimitCharges } from './limits.js';

/** What an admitted request holds in the counters until it ends. */
export interface CounterHold {
  /**
   * Frees the leases and settles every budget reservation at `spentMicros`, or releases them
   * when it is null (the request cost nothing). Once; never throws for the engine (logged by
   * the caller's `onConcludeFailed`: reservations and leases expire on their own).
   */
  conclude(spentMicros: number | null): Promise<void>;
}

const NOTHING_HELD: CounterHold = { conclude: async () => undefined };

export interface CounterClaims {
  /** Names the leases and reservations: the request id. */
  readonly holder: string;
  readonly rateLimits: RateLimitCharges;
  readonly leases: readonly LeaseClaim[];
  readonly budgets: readonly BudgetClaim[];
}

/**
 * A stale period is reseeded and the admission asked again; a budget reseeded this often in
 * one admission means the counters keep losing their state, which admission reports as unavailable.
 */
const MAX_ADMIT_ATTEMPTS = 4;

/**
 * Admission's one trip to the counters engine (Counters.admissions): the request's rate
 * limits, concurrency leases and budget reservations, taken all or nothing, so a request
 * refused by any of them is charged to none; and its one trip out (conclude).
 *
 * When the engine cannot answer: a request with a budget to reserve is refused with 503
 * (budgets protect money, they fail closed); one without is admitted holding nothing (rate
 * and concurrency limits protect fairness, they fail open, reported through `onUnavailable`).
 */
export class CounterAdmission {
  constructor(
    private readonly counters: Counters,
    private readonly budgets: BudgetGuard,
    private readonly onUnavailable: FailOpen,
    private readonly onConcludeFailed: (error: unknown, holder: string) => void,
  ) {}

  async take(claims: CounterClaims): Promise<CounterHold> {
    const { holder, rateLimits, leases, budgets } = claims;
    if (rateLimits.charges.length === 0 && leases.length === 0 && budgets.length === 0) return NOTHING_HELD;
    // The claims already have the shape the port reads (key and limit; budgetKey, amount, limit and periodKey).
    const check = { holder, rateLimits: rateLimits.charges, leases, reservations: budgets, leaseTtlMs: LEASE_TTL_MS, reservationTtlMs: RESERVATION_TTL_MS };
    try {
      for (let attempt = 1; ; attempt++) {
        const result = await this.counters.admissions.admit(check);
        if (result.admitted) return this.hold(claims);
        const { refusal } = result;
        if (refusal.kind !== 'stale_period') throw refused(claims, refusal);
        if (attempt >= MAX_ADMIT_ATTEMPTS) throw new CountersUnavailableError('admissions.admit', 'server', { cause: new Error(`budget ${budgets[refusal.index]?.budgetKey} lost its spend ${attempt} times in a row`) });
        await this.budgets.reseed(budgets[refusal.index] as BudgetClaim);
      }
    } catch (error) {
      if (!(error instanceof CountersUnavailableError)) throw error;
      if (budgets.length > 0) throw budgetUnavailable(error);
      this.onUnavailable('rate and concurrency limits', error);
      return NOTHING_HELD;
    }
  }

  private hold(claims: CounterClaims): CounterHold {
    let concluded = false;
    return {
      conclude: async (spentMicros) => {
        if (concluded) return;
        concluded = true;
        try {
          const settled = await this.counters.admissions.conclude({
            holder: claims.holder,
            leases: claims.leases.map(({ key }) => key),
            budgets: claims.budgets.map(({ budgetKey }) => ({ budgetKey, actualAmount: spentMicros })),
          });
          settled.forEach((result, index) => {
            if (result !== null) this.budgets.observe(claims.budgets[index] as BudgetClaim, result.spent);
          });
        } catch (error) {
          this.onConcludeFailed(error, claims.holder);
        }
      },
    };
  }
}

function refused(claims: CounterClaims, refusal: Exclude<AdmissionRefusal, { kind: 'stale_period' }>): Error {
  switch (refusal.kind) {
    case 'rate_limits':
      return rateLimitRefusal(claims.rateLimits, refusal.result);
    case 'concurrency':
      return concurrencyRefusal(claims.leases[refusal.index] as LeaseClaim, refusal.result);
    case 'budget': {
      const claim = claims.budgets[refusal.index] as BudgetClaim;
      return new BudgetExhausted(claim.budget, claim.amount, refusal.available);
    }
  }
}
