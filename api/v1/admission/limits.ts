import type { RateLimitFigures } from '../../../domain/limits/commands.js';
import type { AcquireResult, ConsumeAllResult, CountersUnavailableError, KeyedRateLimit } from '../../../engines/counters/port.js';
import type { CachedLimits } from '../../../projections/cache/snapshots.js';
import { GatewayError } from '../errors.js';

const MINUTE_MS = 60_000;
/** A lease outlives any request (upstream deadlines are far shorter), so a crashed process frees its slots on its own. */
export const LEASE_TTL_MS = 10 * MINUTE_MS;

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

/** A request's rate-limit charges, with what each limits (for the wording of a refusal, built only then). */
export interface RateLimitCharges {
  readonly charges: readonly KeyedRateLimit[];
  /** Per charge, e.g. 'tenant requests-per-minute': constant strings, so a request allocates none. */
  readonly limits: readonly string[];
  readonly estimatedTokens: number;
}

/**
 * Requests- and tokens-per-minute of the key and of its tenant, charged all or nothing by the
 * admission: a request refused by any check is charged to none. Tokens are the admission
 * estimate (prompt + requested output); the window is not refunded when fewer are used, which
 * errs on the side of the provider's own limits.
 */
export function rateLimitCharges(caller: Caller, limits: CachedLimits, estimatedTokens: number): RateLimitCharges {
  const charges: KeyedRateLimit[] = [];
  const what: string[] = [];
  for (const { scope, figures, suffix } of scopesOf(caller, limits)) {
    const { requestsPerMinute, tokensPerMinute } = figures;
    if (requestsPerMinute !== null) {
      charges.push({ key: counterKey('rpm', caller, suffix), limit: requestsPerMinute, windowMs: MINUTE_MS, cost: 1 });
      what.push(scope === 'tenant' ? 'tenant requests-per-minute' : 'key requests-per-minute');
    }
    if (tokensPerMinute !== null) {
      charges.push({ key: counterKey('tpm', caller, suffix), limit: tokensPerMinute, windowMs: MINUTE_MS, cost: estimatedTokens });
      what.push(scope === 'tenant' ? 'tenant tokens-per-minute' : 'key tokens-per-minute');
    }
  }
  return { charges, limits: what, estimatedTokens };
}

/** The 429 for a refusal by the rate limits: which limits refused, and when to retry (never, for a request larger than a limit). */
export function rateLimitRefusal(asked: RateLimitCharges, result: ConsumeAllResult): GatewayError {
  const label = (index: number): string => {
    const charge = asked.charges[index];
    return charge === undefined ? 'rate limit' : `${asked.limits[index] ?? 'rate'} limit (${charge.limit})`;
  };
  const refusing = result.results.map((one, index) => ({ one, label: label(index) })).filter(({ one }) => !one.allowed);
  const never = refusing.find(({ one }) => one.retryAfterMs === null);
  if (never) {
    return overLimit(`the request's estimated ${asked.estimatedTokens} tokens exceed the ${never.label} on their own; lower max_tokens or the prompt`, 'tokens_exceed_limit', null);
  }
  return overLimit(`rate limit reached: ${refusing.map((refusal) => refusal.label).join(', ')}`, 'rate_limit_exceeded', result.retryAfterMs);
}

/** A concurrency slot the request takes: requests in flight per key and per tenant, as a lease named by the request id. */
export interface LeaseClaim {
  readonly key: string;
  readonly limit: number;
  readonly scope: 'tenant' | 'key';
}

export function leaseClaims(caller: Caller, limits: CachedLimits): LeaseClaim[] {
  return scopesOf(caller, limits).flatMap(({ scope, figures, suffix }) => (figures.maxConcurrent === null ? [] : [{ key: counterKey('conc', caller, suffix), limit: figures.maxConcurrent, scope }]));
}

/** The 429 for a full concurrency limit; retry within a second at most (slots free as requests end). */
export function concurrencyRefusal(claim: LeaseClaim, result: AcquireResult): GatewayError {
  return overLimit(`concurrency limit reached: the ${claim.scope} allows ${claim.limit} requests in flight`, 'concurrency_limit_exceeded', Math.min(result.retryAfterMs ?? 1_000, 1_000));
}
