import type { ConsumeAllResult } from './port.js';

/** What one limit reported inside an atomic consumeAll step (from TypeScript or from Lua). */
export interface LimitOutcome {
  readonly limit: number;
  readonly cost: number;
  /** This limit alone would admit the cost. */
  readonly allowed: boolean;
  /** Cost counted in the window before the call. */
  readonly counted: number;
  readonly retryAfterMs: number | null;
}

/**
 * Builds the port's result from per-limit outcomes, identically for every adapter:
 * `remaining` is after the call (after charging when all admitted, unchanged otherwise).
 */
export function summarizeConsume(outcomes: readonly LimitOutcome[], charged: boolean): ConsumeAllResult {
  const results = outcomes.map((o) => ({
    allowed: o.allowed,
    remaining: Math.max(0, o.limit - o.counted - (charged ? o.cost : 0)),
    retryAfterMs: o.allowed ? 0 : o.retryAfterMs,
  }));
  if (charged) return { allowed: true, retryAfterMs: 0, results };
  const waits = results.filter((r) => !r.allowed).map((r) => r.retryAfterMs);
  const retryAfterMs = waits.includes(null) ? null : Math.max(...waits.map(Number));
  return { allowed: false, retryAfterMs, results };
}
