import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { startTestApp, tenantWithKey, type TestApp } from '../support/app.js';

/** The webhook admin routes over HTTP, on the embedded stack. Deliveries: webhook-worker.test.ts and webhooks-e2e.test.ts. */
describe('webhook admin API', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  const register = (tenantId: string, token?: string, body: unknown = { url: 'https://hooks.example.com/nexus', eventTypes: ['ApiKeyRevoked', 'BudgetThresholdCrossed'] }) =>
    app.request('POST', `/admin/tenants/${tenantId}/webhooks`, { token, body });

  it('registers a webhook and shows its secret in that response only', async () => {
    const { tenantId, key } = await tenantWithKey(app);
    const created = await register(tenantId, key);
    expect(created.status, created.text).to.equal(201);
    expect(created.body.events).to.deep.equal(['WebhookRegistered']);
    const secret = String(created.body.secret);
    expect(secret).to.match(/^whsec_/);
    const webhook = created.body.webhook as Record<string, unknown>;
    expect(webhook).to.include({ tenantId, status: 'enabled', url: 'https://hooks.example.com/nexus', secretVersion: 1 });
    const list = await app.request('GET', `/admin/tenants/${tenantId}/webhooks`, { token: key });
    expect(list.status).to.equal(200);
    expect(list.body.items).to.have.length(1);
    expect(list.body.items?.[0]).to.include({ webhookId: webhook.webhookId, status: 'enabled', secretVersion: 1 });
    expect(list.text).not.to.include(secret);
    const stored = await app.nexus.deps.eventStore.readAll();
    expect(JSON.stringify(stored)).not.to.include(secret);
  });

  it('refuses a plain-http URL off loopback and an event type outside the list, naming the field', async () => {
    const { tenantId } = await tenantWithKey(app);
    const http = await register(tenantId, undefined, { url: 'http://hooks.example.com/x', eventTypes: ['ApiKeyRevoked'] });
    expect(http.status).to.equal(400);
    expect(JSON.stringify(http.body.errors)).to.include('body.url');
    const type = await register(tenantId, undefined, { url: 'https://hooks.example.com/x', eventTypes: ['InferenceCompleted'] });
    expect(type.status).to.equal(400);
    const local = await register(tenantId, undefined, { url: 'http://127.0.0.1:9/x', eventTypes: ['ApiKeyRevoked'] });
    expect(local.status).to.equal(201);
  });

  it('rotates the secret, disables, enables and deletes', async () => {
    const { tenantId, key } = await tenantWithKey(app);
    const created = await register(tenantId, key);
    const webhookId = String((created.body.webhook as { webhookId: string }).webhookId);
    const base = `/admin/tenants/${tenantId}/webhooks/${webhookId}`;
    const rotated = await app.request('POST', `${base}/rotate-secret`, { token: key });
    expect(rotated.status).to.equal(200);
    expect(rotated.body.secret).to.match(/^whsec_/).and.not.equal(created.body.secret);
    const disabled = await app.request('POST', `${base}/disable`, { token: key, body: { reason: 'receiver maintenance' } });
    expect(disabled.status).to.equal(200);
    expect(disabled.body).not.to.have.property('secret');
    expect((await app.request('POST', `${base}/disable`, { token: key, body: { reason: 'again' } })).status).to.equal(409);
    const listed = await app.request('GET', `/admin/tenants/${tenantId}/webhooks?status=disabled`, { token: key });
    expect(listed.body.items?.[0]).to.include({ status: 'disabled', disabledReason: 'receiver maintenance', secretVersion: 2 });
    expect((await app.request('POST', `${base}/enable`, { token: key })).status).to.equal(200);
    expect((await app.request('DELETE', base, { token: key })).status).to.equal(200);
    expect((await app.request('GET', `/admin/tenants/${tenantId}/webhooks`, { token: key })).body.items).to.deep.equal([]);
    expect((await app.request('POST', `${base}/rotate-secret`, { token: key })).status).to.equal(404);
  });

  it("hides a tenant's webhooks from another tenant's key, and needs admin-write to change them", async () => {
    const victim = await tenantWithKey(app);
    const intruder = await tenantWithKey(app);
    const readOnly = await tenantWithKey(app, ['admin-read']);
    expect((await register(victim.tenantId, intruder.key)).status).to.equal(404);
    expect((await app.request('GET', `/admin/tenants/${victim.tenantId}/webhooks`, { token: intruder.key })).status).to.equal(404);
    expect((await register(readOnly.tenantId, readOnly.key)).status).to.equal(403);
    expect((await app.request('GET', `/admin/tenants/${readOnly.tenantId}/webhooks`, { token: readOnly.key })).status).to.equal(200);
  });

  it('blanks the secret in a replayed Idempotency-Key response', async () => {
    const { tenantId, key } = await tenantWithKey(app);
    const headers = { 'idempotency-key': `wh-${tenantId}` };
    const body = { url: 'https://hooks.example.com/once', eventTypes: ['PolicyVersionPublished'] };
    const first = await app.request('POST', `/admin/tenants/${tenantId}/webhooks`, { token: key, body, headers });
    const replay = await app.request('POST', `/admin/tenants/${tenantId}/webhooks`, { token: key, body, headers });
    expect(first.body.secret).to.match(/^whsec_/);
    expect(replay.headers.get('idempotent-replayed')).to.equal('true');
    expect(replay.body).to.include({ secret: null });
    expect((await app.request('GET', `/admin/tenants/${tenantId}/webhooks`, { token: key })).body.items).to.have.length(1);
  });
});
