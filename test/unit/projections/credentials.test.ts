import { expect } from 'chai';
import { afterEach, beforeEach, describe, it } from 'mocha';
import type { RecordedEvent } from '../../../engines/eventstore/port.js';
import { SqliteReadModelStore } from '../../../engines/readmodel/sqlite/index.js';
import { ApiKeyCredentials, apiKeysProjection, tenantsProjection } from '../../../projections/index.js';
import type { Projection } from '../../../projections/runtime/projection.js';
import { at, eventLog, project, sha } from './recorded-events.js';

describe('ApiKeyCredentials', () => {
  let store: SqliteReadModelStore;
  const now = new Date(at(60));
  const record = eventLog();
  const key = (tenantId: string, keyId: string, secret: string, expiresAt: string | null = null): RecordedEvent =>
    record(`apikey-${tenantId}.${keyId}`, {
      type: 'ApiKeyIssued',
      data: { tenantId, keyId, name: keyId, scopes: ['inference', 'admin-read'], keyPrefix: 'nx_abcdefgh', keyHash: sha(secret), expiresAt },
    }, at(0));
  const tenant = (tenantId: string): RecordedEvent =>
    record(`tenant-${tenantId}.${tenantId}`, { type: 'TenantRegistered', data: { tenantId, name: tenantId, dataRegion: 'eu' } }, at(0), 2);

  async function write(projection: Projection, physical: string, events: readonly RecordedEvent[]): Promise<void> {
    const docs = project(projection, events);
    await store.commit([...docs].map(([id, doc]) => ({ collection: physical, id, doc })), { name: `${projection.name}@v1`, position: events.length });
    await store.setAlias(projection.collection, physical);
  }

  beforeEach(async () => {
    store = await SqliteReadModelStore.open({ path: ':memory:' });
    await write(tenantsProjection, 'tenants_v1', [
      tenant('acme'),
      tenant('gone'),
      record('tenant-gone.gone', { type: 'TenantClosed', data: { tenantId: 'gone', reason: 'contract ended' } }, at(1)),
      tenant('paused'),
      record('tenant-paused.paused', { type: 'TenantSuspended', data: { tenantId: 'paused', reason: 'unpaid' } }, at(1)),
    ]);
    await write(apiKeysProjection, 'apiKeys_v3', [
      key('acme', 'live', 'live-secret'),
      key('acme', 'revoked', 'revoked-secret'),
      record('apikey-acme.revoked', { type: 'ApiKeyRevoked', data: { tenantId: 'acme', keyId: 'revoked', reason: 'leaked' } }, at(1)),
      key('acme', 'expired', 'expired-secret', at(30)),
      key('acme', 'expiring', 'expiring-secret', at(60)),
      key('acme', 'later', 'later-secret', at(61)),
      key('gone', 'k', 'closed-tenant-secret'),
      key('paused', 'k', 'paused-tenant-secret'),
      key('acme', 'rotated', 'old-secret'),
      record('apikey-acme.rotated', { type: 'ApiKeyRotated', data: { tenantId: 'acme', keyId: 'rotated', keyPrefix: 'nx_newnewne', keyHash: sha('new-secret') } }, at(2)),
    ]);
  });
  afterEach(() => store.close());

  const find = (secret: string) => new ApiKeyCredentials(store).findUsableKey(sha(secret), now);

  it('finds an active key through the collection alias', async () => {
    expect(await find('live-secret')).to.deep.equal({ tenantId: 'acme', keyId: 'live', scopes: ['inference', 'admin-read'] });
    expect(await find('later-secret')).to.include({ keyId: 'later' });
  });

  it('refuses revoked, expired (at the expiry instant too) and unknown keys', async () => {
    for (const secret of ['revoked-secret', 'expired-secret', 'expiring-secret', 'never-issued']) expect(await find(secret), secret).to.equal(null);
  });

  it('refuses keys of a closed tenant but not of a suspended one', async () => {
    expect(await find('closed-tenant-secret')).to.equal(null);
    expect(await find('paused-tenant-secret')).to.include({ tenantId: 'paused' });
  });

  it('accepts only the current secret of a rotated key', async () => {
    expect(await find('old-secret')).to.equal(null);
    expect(await find('new-secret')).to.include({ keyId: 'rotated' });
  });

  it('finds nothing before the projection has published its collection', async () => {
    const empty = await SqliteReadModelStore.open({ path: ':memory:' });
    try {
      expect(await new ApiKeyCredentials(empty).findUsableKey(sha('live-secret'), now)).to.equal(null);
    } finally {
      await empty.close();
    }
  });
});
