import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { startTestApp, tenantWithKey, type TestApp } from '../support/app.js';
import { chat, errorOf, registerMockDeployment } from '../support/gateway.js';

const hello = (model = 'plain') => ({ model, messages: [{ role: 'user', content: 'hello there' }], max_tokens: 5 });

async function inferenceEvent(app: TestApp, tenantId: string, requestId: string | null): Promise<{ type: string; data: Record<string, unknown> }> {
  const response = await app.request('GET', `/admin/audit/streams/inference-${tenantId}.${requestId}`);
  const [event] = (response.body.events ?? []) as Array<{ type: string; data: Record<string, unknown> }>;
  if (!event) throw new Error(`no inference event for ${requestId}: ${response.text}`);
  return event;
}

describe('gateway admission: limits, backpressure, policies, rollouts, revocation', function () {
  this.timeout(30_000);
  let app: TestApp;

  before(async () => {
    app = await startTestApp({ NEXUS_MAX_IN_FLIGHT: '4' });
    await registerMockDeployment(app, 'plain-mock', 'plain');
    await registerMockDeployment(app, 'slow-mock', 'slow', 'mock-slow-400');
  });
  after(() => app.close());

  describe('rate and concurrency limits', () => {
    it('answers 429 with Retry-After once the tenant is over its requests per minute, and counts it against no one else', async () => {
      const tenant = await tenantWithKey(app);
      const other = await tenantWithKey(app);
      const set = await app.request('PUT', `/admin/tenants/${tenant.tenantId}/limits`, { body: { requestsPerMinute: 3, tokensPerMinute: null, maxConcurrent: null } });
      expect(set.status, set.text).to.equal(200);
      for (let i = 0; i < 3; i++) expect((await chat(app, tenant.key, hello())).status).to.equal(200);
      const refused = await chat(app, tenant.key, hello());
      expect(refused.status).to.equal(429);
      expect(errorOf(refused)).to.include({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
      // Sliding window: capacity frees in steps of a tenth of the window, so up to 66 s.
      expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 66);
      expect((await chat(app, other.key, hello())).status).to.equal(200);
    });

    it("limits a key by its own ceiling, set by the tenant's admin key", async () => {
      const tenant = await tenantWithKey(app);
      const set = await app.request('PUT', `/admin/tenants/${tenant.tenantId}/api-keys/${tenant.keyId}/limits`, {
        token: tenant.key,
        body: { requestsPerMinute: null, tokensPerMinute: 100, maxConcurrent: null },
      });
      expect(set.status, set.text).to.equal(200);
      const big = await chat(app, tenant.key, { ...hello(), max_tokens: 500 });
      expect(big.status).to.equal(429);
      expect(errorOf(big).code).to.equal('tokens_exceed_limit');
      expect(big.headers.get('retry-after')).to.equal(null);
      expect((await chat(app, tenant.key, hello())).status).to.equal(200);
      const limits = await app.request('GET', `/admin/tenants/${tenant.tenantId}/limits`, { token: tenant.key });
      expect(limits.body.keys).to.deep.equal({ [tenant.keyId]: { requestsPerMinute: null, tokensPerMinute: 100, maxConcurrent: null } });
    });

    it('a tenant key cannot raise its tenant-wide limits (platform admin only)', async () => {
      const tenant = await tenantWithKey(app);
      const attempt = await app.request('PUT', `/admin/tenants/${tenant.tenantId}/limits`, { token: tenant.key, body: { requestsPerMinute: null, tokensPerMinute: null, maxConcurrent: null } });
      expect(attempt.status).to.equal(403);
    });

    it('refuses bad limit figures with the field at fault', async () => {
      const tenant = await tenantWithKey(app);
      const bad = await app.request('PUT', `/admin/tenants/${tenant.tenantId}/limits`, { body: { requestsPerMinute: -1, tokensPerMinute: null, maxConcurrent: null } });
      expect(bad.status).to.equal(400);
      expect(JSON.stringify(bad.body.errors)).to.contain('requestsPerMinute');
    });

    it('answers 429 when the key already has its maximum of requests in flight', async () => {
      const tenant = await tenantWithKey(app);
      await app.request('PUT', `/admin/tenants/${tenant.tenantId}/api-keys/${tenant.keyId}/limits`, { body: { requestsPerMinute: null, tokensPerMinute: null, maxConcurrent: 1 } });
      const [first, second] = await Promise.all([chat(app, tenant.key, hello('slow')), new Promise((resolve) => setTimeout(resolve, 100)).then(() => chat(app, tenant.key, hello('slow')))]);
      expect(first.status).to.equal(200);
      expect(second.status).to.equal(429);
      expect(errorOf(second).code).to.equal('concurrency_limit_exceeded');
      expect((await chat(app, tenant.key, hello('slow'))).status, 'the slot is free again').to.equal(200);
    });

    it('charges a request refused by its concurrency limit to no rate limit (admission is all or nothing)', async () => {
      const tenant = await tenantWithKey(app);
      await app.request('PUT', `/admin/tenants/${tenant.tenantId}/limits`, { body: { requestsPerMinute: 2, tokensPerMinute: null, maxConcurrent: null } });
      await app.request('PUT', `/admin/tenants/${tenant.tenantId}/api-keys/${tenant.keyId}/limits`, { body: { requestsPerMinute: null, tokensPerMinute: null, maxConcurrent: 1 } });
      const [first, second] = await Promise.all([chat(app, tenant.key, hello('slow')), new Promise((resolve) => setTimeout(resolve, 100)).then(() => chat(app, tenant.key, hello('slow')))]);
      expect(first.status).to.equal(200);
      expect(errorOf(second).code).to.equal('concurrency_limit_exceeded');
      expect((await chat(app, tenant.key, hello())).status, 'the refused request used none of the 2 per minute').to.equal(200);
      expect(errorOf(await chat(app, tenant.key, hello())).code).to.equal('rate_limit_exceeded');
    });
  });

  it('sheds load past the in-flight ceiling with 503 and Retry-After, quickly, instead of queueing', async () => {
    const tenant = await tenantWithKey(app);
    const slow = Array.from({ length: 4 }, () => chat(app, tenant.key, hello('slow')));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    const shed = await chat(app, tenant.key, hello());
    expect(performance.now() - started).to.be.below(200);
    expect(shed.status).to.equal(503);
    expect(errorOf(shed)).to.include({ type: 'overloaded_error', code: 'overloaded' });
    expect(shed.headers.get('retry-after')).to.equal('1');
    expect((await Promise.all(slow)).map((response) => response.status)).to.deep.equal([200, 200, 200, 200]);
    expect((await chat(app, tenant.key, hello())).status).to.equal(200);
  });

  describe('policies', () => {
    it('refuses a model outside the allowed list with 403 and records InferenceRejected', async () => {
      const tenant = await tenantWithKey(app);
      const base = `/admin/tenants/${tenant.tenantId}/policies`;
      expect((await app.request('POST', base, { body: { policyId: 'models', name: 'Allowed models' } })).status).to.equal(201);
      const rules = { allowedModels: ['slow'], maxTokens: 50, piiAction: 'allow', injectionAction: 'allow', dataRegions: null };
      expect((await app.request('POST', `${base}/models/versions`, { body: { rules } })).status).to.equal(200);
      expect((await app.request('POST', `${base}/models/attach`, { body: {} })).status).to.equal(200);

      const denied = await chat(app, tenant.key, hello('plain'));
      expect(denied.status).to.equal(403);
      expect(errorOf(denied)).to.include({ type: 'permission_error', code: 'policy_denied', param: 'model' });
      const event = await inferenceEvent(app, tenant.tenantId, denied.headers.get('x-request-id'));
      expect(event.type).to.equal('InferenceRejected');
      expect(event.data).to.include({ reason: 'policy_denied', modelAlias: 'plain', keyId: tenant.keyId });

      const models = await app.request('GET', '/v1/models', { token: tenant.key });
      expect((models.body.data as Array<{ id: string }>).map((model) => model.id), 'only the allowed models are listed').to.deep.equal(['slow']);

      const tooLong = await chat(app, tenant.key, { ...hello('slow'), max_tokens: 51 });
      expect(tooLong.status).to.equal(403);
      expect(errorOf(tooLong).param).to.equal('max_tokens');
      expect((await chat(app, tenant.key, hello('slow'))).status).to.equal(200);
    });
  });

  describe('gradual rollout', () => {
    it('splits an alias between baseline and candidate, sticky per key, and records the rollout on the candidate path', async () => {
      await registerMockDeployment(app, 'stable-v1', 'rolling', 'mock-echo', 100);
      await registerMockDeployment(app, 'candidate-v2', 'rolling', 'mock-echo', 0);
      const start = await app.request('PUT', '/admin/rollouts/v2-rollout', { body: { modelAlias: 'rolling', candidateDeploymentId: 'candidate-v2', percent: 50 } });
      expect(start.status, start.text).to.equal(201);
      const tenants = await Promise.all(Array.from({ length: 12 }, () => tenantWithKey(app, ['inference'])));
      const served = async (key: string, tenantId: string): Promise<{ deploymentId: unknown; rolloutId: unknown }> => {
        const response = await chat(app, key, hello('rolling'));
        expect(response.status).to.equal(200);
        const event = await inferenceEvent(app, tenantId, response.headers.get('x-request-id'));
        return { deploymentId: event.data.deploymentId, rolloutId: event.data.rolloutId };
      };
      const seen = new Set<unknown>();
      for (const tenant of tenants) {
        const first = await served(tenant.key, tenant.tenantId);
        for (let i = 0; i < 3; i++) expect(await served(tenant.key, tenant.tenantId), 'sticky per key').to.deep.equal(first);
        expect(first.rolloutId).to.equal(first.deploymentId === 'candidate-v2' ? 'v2-rollout' : null);
        seen.add(first.deploymentId);
      }
      expect([...seen].sort(), 'twelve keys at 50 % land on both sides').to.deep.equal(['candidate-v2', 'stable-v1']);

      expect((await app.request('POST', '/admin/rollouts/v2-rollout/rollback', { body: { reason: 'latency regression' } })).status).to.equal(200);
      for (const tenant of tenants.slice(0, 4)) expect((await served(tenant.key, tenant.tenantId)).deploymentId).to.equal('stable-v1');
      const again = await app.request('PUT', '/admin/rollouts/v2-again', { body: { modelAlias: 'plain', candidateDeploymentId: 'candidate-v2', percent: 10 } });
      expect(again.status, 'the candidate must serve the alias').to.equal(422);
    });
  });

  describe('revocation', () => {
    it('a key revoked on one gateway process is refused by another sharing the event store within 1 s', async () => {
      const peer = await startTestApp({ NEXUS_DATA_DIR: app.dataDir });
      try {
        const tenant = await tenantWithKey(app);
        await peer.nexus.deps.gateway.waitForPosition(await app.nexus.deps.eventStore.headPosition(), 2_000);
        expect((await chat(peer, tenant.key, hello())).status).to.equal(200);
        const revoke = await app.request('POST', `/admin/tenants/${tenant.tenantId}/api-keys/${tenant.keyId}/revoke`, { body: { reason: 'leaked' } });
        expect(revoke.status).to.equal(200);
        const revokedAt = performance.now();
        let status = 200;
        while (status === 200 && performance.now() - revokedAt < 2_000) {
          status = (await chat(peer, tenant.key, hello())).status;
          if (status === 200) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(status).to.equal(401);
        expect(performance.now() - revokedAt).to.be.below(1_000);
      } finally {
        await peer.close();
      }
    });
  });
});
