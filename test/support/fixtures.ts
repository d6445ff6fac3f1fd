import type { TestApp } from './app.js';
import { tenantWithKey } from './app.js';

/** A tenant with one of everything: a key, a policy with two versions, a budget with spend. */
export interface TenantFixture {
  readonly tenantId: string;
  readonly key: string;
  readonly keyId: string;
  readonly policyId: string;
  readonly budgetId: string;
  readonly webhookId: string;
}

const rules = (maxTokens: number) => ({
  allowedModels: ['gpt-4o-mini'],
  maxTokens,
  piiAction: 'redact',
  injectionAction: 'block',
  dataRegions: ['eu'],
});

async function expectOk(app: TestApp, method: string, path: string, body?: unknown): Promise<void> {
  const response = await app.request(method, path, { body });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
}

export async function populatedTenant(app: TestApp): Promise<TenantFixture> {
  const { tenantId, key, keyId } = await tenantWithKey(app);
  const policyId = 'default';
  const budgetId = 'monthly';
  await expectOk(app, 'POST', `/admin/tenants/${tenantId}/policies`, { policyId, name: 'Default policy' });
  await expectOk(app, 'POST', `/admin/tenants/${tenantId}/policies/${policyId}/versions`, { rules: rules(4096) });
  await expectOk(app, 'POST', `/admin/tenants/${tenantId}/policies/${policyId}/attach`);
  await expectOk(app, 'POST', `/admin/tenants/${tenantId}/policies/${policyId}/versions`, { rules: rules(8192) });
  await expectOk(app, 'PUT', `/admin/tenants/${tenantId}/budgets/${budgetId}`, { period: 'month', limitMicros: 10_000_000, currency: 'USD', action: 'block' });
  await expectOk(app, 'POST', `/admin/tenants/${tenantId}/budgets/${budgetId}/spend`, { amountMicros: 6_000_000, currency: 'USD', requestId: 'req-1' });
  await expectOk(app, 'POST', `/admin/tenants/${tenantId}/rename`, { name: `Renamed ${tenantId}` });
  const webhook = await app.request('POST', `/admin/tenants/${tenantId}/webhooks`, { body: { url: 'https://hooks.example.com/nexus', eventTypes: ['ApiKeyRevoked'] } });
  if (webhook.status !== 201) throw new Error(`webhook: ${webhook.status} ${webhook.text}`);
  const webhookId = (webhook.body.webhook as { webhookId: string }).webhookId;
  return { tenantId, key, keyId, policyId, budgetId, webhookId };
}

export async function registeredDeployment(app: TestApp, deploymentId: string): Promise<void> {
  await expectOk(app, 'POST', '/admin/deployments', {
    deploymentId,
    provider: 'openai',
    upstreamModel: 'gpt-4o-mini-2024-07-18',
    modelAlias: 'gpt-4o-mini',
    region: 'eu',
    inputPricePerMTokMicros: 150_000,
    outputPricePerMTokMicros: 600_000,
    currency: 'USD',
    weight: 100,
  });
  await expectOk(app, 'POST', `/admin/deployments/${deploymentId}/price`, { inputPricePerMTokMicros: 120_000, outputPricePerMTokMicros: 480_000, currency: 'USD' });
}
