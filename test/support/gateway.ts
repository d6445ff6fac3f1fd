import type { TestApp, TestResponse } from './app.js';

/** Prices that make cost easy to reason about: 1 micro-unit per input token, 10 per output token. */
export const SIMPLE_PRICE = { inputPricePerMTokMicros: 1_000_000, outputPricePerMTokMicros: 10_000_000, currency: 'USD' } as const;

export async function registerMockDeployment(app: TestApp, deploymentId: string, modelAlias: string, upstreamModel = 'mock-echo', weight = 100): Promise<void> {
  const response = await app.request('POST', '/admin/deployments', {
    body: { deploymentId, provider: 'mock', upstreamModel, modelAlias, region: 'eu', baseUrl: null, weight, ...SIMPLE_PRICE },
  });
  if (response.status !== 201) throw new Error(`deployment ${deploymentId}: ${response.status} ${response.text}`);
}

export async function setMonthlyBudget(app: TestApp, tenantId: string, budgetId: string, limitMicros: number, action: 'block' | 'alert' = 'block'): Promise<void> {
  const response = await app.request('PUT', `/admin/tenants/${tenantId}/budgets/${budgetId}`, { body: { period: 'month', limitMicros, currency: 'USD', action } });
  if (response.status !== 200 && response.status !== 201) throw new Error(`budget: ${response.status} ${response.text}`);
}

export const chat = (app: TestApp, key: string, body: Record<string, unknown>): Promise<TestResponse> => app.request('POST', '/v1/chat/completions', { token: key, body });

/** The OpenAI error fields of a data-plane error response. */
export const errorOf = (response: TestResponse): { type?: string; code?: string; param?: string | null; message?: string } =>
  (response.body.error ?? {}) as { type?: string; code?: string; param?: string | null; message?: string };
