import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { startTestApp, tenantWithKey, type TestApp } from '../support/app.js';
import { startFakeOpenAi } from '../support/fake-upstreams/openai.js';
import type { FakeServer } from '../support/fake-upstreams/server.js';
import { SIMPLE_PRICE, chat, errorOf } from '../support/gateway.js';

/**
 * Malformed requests get OpenAI-shaped 4xx errors naming the field at fault, and never reach
 * a provider: the deployment behind the alias is a fake OpenAI upstream that counts requests.
 */
describe('data plane: malformed requests never reach a provider', () => {
  let app: TestApp;
  let upstream: FakeServer;
  let key: string;
  const valid = { model: 'guarded', messages: [{ role: 'user', content: 'hi' }] };

  before(async () => {
    upstream = await startFakeOpenAi();
    app = await startTestApp({ NEXUS_BODY_LIMIT_BYTES: String(64 * 1024) });
    const deployment = { deploymentId: 'guarded-upstream', provider: 'openai-compatible', upstreamModel: 'gpt-4o-mini', modelAlias: 'guarded', region: 'eu', baseUrl: `${upstream.origin}/v1`, weight: 100, ...SIMPLE_PRICE };
    const registered = await app.request('POST', '/admin/deployments', { body: deployment });
    expect(registered.status, registered.text).to.equal(201);
    ({ key } = await tenantWithKey(app, ['inference']));
  });
  after(async () => {
    await app.close();
    await upstream.close();
  });

  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['a missing model', { messages: valid.messages }, 'model'],
    ['a model of the wrong type', { ...valid, model: 42 }, 'model'],
    ['messages that are not a list', { ...valid, messages: 'hi' }, 'messages'],
    ['no messages', { ...valid, messages: [] }, 'messages'],
    ['an unknown role', { ...valid, messages: [{ role: 'wizard', content: 'hi' }] }, 'messages.0.role'],
    ['content of the wrong type', { ...valid, messages: [{ role: 'user', content: 42 }] }, 'messages.0'],
    ['a tool message without tool_call_id', { ...valid, messages: [{ role: 'tool', content: 'x' }] }, 'messages.0'],
    ['a huge max_tokens', { ...valid, max_tokens: 1e9 }, 'max_tokens'],
    ['a negative max_completion_tokens', { ...valid, max_completion_tokens: -1 }, 'max_completion_tokens'],
    ['a temperature out of range', { ...valid, temperature: 7 }, 'temperature'],
    ['a temperature of the wrong type', { ...valid, temperature: 'hot' }, 'temperature'],
    ['stream as a string', { ...valid, stream: 'yes' }, 'stream'],
    ['a tool without a function name', { ...valid, tools: [{ type: 'function', function: {} }] }, 'tools.0.function.name'],
    ['an unknown response_format type', { ...valid, response_format: { type: 'yaml' } }, 'response_format'],
    ['too many stop sequences', { ...valid, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
  ];

  for (const [name, body, field] of cases) {
    it(`refuses ${name} with a 400 naming '${field}'`, async () => {
      const response = await chat(app, key, body);
      expect(response.status, response.text).to.equal(400);
      expect(errorOf(response).type).to.equal('invalid_request_error');
      expect(String(errorOf(response).param)).to.satisfy((param: string) => param.startsWith(field), `param ${errorOf(response).param}`);
    });
  }

  it('refuses an oversized body with 413 in the OpenAI shape', async () => {
    const response = await chat(app, key, { ...valid, messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] });
    expect(response.status).to.equal(413);
    expect(errorOf(response).type).to.equal('invalid_request_error');
  });

  it('refuses a body that is not JSON, and one that is not an object', async () => {
    const notJson = await app.request('POST', '/v1/chat/completions', { token: key, rawBody: '{"model":' });
    expect(notJson.status).to.equal(400);
    expect(errorOf(notJson).type).to.equal('invalid_request_error');
    const array = await app.request('POST', '/v1/chat/completions', { token: key, body: [valid] });
    expect(array.status).to.equal(400);
  });

  it('refuses an embeddings request without input, naming it', async () => {
    const response = await app.request('POST', '/v1/embeddings', { token: key, body: { model: 'guarded' } });
    expect(response.status).to.equal(400);
    expect(errorOf(response).param).to.equal('input');
  });

  it('sent none of them upstream, while a valid request does reach it', async () => {
    expect(upstream.requests).to.have.length(0);
    const ok = await chat(app, key, valid);
    expect(ok.status, ok.text).to.equal(200);
    expect(upstream.requests).to.have.length(1);
  });
});
