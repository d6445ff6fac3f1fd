/**
 * When to call the same deployment again, when to move on to the next one, and when to stop.
 * Pure functions: randomness comes in as an argument, so every decision can be tested exactly.
 */
import type { UpstreamErrorKind } from '../../engines/providers/port.js';

export interface RetryPolicy {
  /** Calls per deployment, the first one included: 1 means no retry, only fallback. */
  readonly maxAttemptsPerDeployment: number;
  /** Backoff before the first retry is drawn from [0, baseDelayMs); it doubles with each further retry. */
  readonly baseDelayMs: number;
  /** Cap on the backoff window. */
  readonly maxDelayMs: number;
  /**
   * The longest Retry-After the gateway honours by waiting. An upstream that asks for more
   * is not waited for: the request falls back to the next deployment at once.
   */
  readonly maxRetryWaitMs: number;
  /**
   * Bound on the waiting of one request, measured from its first attempt: no wait starts that
   * would end after it. Past it, no deployment is called twice, but each remaining
   * deployment still gets its first attempt (a fallback does not wait).
   */
  readonly deadlineMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttemptsPerDeployment: 2,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  maxRetryWaitMs: 2_000,
  deadlineMs: 30_000,
};

/** What a failed attempt says about the deployment, and about the request. */
export interface FailureClass {
  /** Calling the same deployment again may succeed (a transient fault). */
  readonly retrySame: boolean;
  /** Another deployment may succeed: the fault is the deployment's, not the request's. */
  readonly fallBack: boolean;
  /** Counts against the deployment's circuit breaker. */
  readonly tripsBreaker: boolean;
}

const transient: FailureClass = { retrySame: true, fallBack: true, tripsBreaker: true };
const deploymentFault: FailureClass = { retrySame: false, fallBack: true, tripsBreaker: true };

/**
 * - rate_limited, server_error, connection: transient; retried, then fallen back from.
 * - stream_interrupted: only reaches dispatch while a stream is primed (before its first
 *   chunk, so nothing reached the client yet): treated as a dropped connection.
 * - timeout: the deployment already cost a whole read timeout; waiting for it again would
 *   double the client's wait, so the request falls back at once.
 * - auth, not_found: the gateway owns the credentials and the upstream model name, so these
 *   mean the deployment is misconfigured; a sibling may well answer, and the breaker spares
 *   later requests the doomed round trip until an operator fixes it.
 * - bad_request: the request itself was refused; a sibling would refuse it too, and it says
 *   nothing about the deployment's health.
 */
const FAILURE_CLASSES: Readonly<Record<UpstreamErrorKind, FailureClass>> = {
  rate_limited: transient,
  server_error: transient,
  connection: transient,
  stream_interrupted: transient,
  timeout: deploymentFault,
  auth: deploymentFault,
  not_found: deploymentFault,
  bad_request: { retrySame: false, fallBack: false, tripsBreaker: false },
};

export const classifyFailure = (kind: UpstreamErrorKind): FailureClass => FAILURE_CLASSES[kind];

/**
 * Exponential backoff with full jitter: uniform in [0, min(maxDelayMs, baseDelayMs · 2^retry)).
 * `retry` counts from 0 (the wait before the second attempt). Full jitter spreads the retries
 * of many clients that failed together, instead of sending them back in one wave.
 */
export function backoffDelayMs(retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry));
  return Math.floor(random() * window);
}

export type NextStep = { readonly type: 'retry'; readonly waitMs: number } | { readonly type: 'fall_back' } | { readonly type: 'stop' };

export interface FailedAttempt {
  readonly kind: UpstreamErrorKind;
  /** What the upstream asked for (Retry-After, retry-after-ms); null when it did not say. */
  readonly retryAfterMs: number | null;
}

export interface RetryContext {
  /** Calls made to this deployment so far, the failed one included. */
  readonly attemptsOnDeployment: number;
  /** Time since the request's first attempt started. */
  readonly elapsedMs: number;
}

/** What to do after a failed attempt. */
export function nextStep(failure: FailedAttempt, context: RetryContext, policy: RetryPolicy, random: () => number): NextStep {
  const failureClass = classifyFailure(failure.kind);
  if (!failureClass.fallBack) return { type: 'stop' };
  if (!failureClass.retrySame || context.attemptsOnDeployment >= policy.maxAttemptsPerDeployment) return { type: 'fall_back' };
  const asked = failure.retryAfterMs;
  if (asked !== null && asked > policy.maxRetryWaitMs) return { type: 'fall_back' };
  const waitMs = asked ?? backoffDelayMs(context.attemptsOnDeployment - 1, policy, random);
  if (context.elapsedMs + waitMs > policy.deadlineMs) return { type: 'fall_back' };
  return { type: 'retry', waitMs };
}
