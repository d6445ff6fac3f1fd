/**
 * When a presented API key authenticates: the rules in one place, as pure functions of what
 * a reader holds (a cached snapshot or a read-model document), so the in-memory cache and
 * the read-model-backed directory (projections/apiKeys/credentials.ts) cannot drift apart.
 *
 * A key is usable at `now` when:
 * - its status is 'active' (never revoked);
 * - it has not expired: `now` is strictly before `expiresAt` (the expiry instant itself is
 *   already expired, as in the aggregate's isExpired); no expiry means it never expires;
 * - its tenant exists and is not closed. A suspended tenant's keys still authenticate: the
 *   request is refused later, with a reason the caller can act on.
 *
 * Everything unreadable fails closed: an expiry that is not an ISO instant, a missing tenant,
 * a status that is not a string.
 */

/** Milliseconds since the epoch; null = never expires; NaN = unreadable (and so never usable). */
export type ExpiryInstant = number | null;

/** Parses once what `isUnexpiredAt` compares, so a hot path can keep the parsed value. */
export function expiryInstant(expiresAt: unknown): ExpiryInstant {
  if (expiresAt === null) return null;
  if (typeof expiresAt !== 'string') return Number.NaN;
  return Date.parse(expiresAt);
}

/** `now < expiry`; NaN compares false, so an unreadable expiry fails closed. */
export function isUnexpiredAt(expiry: ExpiryInstant, nowMs: number): boolean {
  return expiry === null || nowMs < expiry;
}

/** A closed tenant's keys never authenticate; a missing tenant (null/undefined status) neither. */
export function tenantAdmitsKeys(tenantStatus: unknown): boolean {
  return typeof tenantStatus === 'string' && tenantStatus !== 'closed';
}

/** The whole rule on parsed facts (the hot path keeps `expiry` parsed); `tenantStatus` is null/undefined for an unknown tenant. */
export function isKeyUsableAt(keyStatus: unknown, expiry: ExpiryInstant, tenantStatus: unknown, nowMs: number): boolean {
  return keyStatus === 'active' && isUnexpiredAt(expiry, nowMs) && tenantAdmitsKeys(tenantStatus);
}

/** What a stored key document says (fields of unknown type, as read back from a store). */
export interface KeyFacts {
  /** 'active' | 'revoked' in the domain; anything else fails closed. */
  readonly status: unknown;
  readonly expiresAt: unknown;
}

/** The whole rule on a stored document (used by projections/apiKeys/credentials.ts). */
export function isKeyUsable(key: KeyFacts, tenantStatus: unknown, now: Date): boolean {
  return isKeyUsableAt(key.status, expiryInstant(key.expiresAt), tenantStatus, now.getTime());
}
