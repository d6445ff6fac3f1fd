import { expect } from 'chai';
import pino from 'pino';
import { SqliteEventStore } from '../../../engines/eventstore/sqlite/index.js';
import type { RecordedEvent } from '../../../engines/eventstore/port.js';
import { MemorySearch } from '../../../engines/search/memory/index.js';
import { SearchQueryError, SearchUnavailableError, type SearchDoc, type SearchPort, type WriteOptions } from '../../../engines/search/port.js';
import { AUDIT_SEARCH_MAPPING, auditSearchDoc, SearchIndexer } from '../../../projections/auditSearch/index.js';
import { waitFor } from '../../support/wait.js';
import { append, freshTenant, tenantStream } from './fixtures.js';

const silent = pino({ enabled: false });

function recorded(overrides: Partial<RecordedEvent>): RecordedEvent {
  return {
    eventId: 'e-1',
    streamId: 'apikey-t_acme.key_1',
    revision: 3,
    position: 42,
    type: 'ApiKeyIssued',
    data: { name: 'CI key', scopes: ['admin-read'], keyHash: 'f'.repeat(64), nested: { contentHash: 'a'.repeat(64), note: 'rotated quarterly' } },
    metadata: { tenantId: 't_acme', actor: 'admin', correlationId: 'c-1', occurredAt: '2025-03-01T10:00:00.000Z', schemaVersion: 1, prevHash: '0'.repeat(64), hash: 'b'.repeat(64) },
    recordedAt: '2025-03-01T10:00:01.000Z',
    ...overrides,
  };
}

describe('audit search document', () => {
  it('flattens the data into words, keeps the envelope as exact fields, and has a stable id', () => {
    const doc = auditSearchDoc(recorded({}));
    expect(doc).to.include({ id: 'apikey-t_acme.key_1@3', tenantId: 't_acme', category: 'apikey', type: 'ApiKeyIssued', position: 42, revision: 3, actor: 'admin', hash: 'b'.repeat(64) });
    expect(doc?.text).to.include('name: CI key').and.include('scopes: admin-read').and.include('note: rotated quarterly');
  });

  it('leaves hashes out of the full text (API key hashes, content digests)', () => {
    const text = String(auditSearchDoc(recorded({}))?.text);
    expect(text).not.to.include('f'.repeat(16));
    expect(text).not.to.include('a'.repeat(16));
  });

  it('takes the tenant from the stream id, from metadata for other streams, and skips events of no tenant', () => {
    expect(auditSearchDoc(recorded({ metadata: { tenantId: 't_other' } }))?.tenantId, 'the stream id wins').to.equal('t_acme');
    expect(auditSearchDoc(recorded({ streamId: 'legacy_stream' }))?.tenantId).to.equal('t_acme');
    expect(auditSearchDoc(recorded({ streamId: 'legacy_stream', metadata: {} }))).to.equal(null);
  });

  it('fits its own mapping (the in-process adapter checks every field)', async () => {
    const search = new MemorySearch();
    await search.ensureIndex('audit', 1, AUDIT_SEARCH_MAPPING);
    await search.index('audit', [auditSearchDoc(recorded({ metadata: {} })) as SearchDoc, auditSearchDoc(recorded({ revision: 4 })) as SearchDoc]);
  });
});

/** A search port whose writes fail as an unavailable engine would, while `down` is set. */
class FlakySearch extends MemorySearch {
  down = false;
  refused = new Set<string>();
  failures = 0;
  override async index(target: string, docs: readonly SearchDoc[], options?: WriteOptions): Promise<void> {
    if (this.down) {
      this.failures += 1;
      throw new SearchUnavailableError('index', 'connection');
    }
    if (docs.some((doc) => this.refused.has(doc.id))) throw new SearchQueryError('refused');
    return super.index(target, docs, options);
  }
}

describe('SearchIndexer (audit trail into the search port)', () => {
  let store: SqliteEventStore;
  let search: FlakySearch;
  const indexers: SearchIndexer[] = [];
  const alias = 'audit-test';

  const indexer = (version = 1): SearchIndexer => {
    const created = new SearchIndexer({ eventStore: store, search, alias, version, mapping: AUDIT_SEARCH_MAPPING, toDocument: auditSearchDoc, logger: silent, batchSize: 3, backoff: { initialMs: 5, maxMs: 20 } });
    indexers.push(created);
    return created;
  };
  const ids = async (tenantId: string, target = alias) => (await search.search(target, { tenantId, size: 100, sort: { field: 'position', direction: 'asc' } })).hits.map((hit) => hit.doc.type);

  beforeEach(async () => {
    store = await SqliteEventStore.open({ path: ':memory:' });
    search = new FlakySearch();
  });
  afterEach(async () => {
    for (const running of indexers.splice(0)) await running.stop();
    await store.close();
  });

  it('indexes every event of the store and finds it by tenant and words', async () => {
    const tenant = freshTenant();
    await append(store, tenantStream(tenant), 'TenantRegistered', { name: 'Acme Rockets' });
    const head = await append(store, tenantStream(tenant), 'TenantRenamed', { name: 'Acme Spaceships' });
    const running = indexer();
    await running.start();
    await running.waitForPosition(head, 5000);
    expect(await ids(tenant)).to.deep.equal(['TenantRegistered', 'TenantRenamed']);
    expect((await search.search(alias, { tenantId: tenant, text: 'spaceships' })).hits.map((hit) => hit.doc.type)).to.deep.equal(['TenantRenamed']);
    expect(await ids(freshTenant())).to.deep.equal([]);
    expect(await search.getCheckpoint(`${alias}-v1`)).to.equal(head);
  });

  it('with a category filter, indexes only those categories and still reaches the head past the others', async () => {
    const tenant = freshTenant();
    const filtered = new SearchIndexer({ eventStore: store, search, alias, version: 1, mapping: AUDIT_SEARCH_MAPPING, toDocument: auditSearchDoc, logger: silent, categories: ['tenant'] });
    indexers.push(filtered);
    await filtered.start();
    await append(store, tenantStream(tenant), 'TenantRegistered', { name: 'Acme Rockets' });
    const head = await append(store, `inference-${tenant}.req1`, 'InferenceCompleted', { requestId: 'req1' });
    await filtered.waitForPosition(head, 5000);
    expect(await ids(tenant)).to.deep.equal(['TenantRegistered']);
  });

  it('pauses while the engine is down, without moving its checkpoint, then catches up', async () => {
    const tenant = freshTenant();
    const running = indexer();
    await running.start();
    search.down = true;
    let head = 0;
    for (let i = 0; i < 7; i++) head = await append(store, tenantStream(tenant), 'TenantRenamed', { name: `name ${i}` });
    await waitFor(() => search.failures >= 3, { timeoutMs: 5000, description: 'retries against the down engine' });
    expect((await running.status()).state).to.equal('paused');
    expect(await search.getCheckpoint(`${alias}-v1`)).to.equal(0);
    search.down = false;
    await running.waitForPosition(head, 5000);
    expect(await ids(tenant)).to.have.length(7);
    expect((await running.status())).to.include({ state: 'running', lag: 0, lastError: null });
  });

  it('resumes from its stored checkpoint after a restart', async () => {
    const tenant = freshTenant();
    await append(store, tenantStream(tenant), 'TenantRegistered', { name: 'first' });
    const first = indexer();
    await first.start();
    await first.waitForPosition(await store.headPosition(), 5000);
    await first.stop();
    const indexed: string[] = [];
    const spy = search.index.bind(search);
    search.index = async (target, docs, options) => {
      indexed.push(...docs.map((doc) => String(doc.type)));
      return spy(target, docs, options);
    };
    const head = await append(store, tenantStream(tenant), 'TenantRenamed', { name: 'second' });
    const second = indexer();
    await second.start();
    await second.waitForPosition(head, 5000);
    expect(indexed).to.deep.equal(['TenantRenamed']);
    expect(await ids(tenant)).to.deep.equal(['TenantRegistered', 'TenantRenamed']);
  });

  it('skips (dead-letters) an event the engine refuses, and keeps going', async () => {
    const tenant = freshTenant();
    await append(store, tenantStream(tenant), 'TenantRegistered', { name: 'ok' });
    search.refused.add(`${tenantStream(tenant)}@1`);
    await append(store, tenantStream(tenant), 'Poison', {});
    const head = await append(store, tenantStream(tenant), 'TenantRenamed', { name: 'still ok' });
    const running = indexer();
    await running.start();
    await running.waitForPosition(head, 5000);
    expect(await ids(tenant)).to.deep.equal(['TenantRegistered', 'TenantRenamed']);
    expect((await running.status()).deadLetters).to.equal(1);
  });

  it('rebuilds blue/green: v2 from position 0 beside v1, then the alias switches and v1 is dropped', async () => {
    const tenant = freshTenant();
    for (let i = 0; i < 5; i++) await append(store, tenantStream(tenant), 'TenantRenamed', { name: `n${i}` });
    const running = indexer();
    await running.start();
    await running.waitForPosition(await store.headPosition(), 5000);
    const result = await running.rebuild();
    expect(result).to.include({ fromVersion: 1, toVersion: 2 });
    expect(await search.resolveAlias(alias)).to.equal(`${alias}-v2`);
    expect(await ids(tenant)).to.have.length(5);
    expect(await search.getCheckpoint(`${alias}-v1`)).to.equal(0);
    const head = await append(store, tenantStream(tenant), 'TenantRenamed', { name: 'after the switch' });
    await running.waitForPosition(head, 5000);
    expect(await ids(tenant)).to.have.length(6);
  });

  it('builds the code version beside an older live index on start, and switches to it', async () => {
    const tenant = freshTenant();
    const head = await append(store, tenantStream(tenant), 'TenantRegistered', { name: 'versioned' });
    const old = indexer(1);
    await old.start();
    await old.waitForPosition(head, 5000);
    await old.stop();
    const upgraded = indexer(2);
    await upgraded.start();
    await waitFor(async () => (await search.resolveAlias(alias)) === `${alias}-v2`, { timeoutMs: 5000, description: 'the switch to v2' });
    expect(await ids(tenant)).to.deep.equal(['TenantRegistered']);
    expect((await upgraded.status()).version).to.equal(2);
  });
});
