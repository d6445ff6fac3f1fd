/**
 * Defaults shared by the adapters, so both expire things on the same schedule unless
 * configured otherwise.
 */
export const COUNTERS_DEFAULTS = {
  /**
   * How long a settled reservation id is remembered so a retried settle changes nothing.
   * The only retries are the Redis client's own, within its 500 ms command timeout (the
   * gateway concludes a request once). The markers cost memory per request: at 6,000 req/s,
   * 60,000 of them for 10 s against 720,000 for the 2 minutes this was, and the smaller
   * set measured +5% on the gateway's maximum (ops/bench/RESULTS.md).
   */
  settledRetentionMs: 10_000,
  /**
   * A budget's stored spend is forgotten after this long without a write. Longer than the
   * longest period (a month), so it never expires mid-period while the budget is in use;
   * a forgotten budget reports periodKey null and is reseeded with resetSpent.
   */
  budgetIdleTtlMs: 35 * 24 * 60 * 60_000,
  /** Idempotency-Key results, as in commands/idempotency.ts. */
  idempotencyTtlMs: 24 * 60 * 60_000,
} as const;
