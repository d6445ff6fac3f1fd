import { z } from 'zod';
import type { DomainCommand } from '../shared/decider.js';
import { entityIdField, tenantIdField } from '../shared/fields.js';

/**
 * A limit sheet: each figure is a ceiling, `null` = no ceiling. Bounds keep every figure an
 * Avro int and far beyond what any one tenant sends, so a typo (an extra zero) is still valid
 * while a unit mistake (tokens per second × 10^9) is refused with the field named.
 */
export const RateLimitFigures = z.strictObject({
  /** Requests admitted in any 60 s window (sliding, see engines/counters/port.ts). */
  requestsPerMinute: z.number().int().min(1).max(10_000_000).nullable(),
  /** Estimated tokens (prompt + requested output) admitted in any 60 s window. */
  tokensPerMinute: z.number().int().min(1).max(2_000_000_000).nullable(),
  /** Requests in flight at once. */
  maxConcurrent: z.number().int().min(1).max(100_000).nullable(),
});
export type RateLimitFigures = z.infer<typeof RateLimitFigures>;

export const UNLIMITED: RateLimitFigures = Object.freeze({ requestsPerMinute: null, tokensPerMinute: null, maxConcurrent: null });

export const SetTenantRateLimitsData = RateLimitFigures.extend({ tenantId: tenantIdField });
export const SetKeyRateLimitsData = RateLimitFigures.extend({ tenantId: tenantIdField, keyId: entityIdField });

/** HTTP bodies: the tenant (and key) come from the route. */
export const SetRateLimitsBody = RateLimitFigures;

export type LimitsCommand =
  | DomainCommand<'SetTenantRateLimits', z.infer<typeof SetTenantRateLimitsData>>
  | DomainCommand<'SetKeyRateLimits', z.infer<typeof SetKeyRateLimitsData>>;
