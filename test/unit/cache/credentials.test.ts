import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { isExpired } from '../../../domain/apikey/state.js';
import { SqliteEventStore } from '../../../engines/eventstore/sqlite/index.js';
import { SqliteReadModelStore } from '../../../engines/readmodel/sqlite/index.js';
import { ApiKeyCredentials, apiKeysProjection, tenantsProjection } from '../../../projections/index.js';
import { CachedCredentials, GatewayState, expiryInstant, isKeyUsable, isUnexpiredAt } from '../../../projections/cache/index.js';
import { ProjectionRunner } from '../../../projections/runtime/index.js';
import { waitFor } from '../../support/wait.js';
import { at, commandsOn, freshId, freshSecret, sha } from './commands.js';

const WAIT_MS = 2000;

describe('CachedCredentials (gateway cache)', () => {
  let store: SqliteEventStore;
  let state: GatewayState;
  let credentials: CachedCredentials;
  let cmd: ReturnType<typeof commandsOn>;
  const now = new Date(at(60));

  beforeEach(async () => {
    store = await SqliteEventStore.open({ path: ':memory:' });
    cmd = commandsOn(store);
    state = new GatewayState({ eventStore: store });
    credentials = new CachedCredentials(state);
  });
  afterEach(async () => {
    await state.stop();
    await store.close();
  });

  const started = async () => {
    state.start();
    await state.ready;
  };
  /** Read-your-writes: the lookup runs once the cache has applied the event at `position`. */
  const find = async (secret: string, position: number, when = now) => {
    await state.waitForPosition(position, WAIT_MS);
    return credentials.findUsableKey(sha(secret), when);
  };

  it('authenticates a key issued before start (catch-up) and one issued after (live)', async () => {
    const tenantId = freshId();
    const [before, after] = [freshSecret(), freshSecret()];
    await cmd.registerTenant(tenantId);
    await cmd.issueKey(tenantId, 'early', before);
    await started();
    expect(await credentials.findUsableKey(sha(before), now)).to.deep.equal({ tenantId, keyId: 'early', scopes: ['inference', 'admin-read'] });
    const position = await cmd.issueKey(tenantId, 'late', after);
    expect(await find(after, position)).to.include({ tenantId, keyId: 'late' });
  });

  it('refuses a revoked key from the revocation on', async () => {
    await started();
    const tenantId = freshId();
    const secret = freshSecret();
    await cmd.registerTenant(tenantId);
    expect(await find(secret, await cmd.issueKey(tenantId, 'k', secret))).to.not.equal(null);
    expect(await find(secret, await cmd.revokeKey(tenantId, 'k'))).to.equal(null);
    expect(state.key(sha(secret)), 'the hash left the cache').to.equal(null);
  });

  it('accepts only the current secret of a rotated key', async () => {
    await started();
    const tenantId = freshId();
    const [old, current] = [freshSecret(), freshSecret()];
    await cmd.registerTenant(tenantId);
    await cmd.issueKey(tenantId, 'k', old);
    const position = await cmd.rotateKey(tenantId, 'k', current);
    expect(await find(old, position)).to.equal(null);
    expect(state.key(sha(old))).to.equal(null);
    expect(await find(current, position)).to.include({ keyId: 'k' });
  });

  it('refuses an expired key, at the expiry instant itself too', async () => {
    await started();
    const tenantId = freshId();
    const secret = freshSecret();
    await cmd.registerTenant(tenantId);
    const position = await cmd.issueKey(tenantId, 'k', secret, { expiresAt: at(60) });
    expect(await find(secret, position, new Date(Date.parse(at(60)) - 1))).to.include({ keyId: 'k' });
    expect(await find(secret, position, new Date(at(60)))).to.equal(null);
    expect(await find(secret, position, new Date(at(61)))).to.equal(null);
  });

  it("refuses a closed tenant's keys, accepts a suspended tenant's, and refuses keys of an unknown tenant", async () => {
    await started();
    const [closed, suspended, unknown] = [freshId(), freshId(), freshId()];
    const secrets = { closed: freshSecret(), suspended: freshSecret(), unknown: freshSecret() };
    await cmd.registerTenant(closed);
    await cmd.registerTenant(suspended);
    await cmd.issueKey(closed, 'k', secrets.closed);
    await cmd.issueKey(suspended, 'k', secrets.suspended);
    await cmd.issueKey(unknown, 'k', secrets.unknown); // bypasses the API's tenant guard on purpose
    await cmd.tenant('SuspendTenant', { tenantId: suspended, reason: 'unpaid' });
    const position = await cmd.tenant('CloseTenant', { tenantId: closed, reason: 'contract ended' });
    expect(await find(secrets.closed, position)).to.equal(null);
    expect(await find(secrets.suspended, position)).to.include({ tenantId: suspended });
    expect(await find(secrets.unknown, position)).to.equal(null);
    expect(await find('never-issued', position)).to.equal(null);
    expect(state.tenant(closed)).to.include({ status: 'closed' });
  });

  it('waits for the first catch-up instead of refusing a valid key during start-up', async () => {
    const tenantId = freshId();
    const secret = freshSecret();
    await cmd.registerTenant(tenantId);
    await cmd.issueKey(tenantId, 'k', secret);
    const pending = credentials.findUsableKey(sha(secret), now);
    state.start();
    expect(await pending).to.include({ keyId: 'k' });
  });

  it('fails closed when the cache never becomes ready within the bound', async () => {
    const idle = new GatewayState({ eventStore: store });
    expect(await new CachedCredentials(idle, { readyTimeoutMs: 20 }).findUsableKey(sha('anything'), now)).to.equal(null);
  });

  it('gives the same answers as the read-model directory for every key, tenant and instant', async () => {
    const readModels = await SqliteReadModelStore.open({ path: ':memory:' });
    const runner = new ProjectionRunner({ eventStore: store, store: readModels, projections: [tenantsProjection, apiKeysProjection] });
    try {
      const [open, paused, closed] = [freshId(), freshId(), freshId()];
      const secrets: string[] = ['never-issued'];
      for (const tenantId of [open, paused, closed]) {
        await cmd.registerTenant(tenantId);
        for (const [keyId, expiresAt] of [['forever', null], ['expiring', at(60)]] as const) {
          const secret = freshSecret();
          secrets.push(secret);
          await cmd.issueKey(tenantId, keyId, secret, { expiresAt });
        }
        const [old, rotated, revoked] = [freshSecret(), freshSecret(), freshSecret()];
        secrets.push(old, rotated, revoked);
        await cmd.issueKey(tenantId, 'rotated', old);
        await cmd.rotateKey(tenantId, 'rotated', rotated);
        await cmd.issueKey(tenantId, 'revoked', revoked);
        await cmd.revokeKey(tenantId, 'revoked');
      }
      await cmd.tenant('SuspendTenant', { tenantId: paused, reason: 'unpaid' });
      const head = await cmd.tenant('CloseTenant', { tenantId: closed, reason: 'gone' });
      await started();
      await runner.start();
      await runner.waitForPosition(head, { timeoutMs: WAIT_MS });
      await state.waitForPosition(head, WAIT_MS);
      const reference = new ApiKeyCredentials(readModels);
      let usable = 0;
      for (const secret of secrets) {
        for (const when of [at(0), at(59), new Date(Date.parse(at(60)) - 1).toISOString(), at(60), at(3600)]) {
          const expected = await reference.findUsableKey(sha(secret), new Date(when));
          expect(await credentials.findUsableKey(sha(secret), new Date(when)), `${secret} at ${when}`).to.deep.equal(expected);
          if (expected !== null) usable++;
        }
      }
      expect(usable, 'the comparison covers usable keys too').to.be.greaterThan(10);
    } finally {
      await runner.stop();
      await readModels.close();
    }
  });

  describe('across processes sharing one event-store file', () => {
    let dir: string;
    let other: SqliteEventStore;

    beforeEach(async () => {
      await state.stop();
      await store.close();
      dir = await mkdtemp(join(tmpdir(), 'nexus-cache-'));
      // Two instances on one file, as two gateway processes would have: no in-process commit notification between them.
      store = await SqliteEventStore.open({ path: join(dir, 'events.db') });
      other = await SqliteEventStore.open({ path: join(dir, 'events.db') });
      cmd = commandsOn(store);
      state = new GatewayState({ eventStore: store });
      credentials = new CachedCredentials(state);
    });
    afterEach(async () => {
      await state.stop();
      await other.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("honours a revocation appended by another process within 1 s", async () => {
      const tenantId = freshId();
      const secret = freshSecret();
      await cmd.registerTenant(tenantId);
      await cmd.issueKey(tenantId, 'k', secret);
      await started();
      expect(await credentials.findUsableKey(sha(secret), now)).to.include({ keyId: 'k' });

      const revokedAt = Date.now();
      await commandsOn(other).revokeKey(tenantId, 'k');
      await waitFor(async () => (await credentials.findUsableKey(sha(secret), now)) === null, { timeoutMs: 1000, description: 'the revocation from the other process' });
      expect(Date.now() - revokedAt).to.be.lessThan(1000);
    });
  });
});

describe('key rules (projections/cache/key-rules.ts)', () => {
  it('agree with the aggregate on expiry, the expiry instant itself included', () => {
    const expiresAt = '2025-06-01T10:01:00.000Z';
    for (const now of ['2025-06-01T10:00:59.999Z', expiresAt, '2025-06-01T10:01:00.001Z', '2025-06-01T12:01:00.000+02:00']) {
      expect(isUnexpiredAt(expiryInstant(expiresAt), Date.parse(now)), now).to.equal(!isExpired(expiresAt, now));
    }
    expect(isUnexpiredAt(expiryInstant(null), 0)).to.equal(true);
  });

  it('fail closed on what cannot be read', () => {
    const now = new Date('2025-06-01T10:00:00.000Z');
    expect(isKeyUsable({ status: 'active', expiresAt: 'soon' }, 'active', now)).to.equal(false);
    expect(isKeyUsable({ status: 'active', expiresAt: 42 }, 'active', now)).to.equal(false);
    expect(isKeyUsable({ status: 'revoked', expiresAt: null }, 'active', now)).to.equal(false);
    expect(isKeyUsable({ status: 'active', expiresAt: null }, undefined, now)).to.equal(false);
    expect(isKeyUsable({ status: 'active', expiresAt: null }, 'closed', now)).to.equal(false);
    expect(isKeyUsable({ status: 'active', expiresAt: null }, 'suspended', now)).to.equal(true);
  });
});
