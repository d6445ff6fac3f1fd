import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { startTestApp, tenantWithKey, type TestApp } from '../support/app.js';
import { receiverAccepts, WebhookReceiver, type ReceivedCall } from '../support/webhook-receiver.js';
import { waitFor } from '../support/wait.js';

/**
 * The whole path on the embedded stack, as `npm start` wires it: a command over HTTP → its
 * event in the store → the relay → the in-process bus → the webhook worker → a signed call
 * that the receiver verifies with the secret the registration response showed.
 */
describe('webhooks end to end', () => {
  let app: TestApp;
  let receiver: WebhookReceiver;

  before(async () => {
    app = await startTestApp({ NEXUS_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }); // the receiver listens on 127.0.0.1
    receiver = await WebhookReceiver.start();
  });
  after(async () => {
    await receiver.close();
    await app.close();
  });

  const callOf = async (type: string, match: (data: Record<string, unknown>) => boolean): Promise<ReceivedCall> => {
    let found: ReceivedCall | undefined;
    await waitFor(() => {
      found = receiver.calls.find((call) => {
        const body = JSON.parse(call.rawBody) as { type: string; data: Record<string, unknown> };
        return body.type === type && match(body.data);
      });
      return found !== undefined;
    }, { description: `a ${type} call`, timeoutMs: 10_000 });
    return found as ReceivedCall;
  };

  it('delivers signed ApiKeyRevoked, PolicyVersionPublished and BudgetThresholdCrossed events of the tenant', async () => {
    const { tenantId, key, keyId } = await tenantWithKey(app);
    const registered = await app.request('POST', `/admin/tenants/${tenantId}/webhooks`, {
      token: key,
      body: { url: receiver.url, eventTypes: ['ApiKeyRevoked', 'PolicyVersionPublished', 'BudgetThresholdCrossed'] },
    });
    expect(registered.status, registered.text).to.equal(201);
    const secret = String(registered.body.secret);

    const spare = await app.request('POST', `/admin/tenants/${tenantId}/api-keys`, { body: { name: 'spare', scopes: ['inference'] } });
    const spareId = (spare.body.apiKey as { keyId: string }).keyId;
    expect((await app.request('POST', `/admin/tenants/${tenantId}/api-keys/${spareId}/revoke`, { body: { reason: 'leaked' } })).status).to.equal(200);
    const revoked = await callOf('ApiKeyRevoked', (data) => data.keyId === spareId);
    expect(receiverAccepts(revoked, secret)).to.equal(true);
    expect(JSON.parse(revoked.rawBody)).to.deep.include({ type: 'ApiKeyRevoked', tenantId, data: { tenantId, keyId: spareId, reason: 'leaked' } });

    await app.request('POST', `/admin/tenants/${tenantId}/policies`, { body: { policyId: 'p1', name: 'Default' } });
    const rules = { allowedModels: ['gpt-4o-mini'], maxTokens: 512, piiAction: 'redact', injectionAction: 'block', dataRegions: null };
    expect((await app.request('POST', `/admin/tenants/${tenantId}/policies/p1/versions`, { body: { rules } })).status).to.equal(200);
    expect(receiverAccepts(await callOf('PolicyVersionPublished', (data) => data.policyId === 'p1'), secret)).to.equal(true);

    await app.request('PUT', `/admin/tenants/${tenantId}/budgets/monthly`, { body: { period: 'month', limitMicros: 1_000_000, currency: 'USD', action: 'alert', alertThresholds: [50] } });
    await app.request('POST', `/admin/tenants/${tenantId}/budgets/monthly/spend`, { body: { amountMicros: 600_000, currency: 'USD', requestId: 'req-1' } });
    const crossed = await callOf('BudgetThresholdCrossed', (data) => data.budgetId === 'monthly');
    expect(JSON.parse(crossed.rawBody).data).to.include({ thresholdPercent: 50, limitMicros: 1_000_000 });

    // The tenant's own key is still in use (not revoked): nothing about it went out.
    expect(receiver.calls.some((call) => call.rawBody.includes(keyId))).to.equal(false);
    const metrics = await app.request('GET', '/metrics', { token: null });
    expect(metrics.text).to.match(/nexus_webhook_deliveries_total\{outcome="delivered",status_class="2xx"\} [3-9]/);
  });

  it('signs with the rotated secret from the rotation on', async () => {
    const { tenantId, key } = await tenantWithKey(app);
    const registered = await app.request('POST', `/admin/tenants/${tenantId}/webhooks`, { token: key, body: { url: receiver.url, eventTypes: ['ApiKeyRevoked'] } });
    const webhookId = (registered.body.webhook as { webhookId: string }).webhookId;
    const rotated = await app.request('POST', `/admin/tenants/${tenantId}/webhooks/${webhookId}/rotate-secret`, { token: key });
    const spare = await app.request('POST', `/admin/tenants/${tenantId}/api-keys`, { body: { name: 'spare', scopes: ['inference'] } });
    const spareId = (spare.body.apiKey as { keyId: string }).keyId;
    await app.request('POST', `/admin/tenants/${tenantId}/api-keys/${spareId}/revoke`, { body: { reason: 'rotated out' } });
    const call = await callOf('ApiKeyRevoked', (data) => data.keyId === spareId);
    expect(receiverAccepts(call, String(rotated.body.secret))).to.equal(true);
    expect(receiverAccepts(call, String(registered.body.secret))).to.equal(false);
  });
});
