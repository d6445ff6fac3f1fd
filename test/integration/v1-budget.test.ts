import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { startTestApp, tenantWithKey, type TestApp, type TestResponse } from '../support/app.js';
import { SIMPLE_PRICE, chat, errorOf, registerMockDeployment, setMonthlyBudget } from '../support/gateway.js';
import { startRedisOrSkip, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/wait.js';

/**
 * The budget guarantee: concurrent requests can never overspend a budget by more than one
 * request's cost, because admission reserves each request's maximum cost atomically. The
 * prompt is 60 words (60 tokens for the mock, ~67 by the tokenizer) and max_tokens 20 (the
 * mock echo is cut to exactly 20), so a request costs 260 micro-units and reserves ~267:
 * a budget of 50 reservations admits ~50 of 500 simultaneous requests.
 */
const PROMPT = Array.from({ length: 60 }, () => 'hello').join(' ');
const REQUEST = { model: 'budgeted', messages: [{ role: 'user', content: PROMPT }], max_tokens: 20 };
const ACTUAL_COST = 60 * (SIMPLE_PRICE.inputPricePerMTokMicros / 1e6) + 20 * (SIMPLE_PRICE.outputPricePerMTokMicros / 1e6);

async function usageTotal(app: TestApp, tenantId: string, expectedRequests: number): Promise<{ requests: number; completed: number; rejected: number; cost: number }> {
  let total = { requests: 0, completed: 0, rejected: 0, cost: 0 };
  await waitFor(async () => {
    const response = await app.request('GET', `/admin/tenants/${tenantId}/usage`);
    const body = response.body.total as { requests: number; completed: number; rejected: number; costMicros: Record<string, number> };
    total = { requests: body.requests, completed: body.completed, rejected: body.rejected, cost: body.costMicros.USD ?? 0 };
    return total.requests === expectedRequests;
  }, { timeoutMs: 10_000 });
  return total;
}

async function burst(apps: readonly TestApp[], key: string, count: number): Promise<TestResponse[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => chat(apps[i % apps.length], key, REQUEST)));
}

/** Runs the 500-request burst and checks the guarantee against the recorded usage events. */
async function expectBudgetHolds(apps: readonly TestApp[]): Promise<void> {
  const [app] = apps;
  const tenant = await tenantWithKey(app, ['inference']);
  const estimate = 267; // tokenizer estimate: 67 prompt tokens × 1 + 20 × 10
  const limit = 50 * estimate;
  await setMonthlyBudget(app, tenant.tenantId, 'monthly', limit);
  for (const other of apps.slice(1)) await waitFor(async () => other.nexus.deps.gateway.budgetsFor(tenant.tenantId).length === 1, { timeoutMs: 5_000 });

  const responses = await burst(apps, tenant.key, 500);
  const served = responses.filter((response) => response.status === 200);
  const refused = responses.filter((response) => response.status !== 200);
  expect(refused.every((response) => response.status === 429 && errorOf(response).code === 'budget_exhausted'), JSON.stringify(refused.find((r) => r.status !== 429)?.body)).to.equal(true);
  expect(served.length).to.be.within(50, Math.floor(limit / ACTUAL_COST));
  expect(refused[0]?.body.error).to.deep.include({ type: 'insufficient_quota', code: 'budget_exhausted' });

  const usage = await usageTotal(app, tenant.tenantId, 500);
  expect(usage.completed).to.equal(served.length);
  expect(usage.rejected).to.equal(refused.length);
  expect(usage.cost).to.equal(served.length * ACTUAL_COST);
  // The guarantee itself: never more than one request's cost over the limit (here: not over it at all).
  expect(usage.cost).to.be.at.most(limit + ACTUAL_COST);
}

describe('budgets at the gateway: atomic reservation under concurrency', function () {
  this.timeout(60_000);

  describe('in-process counters', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp();
      await registerMockDeployment(app, 'budgeted-mock', 'budgeted');
    });
    after(() => app.close());

    it('500 concurrent requests against a budget that affords 50: spend never exceeds the limit by more than one request', async () => {
      await expectBudgetHolds([app]);
    });

    it("a key of one tenant never spends another tenant's budget", async () => {
      const rich = await tenantWithKey(app, ['inference']);
      const broke = await tenantWithKey(app, ['inference']);
      await setMonthlyBudget(app, broke.tenantId, 'monthly', 1);
      await setMonthlyBudget(app, rich.tenantId, 'monthly', 1_000_000);
      expect((await chat(app, broke.key, REQUEST)).status).to.equal(429);
      expect((await chat(app, rich.key, REQUEST)).status).to.equal(200);
      const broken = await usageTotal(app, broke.tenantId, 1);
      expect(broken).to.include({ completed: 0, rejected: 1, cost: 0 });
    });

    it('announces each alert threshold once, from inference spend, on the budget stream', async () => {
      const tenant = await tenantWithKey(app, ['inference']);
      const set = await app.request('PUT', `/admin/tenants/${tenant.tenantId}/budgets/watch`, {
        body: { period: 'month', limitMicros: 1_000, currency: 'USD', action: 'alert', alertThresholds: [50, 100] },
      });
      expect(set.status, set.text).to.equal(200);
      const crossings = async (): Promise<number[]> => {
        const events = (await app.request('GET', `/admin/audit/streams/budget-${tenant.tenantId}.watch`)).body.events as Array<{ type: string; data: { thresholdPercent: number } }>;
        return events.filter((event) => event.type === 'BudgetThresholdCrossed').map((event) => event.data.thresholdPercent);
      };
      expect((await chat(app, tenant.key, REQUEST)).status).to.equal(200); // 260
      expect((await chat(app, tenant.key, REQUEST)).status).to.equal(200); // 520: 50 % reached
      await waitFor(async () => (await crossings()).length === 1, { timeoutMs: 5_000 });
      for (let i = 0; i < 3; i++) expect((await chat(app, tenant.key, REQUEST)).status, 'an alert budget never refuses').to.equal(200); // 1,300: 100 %
      await waitFor(async () => (await crossings()).length === 2, { timeoutMs: 5_000 });
      expect((await chat(app, tenant.key, REQUEST)).status).to.equal(200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await crossings()).to.deep.equal([50, 100]);
    });

    it('reserves the worst case for a request without max_tokens and bounds it upstream', async () => {
      const tenant = await tenantWithKey(app, ['inference']);
      await setMonthlyBudget(app, tenant.tenantId, 'monthly', 1_000); // far below 4,096 default output tokens × 10
      const response = await chat(app, tenant.key, { model: 'budgeted', messages: [{ role: 'user', content: 'hi' }] });
      expect(response.status).to.equal(429);
      expect(errorOf(response).message).to.match(/budget 'monthly' cannot cover this request/);
    });
  });

  describe('Redis counters, two gateway processes sharing one event store and one Redis', () => {
    let redis: RedisServer;
    let first: TestApp;
    let second: TestApp;
    before(async function () {
      redis = await startRedisOrSkip(this);
      first = await startTestApp({ NEXUS_REDIS_URL: redis.url });
      await registerMockDeployment(first, 'budgeted-mock', 'budgeted');
      second = await startTestApp({ NEXUS_REDIS_URL: redis.url, NEXUS_DATA_DIR: first.dataDir });
    });
    after(async () => {
      await second?.close();
      await first?.close();
      await redis?.stop();
    });

    it('500 concurrent requests split over both gateways: the budget holds across processes', async () => {
      await expectBudgetHolds([first, second]);
    });
  });

  describe('Redis configured but down', () => {
    let redis: RedisServer;
    let app: TestApp;
    before(async function () {
      await startRedisOrSkip(this).then((probe) => probe.stop());
      redis = await startRedisServer();
      app = await startTestApp({ NEXUS_REDIS_URL: redis.url });
      await registerMockDeployment(app, 'budgeted-mock', 'budgeted');
    });
    after(async () => {
      await app?.close();
      await redis?.stop();
    });

    it('fails budget checks closed (503, nothing sent upstream) while a tenant without a budget is still served', async () => {
      const budgeted = await tenantWithKey(app, ['inference']);
      const free = await tenantWithKey(app, ['inference']);
      await setMonthlyBudget(app, budgeted.tenantId, 'monthly', 1_000_000);
      expect((await chat(app, budgeted.key, REQUEST)).status).to.equal(200);
      await redis.stop();
      const refused = await chat(app, budgeted.key, REQUEST);
      expect(refused.status).to.equal(503);
      expect(errorOf(refused).code).to.equal('budget_unavailable');
      expect(refused.headers.get('retry-after')).to.equal('1');
      expect((await chat(app, free.key, REQUEST)).status).to.equal(200);
    });
  });

  it('refuses to start when NEXUS_REDIS_URL points nowhere', async () => {
    let failure: unknown = null;
    await startTestApp({ NEXUS_REDIS_URL: 'redis://127.0.0.1:1' }).catch((error: unknown) => (failure = error));
    expect(String(failure)).to.match(/NEXUS_REDIS_URL is set but Redis did not answer/);
  });
});
