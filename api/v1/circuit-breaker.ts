/**
 * One circuit breaker per deployment, in process memory: a deployment that keeps failing is
 * skipped for a cool-down instead of costing every request a failed round trip (or a whole
 * read timeout) before its fallback.
 *
 * The trip rule is N consecutive failures, not a failure ratio over a window: retries and
 * fallback already absorb a deployment that fails now and then, so the breaker only needs
 * to catch one that is down, and consecutive failures say that with no window to size or
 * keep. Any success resets the count.
 *
 *   closed    → open       after `failureThreshold` consecutive failures
 *   open      → half_open  once `cooldownMs` has passed: the next request goes through as the probe
 *   half_open → closed     the probe succeeded
 *   half_open → open       the probe failed (a new cool-down)
 *
 * While the probe is in flight, other requests skip the deployment. A probe that ends without
 * a verdict (the client left, or the request was refused as bad) lets the next request probe.
 * The transitions are pure functions of (breaker, now, policy); the registry only stores them.
 */
import { Gauge, type Registry } from 'prom-client';

export interface CircuitPolicy {
  /** Consecutive failures that open the breaker; 0 turns circuit breaking off. */
  readonly failureThreshold: number;
  /** How long an open breaker skips its deployment before letting a probe through. */
  readonly cooldownMs: number;
}

export const DEFAULT_CIRCUIT_POLICY: CircuitPolicy = { failureThreshold: 5, cooldownMs: 30_000 };

export type CircuitState = 'closed' | 'open' | 'half_open';

export type Breaker =
  | { readonly state: 'closed'; readonly failures: number }
  | { readonly state: 'open'; readonly until: number }
  | { readonly state: 'half_open'; readonly probeSince: number };

/** success: the upstream answered; failure: a fault of the deployment; neutral: says nothing about it. */
export type Verdict = 'success' | 'failure' | 'neutral';

export const CLOSED: Breaker = { state: 'closed', failures: 0 };

/** Whether a call may go ahead now, and the breaker after letting it (or not). */
export function admit(breaker: Breaker, now: number, policy: CircuitPolicy): { readonly admitted: boolean; readonly breaker: Breaker } {
  if (policy.failureThreshold <= 0) return { admitted: true, breaker };
  switch (breaker.state) {
    case 'closed':
      return { admitted: true, breaker };
    case 'open':
      return now >= breaker.until ? { admitted: true, breaker: { state: 'half_open', probeSince: now } } : { admitted: false, breaker };
    case 'half_open':
      // A probe that never reported (it cannot, short of a bug) must not shut the deployment out for good.
      return now - breaker.probeSince >= policy.cooldownMs ? { admitted: true, breaker: { state: 'half_open', probeSince: now } } : { admitted: false, breaker };
    default: {
      const unreachable: never = breaker;
      return unreachable;
    }
  }
}

/** The breaker after a call it admitted has ended. */
export function settle(breaker: Breaker, verdict: Verdict, now: number, policy: CircuitPolicy): Breaker {
  if (policy.failureThreshold <= 0) return breaker;
  if (verdict === 'neutral') return breaker.state === 'half_open' ? { state: 'open', until: now } : breaker;
  switch (breaker.state) {
    case 'closed': {
      if (verdict === 'success') return CLOSED;
      const failures = breaker.failures + 1;
      return failures >= policy.failureThreshold ? { state: 'open', until: now + policy.cooldownMs } : { state: 'closed', failures };
    }
    case 'half_open':
      return verdict === 'success' ? CLOSED : { state: 'open', until: now + policy.cooldownMs };
    case 'open':
      return breaker; // a call admitted before the breaker opened, ending late: the cool-down stands
    default: {
      const unreachable: never = breaker;
      return unreachable;
    }
  }
}

/**
 * The breakers of every deployment this process calls. One registry per running gateway (it
 * is state, like a metrics registry); deployments it holds nothing for are closed.
 */
export class CircuitBreakers {
  private readonly breakers = new Map<string, Breaker>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  admit(deploymentId: string, policy: CircuitPolicy): boolean {
    const result = admit(this.breakerOf(deploymentId), this.now(), policy);
    this.store(deploymentId, result.breaker);
    return result.admitted;
  }

  settle(deploymentId: string, verdict: Verdict, policy: CircuitPolicy): void {
    this.store(deploymentId, settle(this.breakerOf(deploymentId), verdict, this.now(), policy));
  }

  stateOf(deploymentId: string): CircuitState {
    return this.breakerOf(deploymentId).state;
  }

  /** Deployments whose breaker is not plainly closed (open, half-open, or counting failures). */
  states(): ReadonlyArray<{ readonly deploymentId: string; readonly state: CircuitState }> {
    return [...this.breakers].map(([deploymentId, breaker]) => ({ deploymentId, state: breaker.state }));
  }

  private breakerOf(deploymentId: string): Breaker {
    return this.breakers.get(deploymentId) ?? CLOSED;
  }

  private store(deploymentId: string, breaker: Breaker): void {
    // A healthy deployment leaves no entry, so the map only holds deployments with a recent failure.
    if (breaker === CLOSED) this.breakers.delete(deploymentId);
    else this.breakers.set(deploymentId, breaker);
  }
}

export const CIRCUIT_STATE_METRIC = 'nexus_upstream_circuit_state';
const STATE_VALUES: Readonly<Record<CircuitState, number>> = { closed: 0, half_open: 1, open: 2 };

/**
 * Registers a gauge of breaker states (0 closed, 1 half-open, 2 open), sampled at scrape time.
 * Labels are deployment ids, bounded by what operators register; deployments without a recent
 * failure are not listed (closed). Registering again on the same registry replaces the gauge.
 */
export function registerCircuitGauge(registry: Registry, breakers: CircuitBreakers): void {
  registry.removeSingleMetric(CIRCUIT_STATE_METRIC);
  new Gauge({
    name: CIRCUIT_STATE_METRIC,
    help: 'Circuit breaker state per upstream deployment: 0 closed, 1 half-open, 2 open.',
    labelNames: ['deployment'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { deploymentId, state } of breakers.states()) this.set({ deployment: deploymentId }, STATE_VALUES[state]);
    },
  });
}
