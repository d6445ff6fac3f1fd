/**
 * Defaults shared by the adapters, so both expire things on the same schedule unless
 * configured otherwise.
 */
export const COUNTERS_DEFAULTS = {
  /**
   * How long a settled reservation id is remembered so a retried settle changes nothing.
   * Retries follow a failed call within seconds; the markers cost memory per request.
   */
  settledRetentionMs: 2 * 60_000,
  /**
   * A budget's stored spend is forgotten after this long without a write. Longer than the
   * longest period (a month), so it never expires mid-period while the budget is in use;
   * a forgotten budget reports periodKey null and is reseeded with resetSpent.
   */
  budgetIdleTtlMs: 35 * 24 * 60 * 60_000,
  /** Idempotency-Key results, as in commands/idempotency.ts. */
  idempotencyTtlMs: 24 * 60 * 60_000,
} as const;
