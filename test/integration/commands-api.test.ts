import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { freshTenantId, startTestApp, tenantWithKey, type TestApp } from '../support/app.js';

describe('control plane over HTTP', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it('registers a tenant and reads it back at once (read-your-writes)', async () => {
    const tenantId = freshTenantId();
    const created = await app.request('POST', '/admin/tenants', { body: { tenantId, name: 'Acme', dataRegion: 'eu' } });
    expect(created.status).to.equal(201);
    expect(created.headers.get('etag')).to.equal('"0"');
    expect(created.body.events).to.deep.equal(['TenantRegistered']);
    const read = await app.request('GET', `/admin/tenants/${tenantId}`);
    expect(read.body).to.include({ tenantId, name: 'Acme', dataRegion: 'eu', status: 'active' });
    expect(read.body).not.to.have.property('_position');
  });

  it('answers 409 for a business conflict and 422 for a rule violation', async () => {
    const { tenantId, keyId } = await tenantWithKey(app);
    const again = await app.request('POST', '/admin/tenants', { body: { tenantId, name: 'Again' } });
    expect(again.status).to.equal(409);
    expect(again.body.detail).to.match(/already exists/);
    const attach = await app.request('POST', `/admin/tenants/${tenantId}/policies`, { body: { policyId: 'p1', name: 'Empty' } });
    expect(attach.status).to.equal(201);
    const noVersion = await app.request('POST', `/admin/tenants/${tenantId}/policies/p1/attach`);
    expect(noVersion.status).to.equal(422);
    const pastExpiry = await app.request('POST', `/admin/tenants/${tenantId}/api-keys`, { body: { name: 'old', scopes: ['inference'], expiresAt: '2001-01-01T00:00:00Z' } });
    expect(pastExpiry.status).to.equal(422);
    const revoke = await app.request('POST', `/admin/tenants/${tenantId}/api-keys/${keyId}/revoke`, { body: { reason: 'leaked' } });
    expect(revoke.status).to.equal(200);
    const twice = await app.request('POST', `/admin/tenants/${tenantId}/api-keys/${keyId}/revoke`, { body: { reason: 'leaked' } });
    expect(twice.status).to.equal(409);
  });

  it('honours If-Match with 412 on a stale revision and changes nothing', async () => {
    const tenantId = freshTenantId();
    await app.request('POST', '/admin/tenants', { body: { tenantId, name: 'One' } });
    const stale = await app.request('POST', `/admin/tenants/${tenantId}/rename`, { body: { name: 'Two' }, headers: { 'if-match': '"5"' } });
    expect(stale.status).to.equal(412);
    expect(stale.body).to.include({ expected: '5', actual: '0' });
    const fresh = await app.request('POST', `/admin/tenants/${tenantId}/rename`, { body: { name: 'Two' }, headers: { 'if-match': '"0"' } });
    expect(fresh.status).to.equal(200);
    expect((await app.request('GET', `/admin/tenants/${tenantId}`)).body.name).to.equal('Two');
  });

  it('replays the first result for a repeated Idempotency-Key, and refuses its reuse for another body', async () => {
    const tenantId = freshTenantId();
    const headers = { 'idempotency-key': `create-${tenantId}` };
    const first = await app.request('POST', '/admin/tenants', { body: { tenantId, name: 'Once' }, headers });
    const second = await app.request('POST', '/admin/tenants', { body: { tenantId, name: 'Once' }, headers });
    expect(first.status).to.equal(201);
    expect(second.status).to.equal(201);
    expect(second.headers.get('idempotent-replayed')).to.equal('true');
    expect(second.body).to.deep.equal(first.body);
    const events = await app.request('GET', `/admin/audit/streams/tenant-${tenantId}.${tenantId}`);
    expect(events.body.events).to.have.length(1);
    const reused = await app.request('POST', '/admin/tenants', { body: { tenantId, name: 'Different' }, headers });
    expect(reused.status).to.equal(422);
  });

  it('shows a key once, stores only its hash, and stops accepting it when rotated or revoked', async () => {
    const { tenantId, key, keyId } = await tenantWithKey(app, ['admin-read']);
    expect(key).to.match(/^nx_[a-z0-9]{8}_/);
    const own = await app.request('GET', `/admin/tenants/${tenantId}`, { token: key });
    expect(own.status).to.equal(200);
    const listed = await app.request('GET', `/admin/tenants/${tenantId}/api-keys/${keyId}`);
    expect(listed.text).not.to.include(key);
    expect(listed.body).not.to.have.property('keyHash');
    expect(listed.body.keyPrefix).to.equal(key.slice(0, 11));
    const stream = await app.request('GET', `/admin/audit/streams/apikey-${tenantId}.${keyId}`);
    expect(stream.text).not.to.include(key);

    const rotated = await app.request('POST', `/admin/tenants/${tenantId}/api-keys/${keyId}/rotate`);
    expect(rotated.status).to.equal(200);
    const newKey = String(rotated.body.key);
    expect((await app.request('GET', `/admin/tenants/${tenantId}`, { token: key })).status).to.equal(401);
    expect((await app.request('GET', `/admin/tenants/${tenantId}`, { token: newKey })).status).to.equal(200);
    await app.request('POST', `/admin/tenants/${tenantId}/api-keys/${keyId}/revoke`, { body: { reason: 'done' } });
    expect((await app.request('GET', `/admin/tenants/${tenantId}`, { token: newKey })).status).to.equal(401);
  });

  it('enforces scopes and the admin boundary', async () => {
    const { tenantId, key } = await tenantWithKey(app, ['inference']);
    expect((await app.request('GET', `/admin/tenants/${tenantId}`, { token: key })).status).to.equal(403);
    expect((await app.request('GET', `/admin/tenants/${tenantId}`, { token: null })).status).to.equal(401);
    expect((await app.request('GET', `/admin/tenants/${tenantId}`, { token: 'nx_wrong' })).status).to.equal(401);
    const reader = await tenantWithKey(app, ['admin-read']);
    const write = await app.request('POST', `/admin/tenants/${reader.tenantId}/policies`, { token: reader.key, body: { policyId: 'p', name: 'p' } });
    expect(write.status).to.equal(403);
    const suspend = await app.request('POST', `/admin/tenants/${reader.tenantId}/suspend`, { token: reader.key, body: { reason: 'self' } });
    expect(suspend.status).to.equal(403);
  });

  it('refuses keys for a closed tenant and stops authenticating its keys', async () => {
    const { tenantId, key } = await tenantWithKey(app, ['admin-read']);
    await app.request('POST', `/admin/tenants/${tenantId}/close`, { body: { reason: 'churned' } });
    expect((await app.request('GET', `/admin/tenants/${tenantId}`, { token: key })).status).to.equal(401);
    const issue = await app.request('POST', `/admin/tenants/${tenantId}/api-keys`, { body: { name: 'late', scopes: ['inference'] } });
    expect(issue.status).to.equal(409);
  });

  it('pages through lists with a cursor', async () => {
    for (let i = 0; i < 5; i++) await app.request('POST', '/admin/tenants', { body: { tenantId: freshTenantId('page'), name: `Page ${i}` } });
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await app.request('GET', `/admin/tenants?limit=2${query}`);
      expect(page.status).to.equal(200);
      for (const item of page.body.items ?? []) {
        expect(seen.has(String(item.id))).to.equal(false);
        seen.add(String(item.id));
      }
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(seen.size).to.be.greaterThanOrEqual(5);
    expect((await app.request('GET', '/admin/tenants?cursor=garbage')).status).to.equal(400);
  });

  it('tracks budget spend in the current period', async () => {
    const { tenantId } = await tenantWithKey(app);
    await app.request('PUT', `/admin/tenants/${tenantId}/budgets/daily`, { body: { period: 'day', limitMicros: 1_000_000, currency: 'USD', action: 'alert' } });
    await app.request('POST', `/admin/tenants/${tenantId}/budgets/daily/spend`, { body: { amountMicros: 900_000, currency: 'USD', requestId: 'r1' } });
    const budget = await app.request('GET', `/admin/tenants/${tenantId}/budgets/daily`);
    expect(budget.body).to.include({ spentMicros: 900_000, exhausted: false });
    expect(budget.body.thresholdsCrossed).to.deep.equal([50, 80]);
    const wrongCurrency = await app.request('POST', `/admin/tenants/${tenantId}/budgets/daily/spend`, { body: { amountMicros: 1, currency: 'EUR', requestId: 'r2' } });
    expect(wrongCurrency.status).to.equal(422);
  });
});

describe('operational endpoints', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it('serves health, readiness and Prometheus metrics with bounded labels', async () => {
    expect((await app.request('GET', '/healthz', { token: null })).status).to.equal(200);
    expect((await app.request('GET', '/readyz', { token: null })).status).to.equal(200);
    await app.request('GET', '/admin/tenants/does-not-exist-1');
    await app.request('GET', '/admin/tenants/does-not-exist-2');
    await app.request('GET', '/no/such/route/xyz');
    const metrics = await app.request('GET', '/metrics', { token: null });
    expect(metrics.text).to.include('nexus_http_request_duration_seconds_bucket');
    expect(metrics.text).to.include('route="/admin/tenants/:tenantId"');
    expect(metrics.text).to.include('route="unmatched"');
    expect(metrics.text).not.to.include('does-not-exist');
    expect(metrics.text).not.to.include('/no/such/route');
    expect(metrics.text).to.include('nexus_projection_lag_events');
    expect(metrics.text).to.include('nexus_event_store_append_duration_seconds');
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas, and a docs page', async () => {
    const doc = await app.request('GET', '/openapi.json', { token: null });
    expect(doc.body.openapi).to.equal('3.1.0');
    const paths = doc.body.paths as Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown>; additionalProperties?: boolean } }> } }>>;
    const register = paths['/admin/tenants'].post.requestBody?.content['application/json'].schema;
    expect(register?.properties).to.have.keys('tenantId', 'name', 'dataRegion');
    expect(register?.additionalProperties).to.equal(false);
    expect(Object.keys(paths)).to.include('/admin/tenants/{tenantId}/api-keys/{keyId}');
    const page = await app.request('GET', '/docs', { token: null });
    expect(page.text).to.include('swagger-ui-bundle.js');
    expect((await app.request('GET', '/docs/swagger-ui-bundle.js', { token: null })).status).to.equal(200);
  });

  it('answers unknown routes with problem+json 404', async () => {
    const response = await app.request('GET', '/admin/nothing-here');
    expect(response.status).to.equal(404);
    expect(response.headers.get('content-type')).to.match(/problem\+json/);
  });
});
