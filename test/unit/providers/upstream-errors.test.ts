import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { inspect } from 'node:util';
import { createAnthropicProvider } from '../../../engines/providers/anthropic/index.js';
import { createGeminiProvider } from '../../../engines/providers/gemini/index.js';
import { UpstreamHttp } from '../../../engines/providers/http.js';
import { createOpenAiProvider } from '../../../engines/providers/openai/index.js';
import { UpstreamError, type ChatCompletionRequest, type ChatProvider, type ProviderTarget } from '../../../engines/providers/port.js';
import { startFakeAnthropic } from '../../support/fake-upstreams/anthropic.js';
import { startFakeGemini } from '../../support/fake-upstreams/gemini.js';
import { startFakeOpenAi } from '../../support/fake-upstreams/openai.js';
import { startFakeServer, type FakeServer } from '../../support/fake-upstreams/server.js';
import { collect, collectUntilError, target, TEST_KEY, upstreamRejection } from './helpers.js';

const hello: ChatCompletionRequest = { model: 'alias', messages: [{ role: 'user', content: 'Say hello' }] };

describe('upstream failures become typed UpstreamErrors', () => {
  let openaiServer: FakeServer;
  let anthropicServer: FakeServer;
  let geminiServer: FakeServer;
  const http = new UpstreamHttp();
  const openai = createOpenAiProvider(http);
  const at = (upstreamModel: string, overrides: Partial<ProviderTarget> = {}) =>
    target({ baseUrl: `${openaiServer.origin}/v1`, upstreamModel, deploymentId: 'd_gpt', ...overrides });

  before(async () => {
    [openaiServer, anthropicServer, geminiServer] = await Promise.all([startFakeOpenAi(), startFakeAnthropic(), startFakeGemini()]);
  });
  after(async () => {
    await http.close();
    await Promise.all([openaiServer.close(), anthropicServer.close(), geminiServer.close()]);
  });

  it('maps 500 to a retryable server_error carrying the upstream message and the deployment', async () => {
    const error = await upstreamRejection(openai.chat(hello, at('fail-500')));

    expect(error).to.deep.include({ kind: 'server_error', status: 500, retryable: true, deploymentId: 'd_gpt', retryAfterMs: null });
    expect(error.upstreamMessage).to.equal('The server had an error while processing your request.');
    expect(error.message).to.contain("deployment 'd_gpt'").and.contain('HTTP 500');
  });

  it('maps 429 to rate_limited with Retry-After seconds, preferring retry-after-ms', async () => {
    const seconds = await upstreamRejection(openai.chat(hello, at('fail-429')));
    const millis = await upstreamRejection(openai.chatStream(hello, at('fail-429-ms')));

    expect(seconds).to.deep.include({ kind: 'rate_limited', status: 429, retryable: true, retryAfterMs: 7000 });
    expect(millis).to.deep.include({ kind: 'rate_limited', retryAfterMs: 1500 });
  });

  it('never lets the credential reach the error, even when the upstream echoes it', async () => {
    for (const call of [openai.chat(hello, at('fail-401-echo')), openai.chatStream(hello, at('fail-401-echo'))]) {
      const error = await upstreamRejection(call);
      expect(error).to.deep.include({ kind: 'auth', status: 401, retryable: false });
      expect(error.upstreamMessage).to.contain('Incorrect API key provided');
      for (const rendering of [error.message, error.upstreamMessage, String(error.stack), inspect(error, { depth: 5 }), JSON.stringify(error)]) {
        expect(rendering).to.not.contain(TEST_KEY);
        expect(rendering).to.not.contain(TEST_KEY.slice(0, 12));
      }
    }
  });

  it('times out on an upstream that never answers, within the read timeout', async () => {
    const started = Date.now();
    const error = await upstreamRejection(openai.chat(hello, at('hang', { timeouts: { connectMs: 1000, readMs: 150 } })));
    const streaming = await upstreamRejection(openai.chatStream(hello, at('hang', { timeouts: { connectMs: 1000, readMs: 150 } })));

    expect(error).to.deep.include({ kind: 'timeout', status: null, retryable: true });
    expect(streaming.kind).to.equal('timeout');
    expect(Date.now() - started).to.be.below(3000);
  });

  it('maps a refused connection to a retryable connection error', async () => {
    const closed = await startFakeServer(() => undefined);
    const origin = closed.origin;
    await closed.close();
    const error = await upstreamRejection(openai.chat(hello, target({ baseUrl: `${origin}/v1` })));

    expect(error).to.deep.include({ kind: 'connection', status: null, retryable: true });
    expect(error.upstreamMessage).to.contain('ECONNREFUSED');
  });

  it('maps a connection dropped before the first byte to a connection error, streaming or not', async () => {
    expect((await upstreamRejection(openai.chat(hello, at('drop')))).kind).to.equal('connection');
    expect((await upstreamRejection(openai.chatStream(hello, at('drop')))).kind).to.equal('connection');
  });

  const midStreamCases: Array<[string, () => { provider: ChatProvider; target: ProviderTarget }]> = [
    ['openai', () => ({ provider: openai, target: at('drop-mid-stream') })],
    ['anthropic', () => ({ provider: createAnthropicProvider(http), target: target({ baseUrl: anthropicServer.origin, upstreamModel: 'drop-mid-stream' }) })],
    ['gemini', () => ({ provider: createGeminiProvider(http), target: target({ baseUrl: `${geminiServer.origin}/v1beta`, upstreamModel: 'drop-mid-stream' }) })],
  ];
  for (const [name, setup] of midStreamCases) {
    it(`${name}: a stream cut mid-way resolves first, then fails the iteration with stream_interrupted`, async () => {
      const { provider, target: deployment } = setup();
      const stream = await provider.chatStream(hello, deployment);
      const { items, error } = await collectUntilError(stream);

      expect(items.length).to.be.greaterThan(0);
      expect(error).to.be.instanceOf(UpstreamError);
      expect(error).to.deep.include({ kind: 'stream_interrupted', retryable: false });
    });
  }

  it('anthropic: an error event inside the stream fails the iteration with its message', async () => {
    const anthropic = createAnthropicProvider(http);
    const stream = await anthropic.chatStream(hello, target({ baseUrl: anthropicServer.origin, upstreamModel: 'overloaded-mid-stream' }));
    const { error } = await collectUntilError(stream);

    expect(error).to.be.instanceOf(UpstreamError);
    expect(error).to.deep.include({ kind: 'stream_interrupted', upstreamMessage: 'Overloaded' });
  });

  it('re-throws a caller abort as the abort reason, not as an upstream failure', async () => {
    const controller = new AbortController();
    const reason = new Error('client went away');
    setTimeout(() => controller.abort(reason), 50);
    let caught: unknown;
    try {
      await openai.chat(hello, at('hang'), controller.signal);
    } catch (error) {
      caught = error;
    }
    expect(caught).to.equal(reason);
  });

  it('reuses one keep-alive connection for sequential requests, streamed or not', async () => {
    const server = await startFakeOpenAi();
    const ownHttp = new UpstreamHttp();
    try {
      const provider = createOpenAiProvider(ownHttp);
      const deployment = target({ baseUrl: `${server.origin}/v1` });
      // undici hands a keep-alive socket back to its pool one event-loop turn after the
      // response completes (setImmediate), so a request fired in the same turn would open
      // a second socket; real callers always pass through I/O between two requests.
      const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
      for (let i = 0; i < 3; i++) {
        await provider.chat(hello, deployment);
        await nextTurn();
      }
      await collect(await provider.chatStream({ ...hello, stream_options: { include_usage: true } }, deployment));
      await new Promise((resolve) => setTimeout(resolve, 20)); // the stream drains after [DONE] in the background
      await provider.chat(hello, deployment);

      expect(server.requests.length).to.equal(5);
      expect(server.connections()).to.equal(1);
    } finally {
      await ownHttp.close();
      await server.close();
    }
  });

  it('releases the upstream connection when the consumer stops reading early', async () => {
    const stream = await openai.chatStream(hello, at('gpt'));
    for await (const chunk of stream) {
      expect(chunk.object).to.equal('chat.completion.chunk');
      break;
    }
    const completion = await openai.chat(hello, at('gpt'));
    expect(completion.choices).to.have.length(1);
  });
});
