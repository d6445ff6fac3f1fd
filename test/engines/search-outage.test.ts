import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import type { EventStore } from '../../engines/eventstore/port.js';
import { SqliteEventStore } from '../../engines/eventstore/sqlite/index.js';
import { ElasticsearchSearch } from '../../engines/search/elasticsearch/index.js';
import { auditSearchIndexer, type SearchIndexer } from '../../projections/auditSearch/index.js';
import { seedDomainEvents } from '../../ops/bench/seed-domain-events.js';
import { elasticsearchInstalled } from '../support/elasticsearch.js';
import { appendTenantActivity } from '../support/relay.js';
import { freePort } from '../support/redis-server.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../ops/engines/elasticsearch.sh');
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The audit index through an Elasticsearch outage, on a node of this suite's own (own port and
 * data folder, so stopping it never stops a server another suite uses): while the node is
 * down the indexer pauses without moving its checkpoint; after the restart it catches up, and
 * the index then holds exactly what a full rebuild from position 0 gives.
 */
describe('audit search index through an Elasticsearch outage', function () {
  this.timeout(600_000);
  let env: Record<string, string>;
  let dir: string;
  let url: string;
  let store: EventStore;
  let search: ElasticsearchSearch;
  let indexer: SearchIndexer;
  const node = (command: 'start' | 'stop') => run(SCRIPT, [command], { timeout: 240_000, env: { ...process.env, ...env } });

  before(async function () {
    if (!elasticsearchInstalled()) {
      if (process.env.NEXUS_REQUIRE_ELASTICSEARCH === '1') throw new Error('NEXUS_REQUIRE_ELASTICSEARCH=1 but Elasticsearch is not installed');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'nexus-es-outage-'));
    env = { NEXUS_ELASTICSEARCH_PORT: String(await freePort()), NEXUS_ELASTICSEARCH_DIR: join(dir, 'node') };
    const { stdout } = await node('start');
    url = /^NEXUS_ELASTICSEARCH_URL=(\S+)$/m.exec(stdout)?.[1] ?? expect.fail(`no URL printed:\n${stdout}`);
    store = await SqliteEventStore.open({ path: join(dir, 'events.db') });
    search = await ElasticsearchSearch.connect({ node: url });
  });

  after(async () => {
    await indexer?.stop();
    await search?.close();
    await store?.close();
    if (env) await node('stop').catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('pauses while the node is down, then catches up to what a full rebuild gives', async () => {
    await seedDomainEvents(store, { tenants: 6, spendsPerBudget: 5, deployments: 2, priceChanges: 2 });
    indexer = auditSearchIndexer({ eventStore: store, search, logger: silent }, { alias: 'outage-audit', backoff: { initialMs: 100, maxMs: 1_000 } });
    await indexer.start();
    await indexer.waitForPosition(await store.headPosition(), 60_000);
    const before = (await indexer.status()).checkpoint;

    await node('stop');
    for (const tenant of ['outage-a', 'outage-b', 'outage-c']) await appendTenantActivity(store, tenant, 20);
    const head = await store.headPosition();
    await waitFor(async () => (await indexer.status()).state === 'paused', { description: 'the indexer to pause', timeoutMs: 60_000 });
    expect((await indexer.status()).checkpoint, 'no progress while the node is down').to.equal(before);

    await node('start');
    await indexer.waitForPosition(head, 120_000);
    expect((await indexer.status()).state).to.equal('running');

    const rebuilt = auditSearchIndexer({ eventStore: store, search, logger: silent }, { alias: 'outage-audit-rebuilt' });
    await rebuilt.start();
    await rebuilt.waitForPosition(head, 120_000);
    await rebuilt.stop();
    expect(await everyDocument('outage-audit-v1')).to.deep.equal(await everyDocument('outage-audit-rebuilt-v1'));
  });

  /** Every document of a physical index, by id, read straight from the node (not through the port under test). */
  async function everyDocument(index: string): Promise<Record<string, unknown>> {
    await fetch(`${url}/${index}/_refresh`, { method: 'POST' });
    const response = await fetch(`${url}/${index}/_search?size=10000&sort=position:asc`);
    const body = (await response.json()) as { hits: { hits: { _id: string; _source: Record<string, unknown> }[] } };
    expect(body.hits.hits.length).to.be.greaterThan(0);
    return Object.fromEntries(body.hits.hits.map((hit) => [hit._id, hit._source]));
  }
});
