import { setTimeout as delay } from 'node:timers/promises';
import type { AttemptOutcome } from '../../domain/inference/commands.js';
import { UpstreamError, type ChatProvider, type ProviderTarget, type UpstreamErrorKind } from '../../engines/providers/port.js';
import { providerFor } from '../../engines/providers/registry.js';
import { missingCredentialError, providerTargetCredential } from '../../engines/secrets/credential.js';
import type { SecretSource } from '../../engines/secrets/port.js';
import type { CachedDeployment } from '../../projections/cache/snapshots.js';
import type { Config } from '../config.js';
import { DEFAULT_CIRCUIT_POLICY, type CircuitBreakers, type CircuitPolicy, type Verdict } from './circuit-breaker.js';
import { DEFAULT_RETRY_POLICY, classifyFailure, nextStep, type RetryPolicy } from './retry-policy.js';

/** One call to one deployment, as InferenceAttempt records it. */
export interface Attempt {
  readonly deploymentId: string;
  readonly outcome: AttemptOutcome;
  readonly status: number | null;
  readonly latencyMs: number;
}

/**
 * `attempts` lists every call in order, retries included, and each deployment skipped for an
 * open breaker (outcome 'circuit_open'). On failure, `error` and `deployment` are the last
 * upstream failure; `errorKind` is its kind, or 'circuit_open' when every deployment was
 * skipped (then `error` is a 'server_error' that says so, and `deployment` the last skipped).
 */
export type Dispatched<T> =
  | { readonly ok: true; readonly value: T; readonly deployment: CachedDeployment; readonly attempts: readonly Attempt[] }
  | {
      readonly ok: false;
      readonly error: UpstreamError;
      readonly errorKind: UpstreamErrorKind | 'circuit_open';
      readonly deployment: CachedDeployment;
      readonly attempts: readonly Attempt[];
    };

export interface DispatchPolicy {
  readonly timeouts: ProviderTarget['timeouts'];
  readonly retry: RetryPolicy;
  readonly circuit: CircuitPolicy;
}

/** Connect fast (a dead host should fall back quickly); reads are generous: models think before the first byte. */
export const DEFAULT_DISPATCH_POLICY: DispatchPolicy = {
  timeouts: { connectMs: 2_000, readMs: 60_000 },
  retry: DEFAULT_RETRY_POLICY,
  circuit: DEFAULT_CIRCUIT_POLICY,
};

/** What withFallback does when given no policy: one call per deployment, as before retries existed. */
export const FALLBACK_ONLY_POLICY: DispatchPolicy = { ...DEFAULT_DISPATCH_POLICY, retry: { ...DEFAULT_RETRY_POLICY, maxAttemptsPerDeployment: 1 } };

export function dispatchPolicyFromConfig(config: Config): DispatchPolicy {
  return {
    timeouts: { connectMs: config.NEXUS_UPSTREAM_CONNECT_TIMEOUT_MS, readMs: config.NEXUS_UPSTREAM_READ_TIMEOUT_MS },
    retry: {
      maxAttemptsPerDeployment: config.NEXUS_UPSTREAM_MAX_ATTEMPTS,
      baseDelayMs: config.NEXUS_UPSTREAM_RETRY_BASE_MS,
      maxDelayMs: config.NEXUS_UPSTREAM_RETRY_MAX_DELAY_MS,
      maxRetryWaitMs: config.NEXUS_UPSTREAM_MAX_RETRY_WAIT_MS,
      deadlineMs: config.NEXUS_UPSTREAM_DEADLINE_MS,
    },
    circuit: { failureThreshold: config.NEXUS_CIRCUIT_FAILURE_THRESHOLD, cooldownMs: config.NEXUS_CIRCUIT_COOLDOWN_MS },
  };
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface DispatchOptions {
  /** Default FALLBACK_ONLY_POLICY; pass DEFAULT_DISPATCH_POLICY or dispatchPolicyFromConfig(config) to retry. */
  readonly policy?: DispatchPolicy;
  /** The gateway's breakers (one registry per app); none means no circuit breaking. */
  readonly breakers?: CircuitBreakers;
  /** The client's abort: no attempt or wait starts after it, and its reason is thrown. */
  readonly signal?: AbortSignal;
  /** Jitter source, [0, 1). */
  readonly random?: () => number;
  readonly sleep?: Sleep;
  /** Where deployments' credentialRefs resolve; none means every deployment calls without a credential. */
  readonly secrets?: SecretSource;
}

export function targetOf(deployment: CachedDeployment, timeouts: ProviderTarget['timeouts'] = DEFAULT_DISPATCH_POLICY.timeouts): ProviderTarget {
  // apiKey: set per call from the deployment's credentialRef (tryDeployment); null = the adapter's unauthenticated default.
  return { deploymentId: deployment.deploymentId, provider: deployment.provider, upstreamModel: deployment.upstreamModel, baseUrl: deployment.baseUrl, apiKey: null, timeouts };
}

const elapsedMs = (started: number): number => Math.max(0, Math.round(performance.now() - started));

/** Waits `ms`; a caller's abort ends the wait with the signal's reason, as the provider port does. */
async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  }
}

/** One call to one deployment: resolves when the upstream accepted it (for streams: once primed). */
export type DeploymentCall<T> = (provider: ChatProvider, target: ProviderTarget) => Promise<T>;

interface Run<T> {
  readonly call: DeploymentCall<T>;
  readonly policy: DispatchPolicy;
  readonly breakers: CircuitBreakers | undefined;
  readonly signal: AbortSignal | undefined;
  readonly random: () => number;
  readonly sleep: Sleep;
  readonly secrets: SecretSource | undefined;
  readonly startedAt: number;
  readonly attempts: Attempt[];
}

type Called<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: UpstreamError };
/** `error: null`: the breaker skipped the deployment; `stop`: no other deployment would do better. */
type Tried<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: UpstreamError | null; readonly stop: boolean };

/** One call; its verdict goes to the deployment's breaker whatever happens (so a probe never stays in flight). */
async function attemptOnce<T>(deployment: CachedDeployment, provider: ChatProvider, target: ProviderTarget, run: Run<T>): Promise<Called<T>> {
  const started = performance.now();
  const record = (outcome: AttemptOutcome, status: number | null): void => {
    run.attempts.push({ deploymentId: deployment.deploymentId, latencyMs: elapsedMs(started), outcome, status });
  };
  let verdict: Verdict = 'neutral';
  try {
    // A resolved call means the upstream answered 2xx (adapters throw on anything else).
    const value = await run.call(provider, target);
    verdict = 'success';
    record('ok', 200);
    return { ok: true, value };
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    if (classifyFailure(error.kind).tripsBreaker) verdict = 'failure';
    record(error.kind, error.status);
    return { ok: false, error };
  } finally {
    run.breakers?.settle(deployment.deploymentId, verdict, run.policy.circuit);
  }
}

/** Calls one deployment, retrying as the policy says. */
async function tryDeployment<T>(deployment: CachedDeployment, run: Run<T>): Promise<Tried<T>> {
  const provider = providerFor(deployment.provider);
  // A deployment that names a secret nobody configured is misconfigured: recorded as an auth
  // failure without calling the upstream (or its breaker), and the chain moves on.
  const credential = run.secrets === undefined ? null : providerTargetCredential(deployment, run.secrets);
  if (credential?.status === 'missing') {
    run.attempts.push({ deploymentId: deployment.deploymentId, latencyMs: 0, outcome: 'auth', status: null });
    return { ok: false, error: missingCredentialError(deployment.deploymentId, credential.credentialRef), stop: false };
  }
  const target = { ...targetOf(deployment, run.policy.timeouts), apiKey: credential?.apiKey ?? null };
  let lastError: UpstreamError | null = null;
  for (let attempt = 1; ; attempt++) {
    run.signal?.throwIfAborted();
    if (run.breakers && !run.breakers.admit(deployment.deploymentId, run.policy.circuit)) {
      // Only a first call is recorded as skipped: a refused retry follows the failure that opened the breaker, already on record.
      if (lastError === null) run.attempts.push({ deploymentId: deployment.deploymentId, latencyMs: 0, outcome: 'circuit_open', status: null });
      return { ok: false, error: lastError, stop: false };
    }
    const called = await attemptOnce(deployment, provider, target, run);
    if (called.ok) return called;
    lastError = called.error;
    const step = nextStep(called.error, { attemptsOnDeployment: attempt, elapsedMs: elapsedMs(run.startedAt) }, run.policy.retry, run.random);
    if (step.type !== 'retry') return { ok: false, error: called.error, stop: step.type === 'stop' };
    await run.sleep(step.waitMs, run.signal);
  }
}

/**
 * Tries the deployments in order until one answers, each up to the policy's attempts (with
 * backoff, or the wait the upstream asked for when that is short). A deployment whose breaker
 * is open is skipped. A fault of the deployment (429, 5xx, timeout, connection, 401/403/404:
 * see retry-policy.ts) moves on to the next; a request the upstream refused as such (400)
 * would be refused by its siblings too, so it ends the chain. Anything that is not an
 * UpstreamError (a gateway bug, the client's abort) propagates.
 *
 * For streams, pass a call that primes the stream (see primeStream), so that a failure before
 * the first chunk is still the deployment's failure and falls back.
 */
export async function withFallback<T>(order: readonly CachedDeployment[], call: DeploymentCall<T>, options: DispatchOptions = {}): Promise<Dispatched<T>> {
  if (order.length === 0) throw new Error('withFallback needs at least one deployment');
  const run: Run<T> = {
    call,
    policy: options.policy ?? FALLBACK_ONLY_POLICY,
    breakers: options.breakers,
    signal: options.signal,
    random: options.random ?? Math.random,
    sleep: options.sleep ?? abortableSleep,
    secrets: options.secrets,
    startedAt: performance.now(),
    attempts: [],
  };
  let failure: { error: UpstreamError; deployment: CachedDeployment } | null = null;
  for (const deployment of order) {
    const tried = await tryDeployment(deployment, run);
    if (tried.ok) return { ok: true, value: tried.value, deployment, attempts: run.attempts };
    if (tried.error) failure = { error: tried.error, deployment };
    if (tried.stop) break;
  }
  if (failure) return { ok: false, ...failure, errorKind: failure.error.kind, attempts: run.attempts };
  return everyCircuitOpen(order, run.attempts);
}

function everyCircuitOpen(order: readonly CachedDeployment[], attempts: readonly Attempt[]): Dispatched<never> {
  const deployment = order[order.length - 1];
  const error = new UpstreamError({
    kind: 'server_error',
    deploymentId: deployment.deploymentId,
    upstreamMessage: 'not called: the circuit breaker of every deployment is open after repeated failures',
  });
  return { ok: false, error, errorKind: 'circuit_open', deployment, attempts };
}

/** A primed stream: iterating it yields the chunk read while priming, then the rest. */
export interface PrimedStream<T> extends AsyncIterable<T> {
  /** Releases the upstream connection of a stream that will not be read (on). Safe to call twice. */
  release(): Promise<void>;
}

async function closeQuietly<T>(iterator: AsyncIterator<T>): Promise<void> {
  try {
    await iterator.return?.();
  } catch {
    // the upstream is being dropped anyway
  }
}

/**
 * Reads a stream's first chunk, so that a failure before it (the connection dropped, the
 * upstream went silent past the read timeout, or the stream ended empty) rejects here, inside
 * the attempt, where withFallback can still move on. Nothing has reached the client by then.
 * Use it as `withFallback(order, async (p, t) => primeStream(await p.chatStream(req, t, signal), t))`.
 *
 * Guarantee: the upstream is released when the primed stream is read to its end, when its
 * reader stops early (for-await break or return()), or on release(), even if it was never
 * iterated (an unstarted async generator could not do that, so this is a plain iterator).
 */
export async function primeStream<T>(stream: AsyncIterable<T>, target?: Pick<ProviderTarget, 'deploymentId'>): Promise<PrimedStream<T>> {
  const iterator = stream[Symbol.asyncIterator]();
  let first: IteratorResult<T>;
  try {
    first = await iterator.next();
  } catch (error) {
    await closeQuietly(iterator);
    throw error;
  }
  if (first.done) {
    const message = 'the upstream stream ended before its first chunk';
    throw new UpstreamError({ kind: 'stream_interrupted', deploymentId: target?.deploymentId ?? 'unknown', upstreamMessage: message });
  }
  let pending: IteratorResult<T> | null = first;
  let released = false;
  const ended: IteratorReturnResult<undefined> = { done: true, value: undefined };
  const release = async (): Promise<IteratorReturnResult<undefined>> => {
    pending = null;
    if (!released) {
      released = true;
      await closeQuietly(iterator);
    }
    return ended;
  };
  const primed: AsyncIterator<T, undefined> = {
    next: () => {
      const held = pending;
      pending = null;
      if (held) return Promise.resolve(held);
      return released ? Promise.resolve(ended) : iterator.next();
    },
    return: release,
  };
  return {
    [Symbol.asyncIterator]: () => primed,
    release: async () => {
      await release();
    },
  };
}
