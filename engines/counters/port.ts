import type { IdempotencyStore } from '../../commands/idempotency.js';

/**
 * The counters port: rate limits, concurrency limits, budget reservations and idempotency
 * results, the state the gateway checks on every request. The in-process adapter
 * (engines/counters/memory) and the Redis adapter (engines/counters/redis) both implement
 * it and both pass test/contract/counters.contract.ts.
 *
 * Guarantees every adapter gives:
 * - every operation is one atomic step (one Lua script on Redis): no other caller, in this
 *   process or another, observes or interleaves with a half-done operation;
 * - time is the adapter's own clock (Redis `TIME`), so gateway processes agree on windows
 *   and expiries whatever their local clocks say;
 * - amounts are integer micro-units; inputs must be safe integers (< 2^53) and totals
 *   are exact as long as they stay below 2^53. Invalid inputs throw a RangeError before
 *   anything is read or written;
 * - nothing leaks: windows, leases, reservations and settled-reservation markers expire on
 *   their own, and idle keys disappear (Redis TTLs; a sweep in process);
 * - when the engine cannot answer (Redis down, timed out, erroring) the call rejects with
 *   CountersUnavailableError, quickly, and the gateway decides whether to fail closed.
 *
 * Keys and hash tags: a key may carry a Redis Cluster hash tag, the first non-empty
 * `{…}` in it (`rpm:{t_42}:key_7`); a key without one is its own tag. Every stored item
 * of one key lives in that tag's slot, and all limits of one `consumeAll` must share one
 * tag (e.g. the tenant id), so the call stays a single atomic step on a cluster. Both
 * adapters enforce that rule, so a mistake shows up in development, not in production.
 */

/**
 * Sliding window: the window is divided into SUB_WINDOWS sub-windows and a request is
 * admitted when the cost of the current sub-window plus the whole sub-windows that overlap
 * the last `windowMs` plus its own cost fits the limit. This over-counts by at most one
 * sub-window, never under-counts, so the admitted cost in ANY interval of `windowMs` is
 * ≤ limit (no 2× burst at window edges, unlike fixed windows; no `limit` + refill burst
 * after idle, unlike GCRA/token buckets; no estimate that bunched traffic can beat,
 * unlike the weighted two-bucket approximation). The price: capacity is released in steps
 * of windowMs / SUB_WINDOWS and may be held up to one step longer than windowMs.
 */
export const SUB_WINDOWS = 10;

export interface RateLimit {
  /** Maximum total cost admitted in any interval of `windowMs`. */
  readonly limit: number;
  readonly windowMs: number;
  /** 1 for requests per window, the token count for tokens per window; 0 only peeks. */
  readonly cost: number;
}

export interface KeyedRateLimit extends RateLimit {
  readonly key: string;
}

export interface ConsumeResult {
  /** True when this limit admits the cost (for consumeAll: admits it on its own). */
  readonly allowed: boolean;
  /** Cost this limit still admits now, after this call. */
  readonly remaining: number;
  /**
   * 0 when allowed. Otherwise, how long until the same cost would be admitted if nothing
   * else were consumed; null when it never will (cost > limit).
   */
  readonly retryAfterMs: number | null;
}

export interface ConsumeAllResult {
  /** True when every limit admitted its cost; then all were charged, otherwise none was. */
  readonly allowed: boolean;
  /** The longest wait among the refusing limits (null if one can never admit); 0 when allowed. */
  readonly retryAfterMs: number | null;
  /** One result per limit, in the order given. */
  readonly results: readonly ConsumeResult[];
}

export interface RateLimits {
  /** Charges `cost` against the key's window if it fits; a refused call charges nothing. */
  consume(key: string, limit: RateLimit): Promise<ConsumeResult>;
  /** All or nothing over several limits (keys distinct, one hash tag): a request refused by one limit is charged to none. */
  consumeAll(limits: readonly KeyedRateLimit[]): Promise<ConsumeAllResult>;
}

export interface LeaseRequest {
  /** Maximum number of live leases on the key. */
  readonly limit: number;
  /** Caller-chosen id (e.g. the request id). Acquiring a lease already held renews it. */
  readonly leaseId: string;
  /** The lease frees its slot on its own after this long, so a crashed process leaks nothing. */
  readonly ttlMs: number;
}

export interface AcquireResult {
  readonly acquired: boolean;
  /** Live leases on the key after this call. */
  readonly active: number;
  /**
   * 0 when acquired; otherwise how long until the earliest live lease expires if none is
   * released (a hint: a lowered limit may need several to go); null when the limit is 0.
   */
  readonly retryAfterMs: number | null;
}

export interface ConcurrencyLimits {
  acquire(key: string, request: LeaseRequest): Promise<AcquireResult>;
  /** Frees the lease's slot. Idempotent: true only for the call that freed a live lease. */
  release(key: string, leaseId: string): Promise<boolean>;
}

export interface ReservationRequest {
  /** Caller-chosen id (e.g. the request id). Reserving an id already reserved is a no-op that succeeds. */
  readonly reservationId: string;
  readonly amount: number;
  /** The budget's limit, passed by the caller (the event-sourced budget is the source of truth). */
  readonly limit: number;
  /** An unsettled reservation stops counting after this long. */
  readonly ttlMs: number;
}

export interface ReserveResult {
  /** True when spent + reserved + amount ≤ limit held and the amount is now reserved. */
  readonly ok: boolean;
  /** limit − spent − reserved after this call, never negative. */
  readonly available: number;
  /**
   * The period of the stored spend, null when the engine holds none (new budget, or the
   * engine lost its state): the caller should then seed it with `resetSpent`.
   */
  readonly periodKey: string | null;
}

export interface BudgetSnapshot {
  readonly spent: number;
  /** Sum of the live (unexpired, unsettled, unreleased) reservations. */
  readonly reserved: number;
  readonly periodKey: string | null;
}

export type SettleOutcome =
  | 'settled' // the reservation was live: it is freed and the actual amount is spent
  | 'unreserved' // no live reservation (unknown, expired or released): the actual amount is still spent
  | 'already_settled'; // this reservation id was settled recently: nothing changed (a retried settle)

export interface SettleResult extends BudgetSnapshot {
  readonly outcome: SettleOutcome;
}

export interface ResetResult extends BudgetSnapshot {
  /** False when the stored period is the same or later: the stored spend was kept. */
  readonly applied: boolean;
}

export interface BudgetReservations {
  reserve(budgetKey: string, request: ReservationRequest): Promise<ReserveResult>;
  /**
   * Adds `actualAmount` to spent and frees the reservation. The spend is added even with
   * no live reservation (the money was spent), once: a settle repeated with the same id
   * within the adapter's settled-retention period changes nothing.
   */
  settle(budgetKey: string, reservationId: string, actualAmount: number): Promise<SettleResult>;
  /** Frees a reservation without spending. Idempotent: true only for the call that freed it. */
  release(budgetKey: string, reservationId: string): Promise<boolean>;
  snapshot(budgetKey: string): Promise<BudgetSnapshot>;
  /**
   * Sets spent for a new period, once: applied only when no period is stored or
   * `periodKey` sorts after the stored one, so several processes aligning at the same
   * boundary do not wipe each other's spend. Period keys are printable ASCII that sort in
   * time order, e.g. the budget's `periodStart` ISO instant. Live reservations are kept.
   */
  resetSpent(budgetKey: string, spent: number, periodKey: string): Promise<ResetResult>;
}

/**
 * A request's whole admission as ONE atomic step (one Lua script, one round trip on Redis):
 * its rate limits, its concurrency leases and its budget reservations, checked together and
 * taken all or nothing. The separate operations above give the same answers one at a time;
 * the gateway uses these two calls so a request costs one round trip in and one out.
 *
 * All keys of one call share one hash tag (the tenant), like consumeAll's.
 */
export interface AdmissionCheck {
  /** Charged all or nothing, as consumeAll (distinct keys). */
  readonly rateLimits: readonly KeyedRateLimit[];
  /** A lease named `holder` on each key (distinct keys), as acquire. */
  readonly leases: readonly { readonly key: string; readonly limit: number }[];
  /**
   * A reservation named `holder` on each budget (distinct keys), as reserve. `periodKey` is
   * the caller's current period: a budget whose stored period is missing or earlier is
   * refused as 'stale_period' (nothing taken), so the caller reseeds it (resetSpent) and asks again.
   */
  readonly reservations: readonly { readonly budgetKey: string; readonly amount: number; readonly limit: number; readonly periodKey: string }[];
  /** Names the leases and the reservations: the request id. */
  readonly holder: string;
  readonly leaseTtlMs: number;
  readonly reservationTtlMs: number;
}

/** The first check that refused, in the order rate limits → leases → reservations; nothing was taken. */
export type AdmissionRefusal =
  | { readonly kind: 'rate_limits'; readonly result: ConsumeAllResult }
  | { readonly kind: 'concurrency'; readonly index: number; readonly result: AcquireResult }
  | { readonly kind: 'budget'; readonly index: number; readonly available: number }
  | { readonly kind: 'stale_period'; readonly index: number; readonly periodKey: string | null };

export type AdmissionResult = { readonly admitted: true } | { readonly admitted: false; readonly refusal: AdmissionRefusal };

/** What an admitted request gives back when it ends. */
export interface AdmissionEnd {
  readonly holder: string;
  /** Lease keys to free (the holder's lease on each). */
  readonly leases: readonly string[];
  /** Per budget: settle the holder's reservation at `actualAmount`, or release it without spending when null. */
  readonly budgets: readonly { readonly budgetKey: string; readonly actualAmount: number | null }[];
}

export interface Admissions {
  /** Checks every limit, lease and reservation of the request, then takes all of them or none. */
  admit(check: AdmissionCheck): Promise<AdmissionResult>;
  /**
   * Frees the leases and settles (or releases) the reservations, in one step: what
   * ConcurrencyLimits.release, BudgetReservations.settle and .release do one by one.
   * One entry per budget: its SettleResult, or null where the reservation was released.
   */
  conclude(end: AdmissionEnd): Promise<readonly (SettleResult | null)[]>;
}

export interface Counters {
  readonly rateLimits: RateLimits;
  readonly concurrency: ConcurrencyLimits;
  readonly budgets: BudgetReservations;
  readonly admissions: Admissions;
  readonly idempotency: IdempotencyStore;
  close(): Promise<void>;
}

export type CountersFailure =
  | 'connection' // not connected, connection lost or refused
  | 'timeout' // no answer within the command timeout
  | 'server'; // the engine answered with an error (out of memory, read-only replica, …)

/**
 * The counters engine could not answer. No HTTP mapping yet: the gateway decides per
 * check whether to fail closed (budgets) or open. Whether a write that timed out was
 * applied is unknown; reservations and leases expire on their own and settle is
 * idempotent per reservation id, so retrying is safe.
 */
export class CountersUnavailableError extends Error {
  readonly kind = 'counters_unavailable' as const;

  constructor(
    readonly operation: string,
    readonly failure: CountersFailure,
    options: { readonly cause?: unknown } = {},
  ) {
    const reason = options.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`counters unavailable (${failure}) during ${operation}${reason}`, { cause: options.cause });
    this.name = 'CountersUnavailableError';
  }
}
