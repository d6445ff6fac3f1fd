import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../../domain/shared/digest.js';

/**
 * Who is calling. The platform admin token sees every tenant; an API key belongs to one
 * tenant and carries scopes. Tenant isolation is enforced by the read-model layer using
 * the scope derived here, and by route access checks on path tenant ids.
 */
export type Principal =
  | { readonly kind: 'admin' }
  | { readonly kind: 'apikey'; readonly tenantId: string; readonly keyId: string; readonly scopes: readonly string[] };

export type ReadScope = { readonly kind: 'admin' } | { readonly kind: 'tenant'; readonly tenantId: string };

export const scopeOf = (principal: Principal): ReadScope =>
  principal.kind === 'admin' ? { kind: 'admin' } : { kind: 'tenant', tenantId: principal.tenantId };

export const actorOf = (principal: Principal): string => (principal.kind === 'admin' ? 'admin' : `apikey:${principal.keyId}`);

export interface GeneratedApiKey {
  /** Shown to the caller once; never stored, logged or put in an event. */
  readonly plaintext: string;
  readonly keyPrefix: string;
  readonly keyHash: string;
}

const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `nx_<8 chars>_<256-bit secret>`: the prefix identifies the key in listings and logs. */
export function generateApiKey(): GeneratedApiKey {
  const prefixBytes = randomBytes(8);
  const prefixBody = Array.from(prefixBytes, (byte) => PREFIX_ALPHABET[byte % PREFIX_ALPHABET.length]).join('');
  const keyPrefix = `nx_${prefixBody}`;
  const plaintext = `${keyPrefix}_${randomBytes(32).toString('base64url')}`;
  return { plaintext, keyPrefix, keyHash: sha256Hex(plaintext) };
}
