import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import OpenAI, { APIError } from 'openai';
import { startTestApp, tenantWithKey, type TestApp } from '../support/app.js';
import { startFakeGemini } from '../support/fake-upstreams/gemini.js';
import { FAKE_OPENAI_TEXT, startFakeOpenAi } from '../support/fake-upstreams/openai.js';
import type { FakeServer } from '../support/fake-upstreams/server.js';
import { SIMPLE_PRICE } from '../support/gateway.js';

interface Outcome {
  readonly type: string;
  readonly data: { readonly deploymentId: string; readonly attempts: ReadonlyArray<{ deploymentId: string; outcome: string; status: number | null }> };
}

/**
 * The official OpenAI SDK against the gateway, the gateway against fake upstreams that speak
 * each provider's real wire format (streaming included): the whole path a client's request
 * takes, with the fallback chain seen through the recorded events.
 */
describe('data plane through real wire formats (OpenAI SDK → NexusAI → fake OpenAI / Gemini)', function () {
  this.timeout(30_000);
  let app: TestApp;
  let openai: FakeServer;
  let gemini: FakeServer;
  let client: OpenAI;
  let tenantId: string;

  const register = async (deploymentId: string, modelAlias: string, provider: string, upstreamModel: string, baseUrl: string, weight: number): Promise<void> => {
    const response = await app.request('POST', '/admin/deployments', { body: { deploymentId, provider, upstreamModel, modelAlias, region: 'eu', baseUrl, weight, ...SIMPLE_PRICE } });
    expect(response.status, response.text).to.equal(201);
  };

  const outcomeOf = async (requestId: string | null): Promise<Outcome> => {
    for (let tries = 0; tries < 100; tries++) {
      const response = await app.request('GET', `/admin/audit/streams/inference-${tenantId}.${requestId}`);
      const [event] = (response.body.events ?? []) as Outcome[];
      if (event) return event;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no outcome for ${requestId}`);
  };
  const path = (outcome: Outcome) => outcome.data.attempts.map((attempt) => `${attempt.deploymentId}:${attempt.outcome}:${attempt.status}`);

  /**
   * Sends until the weighted choice tried `primary` first, and returns what that request got.
   * At weights 1000:1 the backup is rightly picked first about once in 1,001 requests; that
   * request proves nothing about falling back, so it is sent again rather than failing the test.
   */
  const withPrimaryFirst = async <T extends { requestId: string | null }>(primary: string, send: () => Promise<T>): Promise<T & { recorded: Outcome }> => {
    for (let tries = 0; tries < 5; tries++) {
      const sent = await send();
      const recorded = await outcomeOf(sent.requestId);
      if (recorded.data.attempts[0]?.deploymentId === primary) return { ...sent, recorded };
    }
    throw new Error(`the weighted choice never tried ${primary} first`);
  };

  before(async () => {
    openai = await startFakeOpenAi();
    gemini = await startFakeGemini();
    // Secrets are read from the environment when the gateway starts (NEXUS_SECRET_<REF>).
    process.env.NEXUS_SECRET_FAKE_OPENAI_KEY = 'sk-test-upstream-secret';
    // One call per deployment: the fallback path is then exactly one attempt per hop.
    app = await startTestApp({ NEXUS_UPSTREAM_MAX_ATTEMPTS: '1', NEXUS_UPSTREAM_READ_TIMEOUT_MS: '500' });
    const v1 = `${openai.origin}/v1`;
    await register('oa-main', 'gpt', 'openai-compatible', 'gpt-4o-mini', v1, 100);
    await register('gm-main', 'gem', 'gemini', 'gemini-2.0-flash', `${gemini.origin}/v1beta`, 100);
    for (const scenario of ['fail-500', 'fail-429', 'hang', 'drop']) {
      await register(`primary-${scenario}`, `via-${scenario}`, 'openai-compatible', scenario, v1, 1000);
      await register(`backup-${scenario}`, `via-${scenario}`, 'openai-compatible', 'gpt-4o-mini', v1, 1);
    }
    const tenant = await tenantWithKey(app, ['inference']);
    tenantId = tenant.tenantId;
    client = new OpenAI({ baseURL: `${app.baseUrl}/v1`, apiKey: tenant.key, maxRetries: 0 });
  });
  after(async () => {
    delete process.env.NEXUS_SECRET_FAKE_OPENAI_KEY;
    await app.close();
    await openai.close();
    await gemini.close();
  });

  it('chat completion: OpenAI-compatible upstream, non-streaming', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'hello' }] });
    expect(completion.model).to.equal('gpt');
    expect(completion.choices[0]?.message.content).to.equal(FAKE_OPENAI_TEXT);
  });

  it('chat completion: OpenAI-compatible upstream, streaming with include_usage', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'hello' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).to.equal(FAKE_OPENAI_TEXT);
    expect(usage?.total_tokens).to.be.greaterThan(0);
  });

  it('chat completion: Gemini upstream, streaming and not, in OpenAI shape', async () => {
    const completion = await client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: 'hello' }] });
    expect(completion.choices[0]?.message.content).to.be.a('string').and.not.equal('');
    const stream = await client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: 'hello' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).to.equal(completion.choices[0]?.message.content);
  });

  it('embeddings through the SDK', async () => {
    const { data, model, usage } = await client.embeddings.create({ model: 'gpt', input: ['one', 'two'] });
    expect(model).to.equal('gpt');
    expect(data).to.have.length(2);
    expect(data[0]?.embedding).to.deep.equal([3, 0.5, -0.5]);
    expect(usage.prompt_tokens).to.be.greaterThan(0);
  });

  it("sends the deployment's credential upstream, resolved from its credentialRef, and falls back past one whose secret is missing", async () => {
    const body = (deploymentId: string, credentialRef: string, weight: number) => ({
      deploymentId, provider: 'openai-compatible', upstreamModel: 'gpt-4o-mini', modelAlias: 'secured', region: 'eu', baseUrl: `${openai.origin}/v1`, weight, credentialRef, ...SIMPLE_PRICE,
    });
    expect((await app.request('POST', '/admin/deployments', { body: body('secured-missing', 'nobody-set-this', 1000) })).status).to.equal(201);
    expect((await app.request('POST', '/admin/deployments', { body: body('secured-ok', 'fake-openai-key', 1) })).status).to.equal(201);
    const { requestId, recorded } = await withPrimaryFirst('secured-missing', async () => {
      const { response } = await client.chat.completions.create({ model: 'secured', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
      return { requestId: response.headers.get('x-request-id') };
    });
    expect(openai.lastRequest().headers.authorization).to.equal('Bearer sk-test-upstream-secret');
    expect(path(recorded)).to.deep.equal(['secured-missing:auth:null', 'secured-ok:ok:200']);
    const audit = await app.request('GET', `/admin/audit/streams/inference-${tenantId}.${requestId}`);
    expect(audit.text).not.to.include('sk-test-upstream-secret');
  });

  it('an error the SDK raises as its typed class', async () => {
    const error = await client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(APIError);
    expect((error as APIError).status).to.equal(404);
    expect((error as APIError).code).to.equal('model_not_found');
  });

  for (const [scenario, outcome, status] of [
    ['fail-500', 'server_error', 500],
    ['fail-429', 'rate_limited', 429],
    ['hang', 'timeout', null],
    ['drop', 'connection', null],
  ] as const) {
    it(`falls back when the primary answers '${scenario}', and the events show the path (non-streaming)`, async () => {
      const { data, recorded } = await withPrimaryFirst(`primary-${scenario}`, async () => {
        const { data, response } = await client.chat.completions.create({ model: `via-${scenario}`, messages: [{ role: 'user', content: 'hello' }] }).withResponse();
        return { data, requestId: response.headers.get('x-request-id') };
      });
      expect(data.choices[0]?.message.content).to.equal(FAKE_OPENAI_TEXT);
      expect(recorded.type).to.equal('InferenceCompleted');
      expect(path(recorded)).to.deep.equal([`primary-${scenario}:${outcome}:${status}`, `backup-${scenario}:ok:200`]);
    });

    it(`falls back before the first chunk when the primary answers '${scenario}' (streaming)`, async () => {
      const { text, recorded } = await withPrimaryFirst(`primary-${scenario}`, async () => {
        const { data: stream, response } = await client.chat.completions
          .create({ model: `via-${scenario}`, messages: [{ role: 'user', content: 'hello' }], stream: true })
          .withResponse();
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        return { text, requestId: response.headers.get('x-request-id') };
      });
      expect(text).to.equal(FAKE_OPENAI_TEXT);
      expect(path(recorded)).to.deep.equal([`primary-${scenario}:${outcome}:${status}`, `backup-${scenario}:ok:200`]);
    });
  }

  it('ends a stream that breaks after its first chunk with an error event the SDK raises, and bills the partial usage', async () => {
    await register('mid-stream', 'breaks', 'openai-compatible', 'drop-mid-stream', `${openai.origin}/v1`, 100);
    const { data: stream, response } = await client.chat.completions.create({ model: 'breaks', messages: [{ role: 'user', content: 'hello' }], stream: true }).withResponse();
    let text = '';
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((caught: unknown) => caught);
    expect(failure, 'the SDK raises the error event').to.be.instanceOf(Error);
    expect(text.length).to.be.greaterThan(0);
    const recorded = (await outcomeOf(response.headers.get('x-request-id'))) as Outcome & { data: { outputTokens: number; costMicros: number; errorKind: string } };
    expect(recorded.type).to.equal('InferenceFailed');
    expect(recorded.data.errorKind).to.equal('stream_interrupted');
    expect(recorded.data.outputTokens, 'the tokens relayed before the break').to.be.greaterThan(0);
    expect(recorded.data.costMicros).to.be.greaterThan(0);
  });
});
