import type { CredentialDirectory } from '../../api/http/authenticate.js';
import type { Doc, ReadModelStore } from '../../engines/readmodel/port.js';
import { tenantsProjection } from '../tenants/projection.js';
import { apiKeysProjection } from './projection.js';

/** Keys sharing one hash would be a broken generator; reading a few lets a usable one still win deterministically. */
const MAX_KEYS_PER_HASH = 10;

type UsableKey = { tenantId: string; keyId: string; scopes: readonly string[] };

/**
 * Resolves presented API keys (by sha256) against the apiKeys and tenants read models.
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
      const key = usableKey(doc, keyHash, now);
      if (key !== null && (await this.tenantIsOpen(key.tenantId))) return key;
    }
    return null;
  }

  /** A suspended tenant's keys still authenticate (the request is refused later, with a reason); a closed tenant's never do. */
  private async tenantIsOpen(tenantId: string): Promise<boolean> {
    const tenants = await this.store.getAlias(tenantsProjection.collection);
    if (tenants === null) return false;
    const tenant = await this.store.get(tenants, tenantId);
    return tenant !== null && typeof tenant.status === 'string' && tenant.status !== 'closed';
  }
}

function usableKey(doc: Doc, keyHash: string, now: Date): UsableKey | null {
  if (doc.keyHash !== keyHash || doc.status !== 'active' || typeof doc.keyId !== 'string') return null;
  if (!isUnexpired(doc.expiresAt, now)) return null;
  const scopes = doc.scopes;
  if (!Array.isArray(scopes) || !scopes.every((scope): scope is string => typeof scope === 'string')) return null;
  return { tenantId: doc.tenantId, keyId: doc.keyId, scopes: [...scopes] };
}

/** Same rule as the aggregate's isExpired: the expiry instant itself is already expired. */
function isUnexpired(expiresAt: unknown, now: Date): boolean {
  if (expiresAt === null) return true;
  if (typeof expiresAt !== 'string') return false;
  const expiry = Date.parse(expiresAt);
  return !Number.isNaN(expiry) && now.getTime() < expiry;
}
