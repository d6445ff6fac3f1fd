import type { Context, Next } from 'koa';
import { UnauthorizedError } from '../../domain/shared/errors.js';
import { timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../../domain/shared/digest.js';
import type { Principal } from './principal.js';

/** Finds a usable key by the hash of the presented token (active, unexpired, tenant open). */
export interface CredentialDirectory {
  findUsableKey(keyHash: string, now: Date): Promise<{ tenantId: string; keyId: string; scopes: readonly string[] } | null>;
}

/**
 * Resolves `Authorization: Bearer <token>` (or `x-api-key`, as Anthropic SDKs send it)
 * into ctx.state.principal. A presented but unknown token is a 401 at once; a missing
 * token leaves the principal empty and the route's access rule decides.
 */
export function authenticationMiddleware(adminToken: string, directory: CredentialDirectory) {
  // The admin token's digest, once: each request then hashes its token once, for both checks.
  const adminDigest = Buffer.from(sha256Hex(adminToken), 'hex');
  return async function authenticate(ctx: Context, next: Next): Promise<void> {
    const token = presentedToken(ctx);
    if (token !== null) ctx.state.principal = await resolve(token, adminDigest, directory);
    return next();
  };
}

function presentedToken(ctx: Context): string | null {
  const header = ctx.get('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthorizedError('Authorization header must be "Bearer <token>"');
    return match[1];
  }
  return ctx.get('x-api-key') || null;
}

async function resolve(token: string, adminDigest: Buffer, directory: CredentialDirectory): Promise<Principal> {
  const digest = sha256Hex(token);
  // Digests compared in constant time: equal-length inputs whatever the token's length.
  if (timingSafeEqual(Buffer.from(digest, 'hex'), adminDigest)) return { kind: 'admin' };
  const key = await directory.findUsableKey(digest, new Date());
  if (!key) throw new UnauthorizedError('invalid, revoked or expired API key');
  return { kind: 'apikey', ...key };
}
