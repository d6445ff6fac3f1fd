import Anthropic, { APIError, AuthenticationError, BadRequestError, NotFoundError } from '@anthropic-ai/sdk';
import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { startTestApp, tenantWithKey, type TestApp } from '../support/app.js';
import { FAKE_CLAUDE_TEXT, FAKE_CLAUDE_USAGE, startFakeAnthropic } from '../support/fake-upstreams/anthropic.js';
import { FAKE_OPENAI_TEXT, FAKE_OPENAI_USAGE, startFakeOpenAi } from '../support/fake-upstreams/openai.js';
import type { FakeServer } from '../support/fake-upstreams/server.js';
import { recordedOutcome, rejectionOf, type RecordedOutcome } from '../support/outcomes.js';

/**
 * POST /v1/messages driven by the official Anthropic SDK: the gateway must look like
 * Anthropic to it (message shape, named SSE events, error classes), whatever serves the
 * alias: the mock provider, a fake Anthropic upstream, or a fake OpenAI-compatible one,
 * both speaking their real wire formats. Every request's outcome is recorded on its stream.
 */
const PRICE = { inputPricePerMTokMicros: 150_000, outputPricePerMTokMicros: 600_000, currency: 'USD' };

const WEATHER_TOOL: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather of a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const textOf = (message: Anthropic.Message): string => message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
const toolUseOf = (message: Anthropic.Message): Anthropic.ToolUseBlock | undefined => message.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');

describe('data plane /v1/messages (Anthropic SDK)', () => {
  let app: TestApp;
  let anthropicUpstream: FakeServer;
  let openAiUpstream: FakeServer;
  let tenant: { tenantId: string; key: string };
  let client: Anthropic;

  const register = async (deploymentId: string, modelAlias: string, provider: string, upstreamModel: string, baseUrl: string | null): Promise<void> => {
    const response = await app.request('POST', '/admin/deployments', { body: { deploymentId, provider, upstreamModel, modelAlias, region: 'eu', baseUrl, weight: 100, ...PRICE } });
    expect(response.status, response.text).to.equal(201);
  };

  const outcomeOf = (requestId: string | null): Promise<RecordedOutcome> => recordedOutcome(app, tenant.tenantId, requestId);

  /** Streams with the SDK's helper: the text as its `text` events told it, the final message it assembled, and the request id. */
  const streamed = async (params: Anthropic.MessageStreamParams): Promise<{ text: string; final: Anthropic.Message; requestId: string | null }> => {
    const stream = client.messages.stream(params);
    let text = '';
    stream.on('text', (delta) => (text += delta));
    const final = await stream.finalMessage();
    const { response } = await stream.withResponse();
    return { text, final, requestId: response.headers.get('x-request-id') };
  };

  before(async () => {
    [app, anthropicUpstream, openAiUpstream] = await Promise.all([startTestApp(), startFakeAnthropic(), startFakeOpenAi()]);
    await register('msg-mock-echo', 'echo', 'mock', 'mock-echo', null);
    await register('msg-mock-broken-stream', 'broken-stream', 'mock', 'mock-fail-mid-stream', null);
    await register('msg-fake-claude', 'claude', 'anthropic', 'claude-fake', anthropicUpstream.origin);
    await register('msg-fake-gpt', 'gpt', 'openai-compatible', 'gpt-fake', `${openAiUpstream.origin}/v1`);
    tenant = await tenantWithKey(app, ['inference']);
    // The SDK appends /v1/messages to the base URL and sends the key as x-api-key.
    client = new Anthropic({ baseURL: app.baseUrl, apiKey: tenant.key, maxRetries: 0 });
  });

  after(async () => {
    await Promise.all([app.close(), anthropicUpstream.close(), openAiUpstream.close()]);
  });

  describe('served by the mock provider', () => {
    it('answers messages.create under the alias, with usage, and records it', async () => {
      const { data, response } = await client.messages.create({ model: 'echo', max_tokens: 100, messages: [{ role: 'user', content: 'hello there gateway' }] }).withResponse();
      expect(data).to.deep.include({ type: 'message', role: 'assistant', model: 'echo', stop_reason: 'end_turn', stop_sequence: null });
      expect(data.id).to.match(/^msg_/);
      expect(data.content).to.deep.equal([{ type: 'text', text: '[mock mock-echo] echo: hello there gateway' }]);
      expect(data.usage).to.deep.include({ input_tokens: 3, output_tokens: 6 });
      const outcome = await outcomeOf(response.headers.get('x-request-id'));
      expect(outcome.type).to.equal('InferenceCompleted');
      expect(outcome.data).to.deep.include({ inputTokens: 3, outputTokens: 6, deploymentId: 'msg-mock-echo', stream: false });
    });

    it('passes max_tokens upstream and reports a cut answer as stop_reason max_tokens', async () => {
      const message = await client.messages.create({ model: 'echo', max_tokens: 2, messages: [{ role: 'user', content: 'a long question indeed' }] });
      expect(textOf(message)).to.equal('[mock mock-echo]');
      expect(message.stop_reason).to.equal('max_tokens');
    });

    it('streams with messages.stream: text events, then a final message with usage, and records the stream', async () => {
      const { text, final, requestId } = await streamed({ model: 'echo', max_tokens: 100, messages: [{ role: 'user', content: 'stream me' }] });
      expect(text).to.equal('[mock mock-echo] echo: stream me');
      expect(final.model).to.equal('echo');
      expect(final.stop_reason).to.equal('end_turn');
      expect(final.usage).to.deep.include({ input_tokens: 2, output_tokens: 5 });
      const outcome = await outcomeOf(requestId);
      expect(outcome.type).to.equal('InferenceCompleted');
      expect(outcome.data).to.deep.include({ stream: true, inputTokens: 2, outputTokens: 5 });
    });

    it('round-trips a tool call: tool_use out, tool_result back in', async () => {
      const ask: Anthropic.MessageParam = { role: 'user', content: 'call get_weather for Paris' };
      const first = await client.messages.create({ model: 'echo', max_tokens: 100, tools: [WEATHER_TOOL], messages: [ask] });
      expect(first.stop_reason).to.equal('tool_use');
      const call = toolUseOf(first);
      expect(call).to.deep.include({ name: 'get_weather', input: { city: 'call get_weather for Paris' } });
      const second = await client.messages.create({
        model: 'echo',
        max_tokens: 100,
        tools: [WEATHER_TOOL],
        messages: [ask, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: String(call?.id), content: '18C and sunny' }] }],
      });
      expect(second.stop_reason).to.equal('end_turn');
      expect(textOf(second)).to.equal('[mock mock-echo] tool result: 18C and sunny');
    });

    it('streams a tool call as a tool_use block whose input the SDK assembles', async () => {
      const { final } = await streamed({ model: 'echo', max_tokens: 100, tools: [WEATHER_TOOL], tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'weather?' }] });
      expect(final.stop_reason).to.equal('tool_use');
      expect(toolUseOf(final)).to.deep.include({ name: 'get_weather', input: { city: 'weather?' } });
    });

    it('raises a mid-stream upstream failure through the SDK, after the text that did arrive, and records the stream as failed', async () => {
      const stream = client.messages.stream({ model: 'broken-stream', max_tokens: 100, messages: [{ role: 'user', content: 'one two three four' }] });
      let text = '';
      stream.on('text', (delta) => (text += delta));
      const error = await rejectionOf(stream.finalMessage());
      expect(error).to.be.instanceOf(APIError);
      expect(String((error as APIError).message)).to.include('stream_interrupted');
      expect(text).to.equal('[mock mock-fail-mid-stream]');
      const { response } = await stream.withResponse();
      const outcome = await outcomeOf(response.headers.get('x-request-id'));
      expect(outcome.type).to.equal('InferenceFailed');
      expect(outcome.data.errorKind).to.equal('stream_interrupted');
    });
  });

  describe('served by an Anthropic upstream (Anthropic in, Anthropic out)', () => {
    it('answers messages.create, sending the upstream an equivalent request', async () => {
      const message = await client.messages.create({ model: 'claude', max_tokens: 64, system: 'Be brief.', stop_sequences: ['END'], messages: [{ role: 'user', content: 'hi' }] });
      expect(message.model).to.equal('claude');
      expect(textOf(message)).to.equal(FAKE_CLAUDE_TEXT);
      expect(message.id).to.equal('msg_fake_1');
      // The upstream's input_tokens exclude cache reads and writes; cache writes fold into input_tokens here.
      const { input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens } = FAKE_CLAUDE_USAGE;
      expect(message.usage).to.deep.include({ input_tokens: input_tokens + cache_creation_input_tokens, output_tokens, cache_read_input_tokens });
      expect(anthropicUpstream.lastRequest().body).to.deep.include({
        model: 'claude-fake',
        max_tokens: 64,
        system: 'Be brief.',
        stop_sequences: ['END'],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      });
    });

    it('streams text and the upstream usage', async () => {
      const { text, final, requestId } = await streamed({ model: 'claude', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
      expect(text).to.equal(FAKE_CLAUDE_TEXT);
      expect(final.usage).to.deep.include({ output_tokens: FAKE_CLAUDE_USAGE.output_tokens, cache_read_input_tokens: FAKE_CLAUDE_USAGE.cache_read_input_tokens });
      const outcome = await outcomeOf(requestId);
      expect(outcome.data).to.deep.include({ stream: true, deploymentId: 'msg-fake-claude', outputTokens: FAKE_CLAUDE_USAGE.output_tokens });
    });

    it('streams text then a tool_use block, the input assembled from input_json_delta', async () => {
      const { final } = await streamed({ model: 'claude', max_tokens: 64, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'use get_weather' }] });
      expect(final.stop_reason).to.equal('tool_use');
      expect(final.content.map((block) => block.type)).to.deep.equal(['text', 'tool_use']);
      expect(textOf(final)).to.equal('Let me check.');
      expect(toolUseOf(final)).to.deep.include({ id: 'toolu_fake_1', name: 'get_weather', input: { city: 'Paris' } });
    });

    it('sends a tool result back upstream as a tool_result block', async () => {
      await client.messages.create({
        model: 'claude',
        max_tokens: 64,
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'weather in Paris?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' }] },
        ],
      });
      const sent = anthropicUpstream.lastRequest().body as { messages: unknown[] };
      expect(sent.messages.slice(1)).to.deep.equal([
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' }] },
      ]);
    });
  });

  describe('served by an OpenAI-compatible upstream (Anthropic in, OpenAI out)', () => {
    it('answers messages.create, sending the upstream an OpenAI chat request', async () => {
      const message = await client.messages.create({ model: 'gpt', max_tokens: 50, system: [{ type: 'text', text: 'Be brief.' }], messages: [{ role: 'user', content: 'hi' }] });
      expect(message.model).to.equal('gpt');
      expect(textOf(message)).to.equal(FAKE_OPENAI_TEXT);
      const cached = FAKE_OPENAI_USAGE.prompt_tokens_details.cached_tokens;
      expect(message.usage).to.deep.include({ input_tokens: FAKE_OPENAI_USAGE.prompt_tokens - cached, output_tokens: FAKE_OPENAI_USAGE.completion_tokens, cache_read_input_tokens: cached });
      expect(openAiUpstream.lastRequest().body).to.deep.include({
        model: 'gpt-fake',
        max_tokens: 50,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hi' },
        ],
      });
    });

    it('streams text, with the usage the gateway asked the upstream for', async () => {
      const { text, final } = await streamed({ model: 'gpt', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
      expect(text).to.equal(FAKE_OPENAI_TEXT);
      expect(final.usage).to.deep.include({ output_tokens: FAKE_OPENAI_USAGE.completion_tokens, input_tokens: FAKE_OPENAI_USAGE.prompt_tokens - FAKE_OPENAI_USAGE.prompt_tokens_details.cached_tokens });
    });

    it('streams an OpenAI tool call as a tool_use block', async () => {
      const { final } = await streamed({ model: 'gpt', max_tokens: 50, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'use get_weather' }] });
      expect(final.stop_reason).to.equal('tool_use');
      expect(toolUseOf(final)).to.deep.include({ id: 'call_fake_1', name: 'get_weather', input: { city: 'Paris' } });
    });
  });

  describe('errors, in Anthropic’s shape', () => {
    it('raises NotFoundError for an unknown model', async () => {
      const error = await rejectionOf(client.messages.create({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
      expect(error).to.be.instanceOf(NotFoundError);
      expect((error as NotFoundError).error).to.deep.include({ type: 'error' });
    });

    it('raises AuthenticationError for an unknown x-api-key', async () => {
      const stranger = new Anthropic({ baseURL: app.baseUrl, apiKey: 'nx-not-a-key', maxRetries: 0 });
      const error = await rejectionOf(stranger.messages.create({ model: 'echo', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
      expect(error).to.be.instanceOf(AuthenticationError);
    });

    it('raises BadRequestError naming the field for a request without max_tokens', async () => {
      const error = await rejectionOf(client.messages.create({ model: 'echo', messages: [{ role: 'user', content: 'hi' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming));
      expect(error).to.be.instanceOf(BadRequestError);
      expect((error as BadRequestError).message).to.include('max_tokens');
    });

    it('answers a misplaced block with a 400 in the Anthropic error shape, with a bearer key too', async () => {
      const response = await app.request('POST', '/v1/messages', {
        token: tenant.key,
        body: { model: 'echo', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'tool_use', id: 't1', name: 'x', input: {} }] }] },
      });
      expect(response.status).to.equal(400);
      expect(response.body).to.deep.equal({ type: 'error', error: { type: 'invalid_request_error', message: 'invalid body: body.messages.0.content.0: tool_use blocks belong in assistant messages' } });
    });

    it('answers malformed JSON in the Anthropic error shape', async () => {
      const response = await app.request('POST', '/v1/messages', { token: tenant.key, rawBody: '{"model": "echo",' });
      expect(response.status).to.equal(400);
      expect(response.body).to.have.nested.property('error.type', 'invalid_request_error');
      expect(response.body.type).to.equal('error');
    });
  });
});
