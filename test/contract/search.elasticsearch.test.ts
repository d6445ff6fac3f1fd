import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import pino from 'pino';
import { SqliteEventStore } from '../../engines/eventstore/sqlite/index.js';
import { ElasticsearchSearch } from '../../engines/search/elasticsearch/index.js';
import { SearchIndexNotFoundError, SearchUnavailableError } from '../../engines/search/port.js';
import { auditSearchIndexer } from '../../projections/auditSearch/index.js';
import { type ElasticsearchServer, startElasticsearchOrSkip } from '../support/elasticsearch.js';
import { searchContract } from './search.contract.js';

/**
 * The Elasticsearch adapter against NEXUS_ELASTICSEARCH_URL, or against the node
 * ops/engines/elasticsearch.sh starts (stopped afterwards only if this suite started it).
 * Without either the suite is pending, unless NEXUS_REQUIRE_ELASTICSEARCH=1. Every test
 * works in fresh aliases and drops its indices, so a shared node stays clean.
 */
describe('ElasticsearchSearch (real Elasticsearch)', function () {
  let server: ElasticsearchServer | undefined;
  const node = () => server?.url ?? expect.fail('Elasticsearch is not running');

  before(async function () {
    this.timeout(200_000);
    server = await startElasticsearchOrSkip(this);
  });
  after(async function () {
    this.timeout(60_000);
    await server?.stop();
  });

  searchContract('ElasticsearchSearch', async () => {
    const search = await ElasticsearchSearch.connect({ node: node() });
    return { search, cleanup: () => search.close() };
  });

  it('carries the audit trail into Elasticsearch and rebuilds it blue/green', async function () {
    this.timeout(60_000);
    const search = await ElasticsearchSearch.connect({ node: node() });
    const store = await SqliteEventStore.open({ path: ':memory:' });
    const alias = `audit-es-${randomBytes(4).toString('hex')}`;
    const indexer = auditSearchIndexer({ eventStore: store, search, logger: pino({ enabled: false }) }, { alias, batchSize: 50 });
    try {
      for (let i = 0; i < 120; i++) {
        const metadata = { tenantId: 't_es', occurredAt: new Date(Date.UTC(2025, 2, 1, 0, i)).toISOString(), actor: 'admin', hash: 'f'.repeat(64) };
        await store.appendToStream(`policy-t_es.p${i % 7}`, [{ eventId: randomUUID(), type: 'PolicyRenamed', data: { name: `policy number ${i}` }, metadata }], 'any');
      }
      await indexer.start();
      await indexer.waitForPosition(await store.headPosition(), 30_000);
      const found = await search.search(alias, { tenantId: 't_es', text: 'number 77', textOperator: 'and' });
      expect(found.hits.map((hit) => hit.doc.streamId)).to.deep.equal(['policy-t_es.p0']);
      expect((await search.search(alias, { tenantId: 't_es', size: 0 })).total).to.equal(120);

      expect(await indexer.rebuild()).to.include({ fromVersion: 1, toVersion: 2 });
      expect(await search.resolveAlias(alias)).to.equal(`${alias}-v2`);
      expect((await search.search(alias, { tenantId: 't_es', size: 0 })).total).to.equal(120);
      await expectMissing(search, `${alias}-v1`);
    } finally {
      await indexer.stop();
      await search.dropIndex(`${alias}-v1`);
      await search.dropIndex(`${alias}-v2`);
      await search.deleteCheckpoint(`${alias}-v2`);
      await store.close();
      await search.close();
    }
  });
});

async function expectMissing(search: ElasticsearchSearch, index: string): Promise<void> {
  const error = await search.search(index, { tenantId: 't_es' }).catch((e: unknown) => e);
  expect(error).to.be.instanceOf(SearchIndexNotFoundError);
}

describe('ElasticsearchSearch start-up errors (no server needed)', () => {
  it('rejects an unreachable URL at connect with SearchUnavailableError naming it', async () => {
    const port = await closedPort();
    const error = await ElasticsearchSearch.connect({ node: `http://127.0.0.1:${port}`, requestTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(SearchUnavailableError).and.include({ operation: 'connect', failure: 'connection' });
    expect((error as Error).message).to.include(`127.0.0.1:${port}`);
  });

  it('rejects a malformed URL at connect, without echoing credentials', async () => {
    const error = await ElasticsearchSearch.connect({ node: 'not a url' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(SearchUnavailableError);
    const withSecret = await ElasticsearchSearch.connect({ node: `http://user:s3cret@127.0.0.1:${await closedPort()}`, requestTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(withSecret).to.be.instanceOf(SearchUnavailableError);
    expect((withSecret as Error).message).not.to.include('s3cret');
  });
});

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
