import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import OpenAI, { APIError } from 'openai';
import { startTestApp, tenantWithKey, type TestApp } from '../support/app.js';

/**
 * The first data-plane slice, driven by the official OpenAI SDK: the gateway must look like
 * OpenAI to it (shapes, SSE, errors), route by alias to mock deployments, fall back past a
 * failing deployment, and record each request's outcome, priced, on its own stream.
 */
const PRICE = { inputPricePerMTokMicros: 150_000, outputPricePerMTokMicros: 600_000, currency: 'USD' };

interface RecordedOutcome {
  readonly type: string;
  readonly data: {
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly costMicros: number;
    readonly deploymentId: string;
    readonly stream: boolean;
    readonly attempts: ReadonlyArray<{ deploymentId: string; outcome: string; status: number | null }>;
  };
}

// Usage events are recorded inline by default; the second pass starts the recorder thread as NEXUS_RECORDER_THREAD=true does.
for (const recorderThread of [false, true]) describe(`data plane /v1 (OpenAI SDK against mock deployments)${recorderThread ? ', recorder thread on' : ''}`, () => {
  let app: TestApp;
  let tenant: { tenantId: string; key: string };
  let client: OpenAI;

  const register = async (deploymentId: string, modelAlias: string, upstreamModel: string, weight: number): Promise<void> => {
    const response = await app.request('POST', '/admin/deployments', {
      body: { deploymentId, provider: 'mock', upstreamModel, modelAlias, region: 'eu', baseUrl: null, weight, ...PRICE },
    });
    expect(response.status, response.text).to.equal(201);
  };

  /** The outcome of one request; a streamed one is recorded just after its last chunk, so poll briefly. */
  const outcomeOf = async (requestId: string): Promise<RecordedOutcome> => {
    for (let tries = 0; tries < 50; tries++) {
      const response = await app.request('GET', `/admin/audit/streams/inference-${tenant.tenantId}.${requestId}`);
      const events = (response.body.events ?? []) as RecordedOutcome[];
      if (response.status === 200 && events.length > 0) return events[0];
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no outcome recorded for ${requestId}`);
  };

  const expectedCost = (input: number, output: number): number => Math.ceil((input * PRICE.inputPricePerMTokMicros + output * PRICE.outputPricePerMTokMicros) / 1e6);

  before(async () => {
    app = await startTestApp({ NEXUS_RECORDER_THREAD: String(recorderThread) });
    await register('mock-echo-eu', 'echo', 'mock-echo', 100);
    await register('flaky-primary', 'resilient', 'mock-error-500', 1000);
    await register('steady-backup', 'resilient', 'mock-echo', 1);
    tenant = await tenantWithKey(app, ['inference']);
    client = new OpenAI({ baseURL: `${app.baseUrl}/v1`, apiKey: tenant.key, maxRetries: 0 });
  });

  after(async () => {
    await app.close();
  });

  it('lists the routable aliases as models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) {
      expect(model.object).to.equal('model');
      expect(model.owned_by).to.equal('nexusai');
      ids.push(model.id);
    }
    expect(ids).to.include.members(['echo', 'resilient']);
  });

  it('answers a chat completion under the alias, with usage, and records it priced', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'echo', messages: [{ role: 'user', content: 'hello there gateway' }], metadata: { ignored: 'passed through' } })
      .withResponse();
    expect(data.model).to.equal('echo');
    expect(data.choices[0]?.message.content).to.equal('[mock mock-echo] echo: hello there gateway');
    expect(data.usage).to.deep.include({ prompt_tokens: 3, completion_tokens: 6, total_tokens: 9 });
    const requestId = response.headers.get('x-request-id');
    expect(requestId).to.be.a('string');
    const outcome = await outcomeOf(String(requestId));
    expect(outcome.type).to.equal('InferenceCompleted');
    expect(outcome.data).to.deep.include({ inputTokens: 3, outputTokens: 6, costMicros: expectedCost(3, 6), deploymentId: 'mock-echo-eu', stream: false });
    expect(outcome.data.attempts).to.have.length(1);
  });

  it("reports how long answers waited for their usage event's commit, by path, in /metrics", async () => {
    const count = async (): Promise<number> => {
      const metrics = await app.request('GET', '/metrics', { token: null });
      const counts = [...metrics.text.matchAll(/^nexus_usage_record_duration_seconds_count\{path="(?:inline|thread)",outcome="ok"\} (\d+)$/gm)];
      return counts.reduce((sum, match) => sum + Number(match[1]), 0);
    };
    const before = await count();
    await client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'count me' }] });
    expect(await count()).to.equal(before + 1);
  });

  it('streams chunks and the final usage chunk, then records the stream', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'echo', messages: [{ role: 'user', content: 'stream me' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.model).to.equal('echo');
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).to.equal('[mock mock-echo] echo: stream me');
    expect(usage).to.deep.include({ prompt_tokens: 2, completion_tokens: 5 });
    const outcome = await outcomeOf(String(response.headers.get('x-request-id')));
    expect(outcome.type).to.equal('InferenceCompleted');
    expect(outcome.data).to.deep.include({ stream: true, inputTokens: 2, outputTokens: 5, costMicros: expectedCost(2, 5) });
  });

  it('streams without a usage chunk when the client did not ask, yet still bills the usage', async () => {
    const { data: stream, response } = await client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'quiet' }], stream: true }).withResponse();
    for await (const chunk of stream) expect(chunk.usage ?? null).to.equal(null);
    const outcome = await outcomeOf(String(response.headers.get('x-request-id')));
    expect(outcome.data.outputTokens).to.equal(4);
  });

  it('answers an unknown model with an OpenAI 404 model_not_found', async () => {
    try {
      await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] });
      expect.fail('expected a 404');
    } catch (error) {
      expect(error).to.be.instanceOf(APIError);
      expect((error as APIError).status).to.equal(404);
      expect((error as APIError).code).to.equal('model_not_found');
    }
  });

  it('rejects a malformed request as an OpenAI 400', async () => {
    const response = await app.request('POST', '/v1/chat/completions', { token: tenant.key, body: { model: 'echo', messages: [{ role: 'wizard', content: 'x' }] } });
    expect(response.status).to.equal(400);
    expect(response.body.error).to.have.property('type', 'invalid_request_error');
  });

  it('answers malformed JSON in the OpenAI error shape', async () => {
    const response = await app.request('POST', '/v1/chat/completions', { token: tenant.key, rawBody: '{"model": "echo",' });
    expect(response.status).to.equal(400);
    expect(response.body.error).to.have.property('type', 'invalid_request_error');
  });

  it('refuses keys without the inference scope, and the admin token', async () => {
    const reader = await tenantWithKey(app, ['admin-read']);
    const asReader = await app.request('POST', '/v1/chat/completions', { token: reader.key, body: { model: 'echo', messages: [{ role: 'user', content: 'hi' }] } });
    expect(asReader.status).to.equal(403);
    expect(asReader.body.error).to.have.property('type', 'permission_error');
    const asAdmin = await app.request('GET', '/v1/models');
    expect(asAdmin.status).to.equal(403);
  });

  it('refuses a suspended tenant with a 403 that says so', async () => {
    const other = await tenantWithKey(app, ['inference']);
    const suspended = await app.request('POST', `/admin/tenants/${other.tenantId}/suspend`, { body: { reason: 'unpaid invoice' } });
    expect(suspended.status, suspended.text).to.equal(200);
    const response = await app.request('POST', '/v1/chat/completions', { token: other.key, body: { model: 'echo', messages: [{ role: 'user', content: 'hi' }] } });
    expect(response.status).to.equal(403);
    expect(String((response.body.error as { message: string }).message)).to.include('suspended');
  });

  it('falls back past a failing deployment and records the failed attempt first', async () => {
    // The first pick is weighted (1000 : 1), so the failing deployment is tried first almost always;
    // a few calls make "never saw the fallback" vanishingly unlikely (about 1e-15).
    let fallback: RecordedOutcome | null = null;
    for (let call = 0; call < 5 && fallback === null; call++) {
      const { data, response } = await client.chat.completions.create({ model: 'resilient', messages: [{ role: 'user', content: 'still there?' }] }).withResponse();
      expect(data.model).to.equal('resilient');
      const outcome = await outcomeOf(String(response.headers.get('x-request-id')));
      expect(outcome.data.deploymentId).to.equal('steady-backup');
      if (outcome.data.attempts.length === 2) fallback = outcome;
    }
    expect(fallback, 'a request that fell back').to.not.equal(null);
    expect(fallback?.data.attempts.map((attempt) => [attempt.deploymentId, attempt.outcome, attempt.status])).to.deep.equal([
      ['flaky-primary', 'server_error', 500],
      ['steady-backup', 'ok', 200],
    ]);
  });

  it('answers 502 and records InferenceFailed when every deployment fails', async () => {
    await register('only-broken', 'broken', 'mock-error-503', 100);
    const response = await app.request('POST', '/v1/chat/completions', { token: tenant.key, body: { model: 'broken', messages: [{ role: 'user', content: 'hi' }] } });
    expect(response.status).to.equal(502);
    expect(response.body.error).to.have.property('type', 'api_error');
    const outcome = await outcomeOf(String(response.headers.get('x-request-id')));
    expect(outcome.type).to.equal('InferenceFailed');
    expect(outcome.data.costMicros).to.equal(0);
  });
});
