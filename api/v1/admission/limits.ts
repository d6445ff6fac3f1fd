import type { RateLimitFigures } from '../../../domain/limits/commands.js';
import { CountersUnavailableError, type Counters, type KeyedRateLimit } from '../../../engines/counters/port.js';
import type { CachedLimits } from '../../../projections/cache/snapshots.js';
import { GatewayError } from '../errors.js';

const MINUTE_MS = 60_000;
/** A lease outlives any request (upstream deadlines are far shorter), so a crashed process frees its slots on its own. */
const LEASE_TTL_MS = 10 * MINUTE_MS;

/** Who is asking: every counter key carries the tenant as its hash tag, so one consumeAll is one atomic step (port.ts). */
export interface Caller {
  readonly tenantId: string;
  readonly keyId: string;
}

interface Scoped {
  readonly scope: 'tenant' | 'key';
  readonly figures: RateLimitFigures;
  readonly suffix: string;
}

function scopesOf(caller: Caller, limits: CachedLimits): Scoped[] {
  const key = limits.keys[caller.keyId];
  return [{ scope: 'tenant', figures: limits.tenant, suffix: 't' }, ...(key ? [{ scope: 'key' as const, figures: key, suffix: `k:${caller.keyId}` }] : [])];
}

const counterKey = (kind: string, caller: Caller, suffix: string): string => `${kind}:{${caller.tenantId}}:${suffix}`;

const overLimit = (message: string, code: string, retryAfterMs: number | null): GatewayError =>
  new GatewayError(message, { status: 429, type: 'rate_limit_error', code, retryAfterMs });

export type FailOpen = (operation: string, error: CountersUnavailableError) => void;

/**
 * Requests- and tokens-per-minute of the key and of its tenant, charged all or nothing: a
 * request refused by one limit is charged to none. Tokens are the admission estimate (prompt
 * + requested output); the window is not refunded when fewer are used, which errs on the
 * side of the provider's own limits. When the counters engine is down, rate limits fail
 * OPEN (logged and counted by `onUnavailable`): they protect fairness, not money; the budget
 * check, which protects money, fails closed.
 */
export async function chargeRateLimits(counters: Counters, caller: Caller, limits: CachedLimits, estimatedTokens: number, onUnavailable: FailOpen): Promise<void> {
  const charges: KeyedRateLimit[] = [];
  // The wording of each charge, for a refusal only (built then, not on every request).
  const labels: Array<() => string> = [];
  for (const { scope, figures, suffix } of scopesOf(caller, limits)) {
    const { requestsPerMinute, tokensPerMinute } = figures;
    if (requestsPerMinute !== null) {
      charges.push({ key: counterKey('rpm', caller, suffix), limit: requestsPerMinute, windowMs: MINUTE_MS, cost: 1 });
      labels.push(() => `${scope} requests-per-minute limit (${requestsPerMinute})`);
    }
    if (tokensPerMinute !== null) {
      charges.push({ key: counterKey('tpm', caller, suffix), limit: tokensPerMinute, windowMs: MINUTE_MS, cost: estimatedTokens });
      labels.push(() => `${scope} tokens-per-minute limit (${tokensPerMinute})`);
    }
  }
  if (charges.length === 0) return;
  let result;
  try {
    result = await counters.rateLimits.consumeAll(charges);
  } catch (error) {
    if (error instanceof CountersUnavailableError) return onUnavailable('rate limits', error);
    throw error;
  }
  if (result.allowed) return;
  const refusing = result.results.map((one, index) => ({ one, label: labels[index] })).filter(({ one }) => !one.allowed);
  const never = refusing.find(({ one }) => one.retryAfterMs === null);
  if (never) {
    throw overLimit(`the request's estimated ${estimatedTokens} tokens exceed the ${never.label()} on their own; lower max_tokens or the prompt`, 'tokens_exceed_limit', null);
  }
  throw overLimit(`rate limit reached: ${refusing.map(({ label }) => label()).join(', ')}`, 'rate_limit_exceeded', result.retryAfterMs);
}

/** A held set of concurrency slots; `release` frees them (idempotent, never throws). */
export interface Leases {
  release(): Promise<void>;
}

const NO_LEASES: Leases = { release: async () => undefined };

/**
 * Requests in flight per key and per tenant, as leases named by the request id (so a retried
 * acquire is the same slot). Like rate limits, concurrency fails open when the engine is down.
 */
export async function acquireConcurrency(counters: Counters, caller: Caller, limits: CachedLimits, requestId: string, onUnavailable: FailOpen): Promise<Leases> {
  const held: string[] = [];
  const release = async (): Promise<void> => {
    const keys = held.splice(0);
    await Promise.all(keys.map((key) => counters.concurrency.release(key, requestId).catch(() => false)));
  };
  try {
    for (const { scope, figures, suffix } of scopesOf(caller, limits)) {
      if (figures.maxConcurrent === null) continue;
      const key = counterKey('conc', caller, suffix);
      const acquired = await counters.concurrency.acquire(key, { limit: figures.maxConcurrent, leaseId: requestId, ttlMs: LEASE_TTL_MS });
      if (!acquired.acquired) {
        await release();
        throw overLimit(`concurrency limit reached: the ${scope} allows ${figures.maxConcurrent} requests in flight`, 'concurrency_limit_exceeded', Math.min(acquired.retryAfterMs ?? 1_000, 1_000));
      }
      held.push(key);
    }
  } catch (error) {
    if (!(error instanceof CountersUnavailableError)) throw error;
    await release();
    onUnavailable('concurrency limits', error);
    return NO_LEASES;
  }
  return held.length === 0 ? NO_LEASES : { release };
}
