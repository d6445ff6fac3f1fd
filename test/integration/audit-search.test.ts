import { expect } from 'chai';
import pino from 'pino';
import type { AppDeps } from '../../api/deps.js';
import { MemorySearch } from '../../engines/search/memory/index.js';
import { SearchUnavailableError, type SearchPort, type SearchResult } from '../../engines/search/port.js';
import { auditSearchIndexer, type SearchIndexer } from '../../projections/auditSearch/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { populatedTenant, type TenantFixture } from '../support/fixtures.js';

type Item = { type: string; tenantId: string; position: number; streamId: string; score: number | null };

/**
 * GET /admin/audit/search over HTTP. The search port is attached to the running app here
 * (an embedded MemorySearch fed by this test's own SearchIndexer; routes read deps.search per
 * request), so the route is tested whether or not bootstrap wires one; whatever bootstrap
 * set is put back afterwards.
 */
describe('audit search: full text over the audit trail', () => {
  let app: TestApp;
  let victim: TenantFixture;
  let intruder: TenantFixture;
  let indexer: SearchIndexer;
  let wired: SearchPort | undefined;
  const search = new MemorySearch();
  const deps = (): { search?: SearchPort } => app.nexus.deps as AppDeps & { search?: SearchPort };
  const attach = (port: SearchPort | undefined) => Object.assign(app.nexus.deps, { search: port });

  before(async function () {
    this.timeout(60_000);
    app = await startTestApp();
    victim = await populatedTenant(app);
    intruder = await populatedTenant(app);
    wired = deps().search;
    indexer = auditSearchIndexer({ eventStore: app.nexus.deps.eventStore, search, logger: pino({ enabled: false }) });
    await indexer.start();
    attach(search);
  });
  beforeEach(async () => {
    await indexer.waitForPosition(await app.nexus.deps.eventStore.headPosition(), 10_000);
  });
  after(async () => {
    attach(wired);
    await indexer.stop();
    await app.close();
  });

  const get = async (query: string, token?: string) => app.request('GET', `/admin/audit/search?${query}`, token === undefined ? {} : { token });
  const items = (body: Record<string, unknown>) => body.items as unknown as Item[];

  it("lists a tenant's events newest first, and only that tenant's", async () => {
    const response = await get(`tenantId=${victim.tenantId}&limit=200`);
    expect(response.status, response.text).to.equal(200);
    const found = items(response.body);
    expect(found.length).to.be.greaterThan(8);
    expect(found.every((item) => item.tenantId === victim.tenantId)).to.equal(true);
    const positions = found.map((item) => item.position);
    expect(positions).to.deep.equal([...positions].sort((a, b) => b - a));
    expect(response.text).not.to.include(intruder.tenantId);
  });

  it("finds events by words in their data, with the type, category, stream and time filters", async () => {
    const renamed = items((await get(`tenantId=${victim.tenantId}&q=${encodeURIComponent(`renamed ${victim.tenantId}`)}`)).body);
    expect(renamed.map((item) => item.type)).to.deep.equal(['TenantRenamed']);
    expect(renamed[0].score).to.be.a('number');
    const policy = items((await get(`tenantId=${victim.tenantId}&q=8192&category=policy`)).body);
    expect(policy.map((item) => item.type)).to.deep.equal(['PolicyVersionPublished']);
    const byType = items((await get(`tenantId=${victim.tenantId}&type=PolicyVersionPublished`)).body);
    expect(byType).to.have.length(2);
    const stream = `budget-${victim.tenantId}.${victim.budgetId}`;
    expect(items((await get(`tenantId=${victim.tenantId}&streamId=${stream}`)).body).every((item) => item.streamId === stream)).to.equal(true);
    expect(items((await get(`tenantId=${victim.tenantId}&to=2000-01-01T00:00:00Z`)).body)).to.deep.equal([]);
    expect(items((await get(`tenantId=${victim.tenantId}&from=2000-01-01T00:00:00Z&limit=200`)).body).length).to.be.greaterThan(8);
  });

  it('pages with the cursor, in time order and in relevance order, without repeats', async () => {
    for (const extra of ['', '&q=policy']) {
      const all = items((await get(`tenantId=${victim.tenantId}&limit=200${extra}`)).body).map((item) => item.position);
      const walked: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await get(`tenantId=${victim.tenantId}&limit=2${extra}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(page.status, page.text).to.equal(200);
        walked.push(...items(page.body).map((item) => item.position));
        cursor = page.body.nextCursor as string | null;
      } while (cursor !== null && walked.length < 500);
      expect(walked, `walk${extra}`).to.deep.equal(all);
    }
    expect((await get(`tenantId=${victim.tenantId}&cursor=garbage`)).status).to.equal(400);
  });

  it("scopes a tenant key to its own tenant: another tenant's id is a 404, its words find nothing", async () => {
    const own = await get('limit=200', intruder.key);
    expect(own.status, own.text).to.equal(200);
    expect(items(own.body).every((item) => item.tenantId === intruder.tenantId)).to.equal(true);
    expect((await get(`tenantId=${victim.tenantId}`, intruder.key)).status).to.equal(404);
    const probe = await get(`q=${encodeURIComponent(`renamed ${victim.tenantId}`)}&textOperator=and`, intruder.key);
    expect(probe.status, 'unknown query parameters are refused').to.equal(400);
    const words = await get(`q=${encodeURIComponent(victim.tenantId)}`, intruder.key);
    expect(items(words.body)).to.deep.equal([]);
  });

  it('makes the platform admin name a tenant', async () => {
    const response = await get('q=policy');
    expect(response.status).to.equal(400);
    expect(response.headers.get('content-type')).to.include('application/problem+json');
  });

  it('does not index or return API key hashes', async () => {
    const stream = await app.request('GET', `/admin/audit/streams/apikey-${victim.tenantId}.${victim.keyId}`);
    const keyHash = String((stream.body.events as Array<{ data: { keyHash: string } }>)[0].data.keyHash);
    expect(keyHash).to.match(/^[0-9a-f]{64}$/);
    const listed = await get(`tenantId=${victim.tenantId}&type=ApiKeyIssued&limit=200`);
    expect(items(listed.body)).to.have.length(1);
    expect(listed.text).not.to.include(keyHash);
    expect(items((await get(`tenantId=${victim.tenantId}&q=${keyHash}`)).body)).to.deep.equal([]);
  });

  it('answers 503 problem+json when no search engine is configured, or it is down', async () => {
    attach(undefined);
    try {
      const missing = await get(`tenantId=${victim.tenantId}`);
      expect(missing.status).to.equal(503);
      expect(missing.headers.get('content-type')).to.include('application/problem+json');
      expect(missing.body).to.include({ status: 503, title: 'search unavailable' });
      attach(new DownSearch());
      const down = await get(`tenantId=${victim.tenantId}&q=policy`);
      expect(down.status).to.equal(503);
      expect(down.headers.get('retry-after')).to.be.a('string');
    } finally {
      attach(search);
    }
  });
});

/** An engine that stopped answering. */
class DownSearch extends MemorySearch {
  override async search(): Promise<SearchResult> {
    throw new SearchUnavailableError('search', 'connection');
  }
}
