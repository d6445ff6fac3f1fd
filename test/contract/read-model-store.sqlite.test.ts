import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SqliteReadModelStore } from '../../engines/readmodel/sqlite/index.js';
import { readModelStoreContract } from './read-model-store.contract.js';

readModelStoreContract('SqliteReadModelStore (:memory:)', async () => {
  const store = await SqliteReadModelStore.open({ path: ':memory:' });
  return { store, cleanup: () => store.close() };
});

readModelStoreContract('SqliteReadModelStore (file, WAL)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-readmodel-'));
  const store = await SqliteReadModelStore.open({ path: join(dir, 'read.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteReadModelStore durability', () => {
  it('keeps documents, checkpoints and aliases across a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexus-readmodel-'));
    const path = join(dir, 'read.db');
    try {
      const first = await SqliteReadModelStore.open({ path });
      await first.commit([{ collection: 'tenants_v1', id: 'a', doc: { id: 'a', tenantId: 't_1', _position: 3 } }], { name: 'tenants@v1', position: 3 });
      await first.setAlias('tenants', 'tenants_v1');
      await first.close();
      const second = await SqliteReadModelStore.open({ path });
      expect(await second.get('tenants_v1', 'a')).to.deep.equal({ id: 'a', tenantId: 't_1', _position: 3 });
      expect(await second.getCheckpoint('tenants@v1')).to.equal(3);
      expect(await second.getAlias('tenants')).to.equal('tenants_v1');
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rolls back the whole commit, checkpoint included, when one write fails', async () => {
    const store = await SqliteReadModelStore.open({ path: ':memory:' });
    const good = { id: 'a', tenantId: 't_1', _position: 1 };
    // A BigInt cannot be serialised, so the second write throws inside the transaction.
    const unserialisable = { id: 'b', tenantId: 't_1', _position: 1, big: 1n };
    let failed = false;
    try {
      await store.commit([{ collection: 'c', id: 'a', doc: good }, { collection: 'c', id: 'b', doc: unserialisable }], { name: 'cp', position: 1 });
    } catch {
      failed = true;
    }
    expect(failed).to.equal(true);
    expect(await store.get('c', 'a')).to.equal(null);
    expect(await store.getCheckpoint('cp')).to.equal(0);
    await store.close();
  });
});
