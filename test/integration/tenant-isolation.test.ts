import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { startTestApp, type TestApp } from '../support/app.js';
import { populatedTenant, registeredDeployment, type TenantFixture } from '../support/fixtures.js';

/**
 * Walks the router's own route table, so a query route added later is covered without
 * touching this test: a tenant key naming another tenant's resource must get 404 on every
 * GET route, list routes must only return its own (or shared platform) documents, and
 * admin-only routes must refuse it. A route with a parameter this test cannot fill fails
 * the test, forcing whoever adds it to say what "another tenant's resource" means there.
 */
describe('tenant isolation on every query route', () => {
  let app: TestApp;
  let victim: TenantFixture;
  let intruder: TenantFixture;
  const deploymentId = 'iso-deployment';

  before(async () => {
    app = await startTestApp();
    victim = await populatedTenant(app);
    intruder = await populatedTenant(app);
    await registeredDeployment(app, deploymentId);
    const rollout = await app.request('PUT', '/admin/rollouts/iso-rollout', { body: { modelAlias: 'gpt-4o-mini', candidateDeploymentId: deploymentId, percent: 10 } });
    if (rollout.status !== 201) throw new Error(`rollout: ${rollout.status} ${rollout.text}`);
  });
  after(() => app.close());

  const victimParams = (): Record<string, string> => ({
    tenantId: victim.tenantId,
    keyId: victim.keyId,
    policyId: victim.policyId,
    budgetId: victim.budgetId,
    streamId: `policy-${victim.tenantId}.${victim.policyId}`,
  });
  /** Parameters naming resources every tenant may read (the shared catalog) or admin/public ones. */
  const sharedParams: Record<string, string> = { deploymentId, rolloutId: 'iso-rollout', name: 'tenants', asset: 'swagger-ui.css' };
  const requiredQuery: Record<string, string> = { '/admin/audit/streams/:streamId/state': '?at=2100-01-01T00:00:00Z', '/admin/rollouts': '?modelAlias=gpt-4o-mini' };

  const getRoutes = () =>
    [
      ...app.nexus.app.router.stack.filter((layer) => layer.methods.includes('GET') && typeof layer.path === 'string').map((layer) => layer.path as string),
      ...app.nexus.app.dataPlane.routes.filter((route) => route.method === 'get').map((route) => route.path),
    ]
      .map((path) => {
        const declared = app.nexus.app.routes.find((route) => route.method === 'get' && route.path === path);
        if (!declared) throw new Error(`route ${path} is mounted but not declared`);
        return declared;
      });

  const fill = (path: string, values: Record<string, string>): string =>
    path.replace(/:(\w+)/g, (_match, name: string) => {
      const value = values[name] ?? sharedParams[name];
      if (value === undefined) throw new Error(`tenant-isolation test has no value for :${name} in ${path}; add one`);
      return encodeURIComponent(value);
    }) + (requiredQuery[path] ?? '') + (path === '/admin/audit/search' ? `?tenantId=${values.tenantId}` : '');

  it('covers a meaningful route table', () => {
    expect(getRoutes().length).to.be.greaterThan(15);
  });

  it("gives 404 for another tenant's resources, and lists only the caller's own", async () => {
    const checked: string[] = [];
    for (const route of getRoutes()) {
      // Data-plane routes take no tenant in the path and refuse the admin token (see v1-chat.test.ts).
      if (route.access === 'public' || route.access === 'inference') continue;
      const url = fill(route.path, victimParams());
      const asAdmin = await app.request('GET', url);
      expect(asAdmin.status, `admin GET ${url}: ${asAdmin.text}`).to.equal(200);
      const asIntruder = await app.request('GET', url, { token: intruder.key });
      // The audit search names its tenant in the query (a tenant key's own scope, or the admin's choice).
      const namesVictim = /:(tenantId|keyId|policyId|budgetId|streamId)\b/.test(route.path) || route.path === '/admin/audit/search';
      if (route.access === 'admin') {
        expect(asIntruder.status, `GET ${url}`).to.equal(403);
      } else if (namesVictim) {
        expect(asIntruder.status, `GET ${url} must hide the victim: ${asIntruder.text}`).to.equal(404);
        expect(asIntruder.text).not.to.include(victim.keyId);
      } else {
        expect(asIntruder.status, `GET ${url}: ${asIntruder.text}`).to.equal(200);
        const items = asIntruder.body.items ?? [asIntruder.body];
        for (const item of items) expect(['platform', intruder.tenantId], `GET ${url}`).to.include(item.tenantId);
        expect(asIntruder.text).not.to.include(victim.tenantId);
      }
      checked.push(route.path);
    }
    expect(checked).to.include('/admin/tenants/:tenantId/api-keys/:keyId');
    expect(checked).to.include('/admin/audit/streams/:streamId');
  });

  it('lets a tenant key read its own resources on the same routes', async () => {
    const own = { tenantId: intruder.tenantId, keyId: intruder.keyId, policyId: intruder.policyId, budgetId: intruder.budgetId, streamId: `policy-${intruder.tenantId}.${intruder.policyId}` };
    for (const route of getRoutes()) {
      if (route.access !== 'tenant-read') continue;
      const url = fill(route.path, own);
      const response = await app.request('GET', url, { token: intruder.key });
      expect(response.status, `GET ${url}: ${response.text}`).to.equal(200);
    }
  });

  it('refuses a tenant key commands on another tenant', async () => {
    const response = await app.request('POST', `/admin/tenants/${victim.tenantId}/policies`, { token: intruder.key, body: { policyId: 'sneaky', name: 'x' } });
    expect(response.status).to.equal(404);
  });
});
