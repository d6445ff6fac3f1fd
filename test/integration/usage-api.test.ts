import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import type { InferenceEvent } from '../../domain/inference/index.js';
import { startTestApp, tenantWithKey, type TestApp } from '../support/app.js';
import { appendOutcome, completedOutcome, failedOutcome, rejectedOutcome, type ServedFacts } from '../support/inference.js';

/**
 * Usage reports and budget spend from inference events. Outcomes are appended with the
 * domain's command handler, as the gateway records them, so these tests do not depend on
 * the data plane; they wait on the projections' checkpoint, never on a sleep.
 */
describe('usage API', () => {
  let app: TestApp;
  let tenantA: { tenantId: string; key: string; keyId: string };
  let tenantB: { tenantId: string; key: string; keyId: string };
  const JANUARY = 'from=2026-01-01&to=2026-01-31';

  const record = async (outcome: InferenceEvent, occurredAt: string): Promise<void> => {
    const position = await appendOutcome(app.nexus.deps.eventStore, outcome, occurredAt);
    expect(await app.nexus.deps.projections.waitForPosition(position, 5000), 'projections caught up').to.equal(true);
  };
  let requests = 0;
  const served = (tenantId: string, changes: Partial<ServedFacts>): ServedFacts => ({
    tenantId, requestId: `req-${(requests += 1)}`, keyId: tenantA.keyId, modelAlias: 'echo', deploymentId: 'mock-eu', ...changes,
  });
  const usage = (query: string, token?: string) => app.request('GET', `/admin/tenants/${tenantA.tenantId}/usage?${query}`, { token });
  const groups = (body: Record<string, unknown>) => (body.groups as Array<Record<string, unknown>>).map((group) => [group.group, group.requests]);

  before(async () => {
    app = await startTestApp();
    tenantA = await tenantWithKey(app);
    tenantB = await tenantWithKey(app);
    const a = tenantA.tenantId;
    await record(completedOutcome(served(a, { costMicros: 1_000, latencyMs: 100 })), '2026-01-10T09:00:00.000Z');
    await record(completedOutcome(served(a, { keyId: 'batch', deploymentId: 'mock-us', costMicros: 2_000, latencyMs: 300 })), '2026-01-10T10:00:00.000Z');
    await record(failedOutcome(served(a, { modelAlias: 'smart', costMicros: 500, latencyMs: 200 })), '2026-01-11T09:00:00.000Z');
    await record(rejectedOutcome({ tenantId: a, requestId: 'req-rejected', keyId: tenantA.keyId, modelAlias: null }), '2026-01-11T10:00:00.000Z');
    await record(completedOutcome(served(tenantB.tenantId, { keyId: tenantB.keyId, costMicros: 9_999 })), '2026-01-10T09:30:00.000Z');
  });
  after(() => app.close());

  it('totals a range per day, with costs per currency and an overall total', async () => {
    const response = await usage(`${JANUARY}&groupBy=day`);
    expect(response.status, response.text).to.equal(200);
    expect(response.body).to.include({ tenantId: tenantA.tenantId, from: '2026-01-01', to: '2026-01-31', groupBy: 'day' });
    const [first, second] = response.body.groups as Array<Record<string, unknown>>;
    expect(first).to.deep.include({ group: '2026-01-10', requests: 2, completed: 2, costMicros: { USD: 3_000 }, avgLatencyMs: 200 });
    expect(second).to.deep.include({ group: '2026-01-11', requests: 2, failed: 1, rejected: 1, costMicros: { USD: 500 }, avgLatencyMs: 200 });
    expect(response.body.total).to.deep.include({ requests: 4, completed: 2, failed: 1, rejected: 1, inputTokens: 30, costMicros: { USD: 3_500 } });
  });

  it('groups by key, model and deployment, and filters by any of them', async () => {
    expect(groups((await usage(`${JANUARY}&groupBy=key`)).body)).to.deep.equal([['batch', 1], [tenantA.keyId, 3]]);
    expect(groups((await usage(`${JANUARY}&groupBy=model`)).body)).to.deep.equal([['-', 1], ['echo', 2], ['smart', 1]]);
    const byDeployment = await usage(`${JANUARY}&groupBy=deployment&keyId=${tenantA.keyId}`);
    expect(groups(byDeployment.body)).to.deep.equal([['-', 1], ['mock-eu', 2]]);
    const smart = await usage(`${JANUARY}&modelAlias=smart`);
    expect(smart.body.total).to.deep.include({ requests: 1, failed: 1, costMicros: { USD: 500 } });
  });

  it("reports one key's usage on the key's own route", async () => {
    const response = await app.request('GET', `/admin/tenants/${tenantA.tenantId}/api-keys/${tenantA.keyId}/usage?${JANUARY}&groupBy=model`);
    expect(response.status, response.text).to.equal(200);
    expect(response.body.total).to.deep.include({ requests: 3, costMicros: { USD: 1_500 } });
    expect((await app.request('GET', `/admin/tenants/${tenantA.tenantId}/api-keys/nope/usage`)).status).to.equal(404);
  });

  it("hides a tenant's usage from another tenant's key, which sees only its own", async () => {
    const intruding = await usage(JANUARY, tenantB.key);
    expect(intruding.status).to.equal(404);
    expect(intruding.text).not.to.include(tenantA.keyId);
    const own = await app.request('GET', `/admin/tenants/${tenantB.tenantId}/usage?${JANUARY}`, { token: tenantB.key });
    expect(own.status, own.text).to.equal(200);
    expect(own.body.total).to.deep.include({ requests: 1, costMicros: { USD: 9_999 } });
    const inferenceOnly = await tenantWithKey(app, ['inference']);
    const unscoped = await app.request('GET', `/admin/tenants/${inferenceOnly.tenantId}/usage`, { token: inferenceOnly.key });
    expect(unscoped.status).to.equal(403);
  });

  it('answers 400 naming the field for a bad date, range or grouping', async () => {
    const cases: Array<[string, string]> = [
      ['from=2026-13-01', 'query.from'],
      ['from=2026-02-30&to=2026-03-01', 'query.from'],
      ['from=2026-02-10&to=2026-02-01', 'query.to'],
      ['from=2024-01-01&to=2026-01-01', 'query.to'],
      ['groupBy=week', 'query.groupBy'],
      ['keyId=has.dot', 'query.keyId'],
    ];
    for (const [query, field] of cases) {
      const response = await usage(query);
      expect(response.status, query).to.equal(400);
      expect((response.body.errors as Array<{ path: string }>).map((issue) => issue.path), query).to.include(field);
    }
  });

  it('shows budgets spending what inference events cost in the current period and currency', async () => {
    const { tenantId, keyId } = await tenantWithKey(app);
    const budget = `/admin/tenants/${tenantId}/budgets/monthly`;
    expect((await app.request('PUT', budget, { body: { period: 'month', limitMicros: 5_000, currency: 'USD', action: 'block' } })).status).to.equal(200);
    await app.request('POST', `${budget}/spend`, { body: { amountMicros: 1_500, currency: 'USD', requestId: 'manual-1' } });
    const now = new Date().toISOString();
    await record(completedOutcome(served(tenantId, { keyId, requestId: 'now-usd', costMicros: 4_000 })), now);
    await record(completedOutcome(served(tenantId, { keyId, requestId: 'now-eur', currency: 'EUR', costMicros: 7_777 })), now);
    await record(completedOutcome(served(tenantId, { keyId, requestId: 'last-year', costMicros: 100_000 })), '2025-01-15T00:00:00.000Z');

    const one = await app.request('GET', budget);
    expect(one.status, one.text).to.equal(200);
    expect(one.body).to.include({ recordedSpentMicros: 1_500, usageSpentMicros: 4_000, spentMicros: 5_500, exhausted: true });
    const exhausted = await app.request('GET', `/admin/tenants/${tenantId}/budgets?exhausted=true`);
    expect(exhausted.body.items?.map((item) => [item.budgetId, item.spentMicros])).to.deep.equal([['monthly', 5_500]]);
    expect((await app.request('GET', `/admin/tenants/${tenantId}/budgets?exhausted=false`)).body.items).to.deep.equal([]);

    const thisMonth = await app.request('GET', `/admin/tenants/${tenantId}/usage`);
    expect(thisMonth.body.total).to.deep.include({ requests: 2, costMicros: { USD: 4_000, EUR: 7_777 } });
  });
});
