import { expect } from 'chai';
import canonicalize from 'canonicalize';
import { after, before, describe, it } from 'mocha';
import type { Doc } from '../../engines/readmodel/port.js';
import { ALL_PROJECTIONS } from '../../projections/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { populatedTenant, registeredDeployment } from '../support/fixtures.js';
import { appendOutcome, completedOutcome } from '../support/inference.js';

/** Every document of a logical collection (through its alias), canonicalised, by id. */
async function snapshot(app: TestApp, collection: string): Promise<Map<string, string>> {
  const store = app.nexus.readModelStore;
  const physical = await store.getAlias(collection);
  if (!physical) throw new Error(`no alias for ${collection}`);
  const docs = new Map<string, string>();
  let after: string | undefined;
  do {
    const page = await store.find(physical, { limit: 200, after });
    for (const doc of page.items as Doc[]) docs.set(doc.id, String(canonicalize(doc)));
    after = page.nextCursor ?? undefined;
  } while (after);
  return docs;
}

describe('projection rebuild', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
    for (let i = 0; i < 3; i++) {
      const tenant = await populatedTenant(app);
      await app.request('POST', `/admin/tenants/${tenant.tenantId}/api-keys/${tenant.keyId}/rotate`);
      await app.request('POST', `/admin/tenants/${tenant.tenantId}/budgets/monthly/spend`, { body: { amountMicros: 5_000_000, currency: 'USD', requestId: 'req-2' } });
      const outcome = completedOutcome({ tenantId: tenant.tenantId, requestId: `r${i}`, keyId: tenant.keyId, modelAlias: 'a.b', deploymentId: 'd' });
      await appendOutcome(app.nexus.deps.eventStore, outcome, new Date().toISOString());
      if (i === 1) await app.request('POST', `/admin/tenants/${tenant.tenantId}/suspend`, { body: { reason: 'unpaid' } });
    }
    await registeredDeployment(app, 'rebuild-dep');
    await app.request('POST', '/admin/deployments/rebuild-dep/disable', { body: { reason: 'maintenance' } });
  });
  after(() => app.close());

  it('rebuilds every projection from position 0 into read models identical to the live ones', async () => {
    const status = (await app.request('GET', '/admin/projections')).body.projections as Array<{ name: string; version: number }>;
    expect(status.map((projection) => projection.name)).to.have.members(ALL_PROJECTIONS.map((projection) => projection.name));
    for (const projection of status) {
      const collection = ALL_PROJECTIONS.find((candidate) => candidate.name === projection.name)!.collection;
      const live = await snapshot(app, collection);
      expect(live.size, projection.name).to.be.greaterThan(0);
      const rebuilt = await app.request('POST', `/admin/projections/${projection.name}/rebuild`);
      expect(rebuilt.status, rebuilt.text).to.equal(200);
      expect(rebuilt.body.version).to.equal(projection.version + 1);
      const after = await snapshot(app, collection);
      expect([...after.keys()].sort(), projection.name).to.deep.equal([...live.keys()].sort());
      for (const [id, doc] of live) expect(after.get(id), `${projection.name}/${id}`).to.equal(doc);
    }
  });

  it('keeps serving queries and applying new events after the switch', async () => {
    const tenantId = `after${Date.now().toString(36)}`;
    const created = await app.request('POST', '/admin/tenants', { body: { tenantId, name: 'After rebuild' } });
    expect(created.status).to.equal(201);
    const read = await app.request('GET', `/admin/tenants/${tenantId}`);
    expect(read.status).to.equal(200);
    expect(read.body.name).to.equal('After rebuild');
  });
});
