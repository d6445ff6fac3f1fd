import type { CredentialDirectory } from '../../api/http/authenticate.js';
import type { Doc, ReadModelStore } from '../../engines/readmodel/port.js';
import { isKeyUsable } from '../cache/key-rules.js';
import { tenantsProjection } from '../tenants/projection.js';
import { apiKeysProjection } from './projection.js';

/** Keys sharing one hash would be a broken generator; reading a few lets a usable one still win deterministically. */
const MAX_KEYS_PER_HASH = 10;

type UsableKey = { tenantId: string; keyId: string; scopes: readonly string[] };

/**
 * Resolves presented API keys (by sha256) against the apiKeys and tenants read models,
 * with the same rules as the in-process cache (projections/cache/key-rules.ts).
 *
 * Correctness over speed: every call resolves the blue/green aliases and queries the store,
 * so a revocation, an expiry or a tenant closure is honoured as soon as the projection has
 * applied it, and a rebuild's alias switch is seen at once. Everything unclear fails closed:
 * no alias yet, an unparseable expiry, a missing tenant, a malformed document.
 */
export class ApiKeyCredentials implements CredentialDirectory {
  constructor(private readonly store: ReadModelStore) {}

  async findUsableKey(keyHash: string, now: Date): Promise<UsableKey | null> {
    const keys = await this.store.getAlias(apiKeysProjection.collection);
    if (keys === null) return null;
    const page = await this.store.find(keys, { filter: { keyHash }, limit: MAX_KEYS_PER_HASH });
    for (const doc of page.items) {
      const key = keyOf(doc, keyHash);
      const facts = { status: doc.status, expiresAt: doc.expiresAt };
      if (key !== null && isKeyUsable(facts, await this.tenantStatus(key.tenantId), now)) return key;
    }
    return null;
  }

  /** The tenant's status, or null when it is unknown (which fails closed in the key rules). */
  private async tenantStatus(tenantId: string): Promise<unknown> {
    const tenants = await this.store.getAlias(tenantsProjection.collection);
    if (tenants === null) return null;
    return (await this.store.get(tenants, tenantId))?.status ?? null;
  }
}

/** The identity a stored key document grants, or null for a malformed one. */
function keyOf(doc: Doc, keyHash: string): UsableKey | null {
  if (doc.keyHash !== keyHash || typeof doc.keyId !== 'string') return null;
  const scopes = doc.scopes;
  if (!Array.isArray(scopes) || !scopes.every((scope): scope is string => typeof scope === 'string')) return null;
  return { tenantId: doc.tenantId, keyId: doc.keyId, scopes: [...scopes] };
}
