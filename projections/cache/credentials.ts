import type { CredentialDirectory } from '../../api/http/authenticate.js';
import type { GatewayState } from './gateway-state.js';
import { isKeyUsableAt } from './key-rules.js';

type UsableKey = { tenantId: string; keyId: string; scopes: readonly string[] };

export interface CachedCredentialsOptions {
  /**
   * How long a lookup made before the cache's first catch-up waits for it. Answering at once
   * would refuse every valid key during start-up with a 401 the client cannot tell from a
   * bad key; waiting bounded keeps the cost to a slow first request. Default 5000 ms; after
   * it the lookup fails closed (null).
   */
  readonly readyTimeoutMs?: number;
}

/**
 * The credential directory of the hot path: one map read for the key, one for its tenant,
 * no I/O. Same rules as the read-model directory (projections/apiKeys/credentials.ts), from
 * the same pure functions (key-rules.ts): active, unexpired at `now` (the expiry instant is
 * already expired), tenant known and not closed; a suspended tenant's keys authenticate.
 *
 * Staleness: exactly that of the GatewayState (see there). A revocation is honoured by
 * every lookup made after the cache's position passes the revocation's.
 */
export class CachedCredentials implements CredentialDirectory {
  constructor(
    private readonly state: GatewayState,
    private readonly options: CachedCredentialsOptions = {},
  ) {}

  async findUsableKey(keyHash: string, now: Date): Promise<UsableKey | null> {
    if (!this.state.isReady && !(await this.readyInTime())) return null;
    const nowMs = now.getTime();
    for (const key of this.state.keys(keyHash)) {
      if (!isKeyUsableAt(key.status, key.expiresAtMs, this.state.tenant(key.tenantId)?.status, nowMs)) continue;
      return { tenantId: key.tenantId, keyId: key.keyId, scopes: key.scopes };
    }
    return null;
  }

  private async readyInTime(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.options.readyTimeoutMs ?? 5000);
    });
    try {
      return await Promise.race([this.state.ready.then(() => true, () => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
