import { type IdempotencyStore, InMemoryIdempotencyStore } from '../../../commands/idempotency.js';
import { COUNTERS_DEFAULTS } from '../defaults.js';
import type { Admissions, BudgetReservations, ConcurrencyLimits, Counters, RateLimits } from '../port.js';
import { MemoryAdmissions } from './admissions.js';
import { MemoryBudgets } from './budgets.js';
import { MemoryConcurrency } from './concurrency.js';
import { MemoryRateLimits } from './rate-limits.js';

export interface MemoryCountersOptions {
  /** Milliseconds since the epoch; injectable so tests can move time. Defaults to Date.now. */
  readonly clock?: () => number;
  readonly settledRetentionMs?: number;
  readonly budgetIdleTtlMs?: number;
  readonly idempotencyTtlMs?: number;
  readonly idempotencyMaxEntries?: number;
}

/**
 * The embedded default: every counter in this process's memory. Correct for one gateway
 * process (every call is atomic); with several processes each would count on its own, so
 * scale-out configures the Redis adapter. Never unavailable.
 */
export class MemoryCounters implements Counters {
  readonly rateLimits: RateLimits;
  readonly concurrency: ConcurrencyLimits;
  readonly budgets: BudgetReservations;
  readonly idempotency: IdempotencyStore;
  readonly admissions: Admissions;

  constructor(options: MemoryCountersOptions = {}) {
    const clock = options.clock ?? Date.now;
    const rateLimits = new MemoryRateLimits(clock);
    const concurrency = new MemoryConcurrency(clock);
    const budgets = new MemoryBudgets(clock, {
      settledRetentionMs: options.settledRetentionMs ?? COUNTERS_DEFAULTS.settledRetentionMs,
      budgetIdleTtlMs: options.budgetIdleTtlMs ?? COUNTERS_DEFAULTS.budgetIdleTtlMs,
    });
    this.rateLimits = rateLimits;
    this.concurrency = concurrency;
    this.budgets = budgets;
    this.admissions = new MemoryAdmissions(rateLimits, concurrency, budgets);
    this.idempotency = new InMemoryIdempotencyStore(options.idempotencyTtlMs ?? COUNTERS_DEFAULTS.idempotencyTtlMs, options.idempotencyMaxEntries, clock);
  }

  async close(): Promise<void> {}
}
