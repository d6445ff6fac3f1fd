import { apiKeyDecider } from '../../domain/apikey/decide.js';
import type { ApiKeyEvent } from '../../domain/apikey/events.js';
import type { ApiKeyState } from '../../domain/apikey/state.js';
import { CategoryFold } from './category-fold.js';
import { expiryInstant } from './key-rules.js';
import { deepFreeze, type CachedKey } from './snapshots.js';

type ActiveKey = Extract<ApiKeyState, { status: 'active' }>;

const NO_KEYS: readonly CachedKey[] = Object.freeze([]);

/** The order the read model returns keys sharing a hash in (by document id), so both directories pick the same one. */
const byDocumentId = (a: CachedKey, b: CachedKey): number => {
  const [left, right] = [`${a.tenantId}.${a.keyId}`, `${b.tenantId}.${b.keyId}`];
  return left < right ? -1 : left > right ? 1 : 0;
};

/**
 * Active keys by the sha256 of their current secret. Only an active key's current hash is
 * indexed: the event that rotates a key removes its old hash and adds the new one, and the
 * event that revokes it removes it, both synchronously, so from the moment the cache's
 * position passes that event no lookup can find the old hash. Expiry depends on the reader's
 * clock, so expired keys stay indexed and the rule (key-rules.ts) refuses them per lookup.
 *
 * Two keys sharing a hash would mean a broken generator; both are kept (in document-id
 * order) so a usable one still wins deterministically, as in the read-model directory.
 */
export class KeyFold extends CategoryFold<ApiKeyEvent, ApiKeyState> {
  readonly category = 'apikey';
  private readonly byHash = new Map<string, readonly CachedKey[]>();

  constructor() {
    super(apiKeyDecider);
  }

  /** Usually zero or one key. */
  keys(keyHash: string): readonly CachedKey[] {
    return this.byHash.get(keyHash) ?? NO_KEYS;
  }

  /** Fail closed: a key whose events cannot be applied (a revocation, perhaps) no longer authenticates. */
  override quarantine(streamId: string): void {
    this.forget(streamId);
  }

  protected reindex(before: ApiKeyState, after: ApiKeyState): void {
    if (before.status === 'active') this.remove(before);
    if (after.status === 'active') this.add(after);
  }

  private add(key: ActiveKey): void {
    const { tenantId, keyId, scopes, expiresAt } = key;
    const cached: CachedKey = deepFreeze({ tenantId, keyId, scopes: [...scopes], expiresAt, expiresAtMs: expiryInstant(expiresAt), status: 'active' as const });
    const others = this.keys(key.keyHash).filter((other) => !(other.tenantId === tenantId && other.keyId === keyId));
    this.byHash.set(key.keyHash, Object.freeze([...others, cached].sort(byDocumentId)));
  }

  private remove(key: ActiveKey): void {
    const rest = this.keys(key.keyHash).filter((other) => !(other.tenantId === key.tenantId && other.keyId === key.keyId));
    if (rest.length === 0) this.byHash.delete(key.keyHash);
    else this.byHash.set(key.keyHash, Object.freeze(rest));
  }
}
