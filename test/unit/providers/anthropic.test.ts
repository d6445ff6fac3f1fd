import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { createAnthropicProvider } from '../../../engines/providers/anthropic/index.js';
import { toAnthropicRequest } from '../../../engines/providers/anthropic/request.js';
import { UpstreamHttp } from '../../../engines/providers/http.js';
import { UpstreamError, type ChatCompletionRequest } from '../../../engines/providers/port.js';
import { FAKE_CLAUDE_TEXT, startFakeAnthropic } from '../../support/fake-upstreams/anthropic.js';
import type { FakeServer } from '../../support/fake-upstreams/server.js';
import { assemble, collect, target, TEST_KEY, WEATHER_TOOL } from './helpers.js';

/** 20 input + 5 cache reads + 2 cache writes; OpenAI's prompt_tokens include cached tokens. */
const EXPECTED_USAGE = { prompt_tokens: 27, completion_tokens: 7, total_tokens: 34, prompt_tokens_details: { cached_tokens: 5 } };

const conversation: ChatCompletionRequest['messages'] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Weather in Paris and Rome?' },
  {
    role: 'assistant',
    content: 'Checking both.',
    tool_calls: [
      { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ],
  },
  { role: 'tool', tool_call_id: 'toolu_1', content: '21C' },
  { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: '25C' }] },
  { role: 'developer', content: 'Answer in one line.' },
  { role: 'user', content: [{ type: 'text', text: 'Summarise.' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0K' } }] },
];

describe('Anthropic provider', () => {
  let server: FakeServer;
  const http = new UpstreamHttp();
  const anthropic = createAnthropicProvider(http);
  const deployment = () => target({ provider: 'anthropic', baseUrl: server.origin, upstreamModel: 'claude-test' });
  const hello: ChatCompletionRequest = { model: 'alias', messages: [{ role: 'user', content: 'Say hello' }] };

  before(async () => {
    server = await startFakeAnthropic();
  });
  after(async () => {
    await http.close();
    await server.close();
  });

  describe('request mapping', () => {
    it('moves system messages to `system`, tool calls to tool_use and tool results into one user turn', () => {
      const body = toAnthropicRequest({ model: 'a', messages: conversation }, target(), false);

      expect(body.system).to.equal('You are terse.\n\nAnswer in one line.');
      expect(body.messages).to.deep.equal([
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking both.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '21C' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: '25C' },
            { type: 'text', text: 'Summarise.' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0K' } },
          ],
        },
      ]);
    });

    it('maps parameters, tools and tool_choice, and defaults max_tokens', () => {
      const req: ChatCompletionRequest = {
        ...hello,
        temperature: 1.4,
        top_p: 0.9,
        stop: 'END',
        user: 'u_42',
        tools: [WEATHER_TOOL],
        tool_choice: 'required',
        parallel_tool_calls: false,
        logit_bias: { 1: 2 },
      };
      const body = toAnthropicRequest(req, target({ upstreamModel: 'claude-test' }), true);

      expect(body).to.deep.equal({
        model: 'claude-test',
        max_tokens: 4096,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }],
        stream: true,
        temperature: 1, // clamped to Anthropic's range
        top_p: 0.9,
        stop_sequences: ['END'],
        tools: [{ name: 'get_weather', description: 'Current weather in a city', input_schema: WEATHER_TOOL.function.parameters }],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
        metadata: { user_id: 'u_42' },
      });
      expect(toAnthropicRequest({ ...hello, max_tokens: 50, max_completion_tokens: 100 }, target(), false).max_tokens).to.equal(100);
      expect(toAnthropicRequest({ ...hello, tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'get_weather' } } }, target(), false).tool_choice).to.deep.equal({ type: 'tool', name: 'get_weather' });
      expect(toAnthropicRequest({ ...hello, tools: [WEATHER_TOOL], tool_choice: 'none' }, target(), false).tool_choice).to.deep.equal({ type: 'none' });
    });

    it('refuses what Anthropic cannot express: n > 1 and non-JSON tool arguments', () => {
      expect(() => toAnthropicRequest({ ...hello, n: 2 }, target(), false)).to.throw(UpstreamError, /n > 1/);
      const badArgs: ChatCompletionRequest['messages'] = [{ role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{oops' } }] }];
      expect(() => toAnthropicRequest({ ...hello, messages: badArgs }, target(), false)).to.throw(UpstreamError, /not valid JSON/);
    });
  });

  it('posts to /v1/messages with x-api-key and anthropic-version, and maps the reply and usage', async () => {
    const completion = await anthropic.chat(hello, deployment());

    const sent = server.lastRequest();
    expect(sent.url).to.equal('/v1/messages');
    expect(sent.headers['x-api-key']).to.equal(TEST_KEY);
    expect(sent.headers['anthropic-version']).to.equal('2023-06-01');
    expect(sent.headers).to.not.have.property('authorization');
    expect(completion).to.deep.include({ id: 'msg_fake_1', object: 'chat.completion', model: 'claude-test', usage: EXPECTED_USAGE });
    expect(completion.choices).to.deep.equal([{ index: 0, message: { role: 'assistant', content: FAKE_CLAUDE_TEXT }, finish_reason: 'stop' }]);
  });

  it('maps tool_use blocks to tool_calls with JSON-string arguments', async () => {
    const completion = await anthropic.chat({ model: 'a', messages: [{ role: 'user', content: 'call get_weather' }], tools: [WEATHER_TOOL] }, deployment());

    expect(completion.choices[0].finish_reason).to.equal('tool_calls');
    expect(completion.choices[0].message).to.deep.equal({
      role: 'assistant',
      content: 'Let me check.',
      tool_calls: [{ id: 'toolu_fake_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
    });
  });

  it('streams text deltas and a finish chunk, with no usage unless asked', async () => {
    const chunks = await collect(await anthropic.chatStream(hello, deployment()));

    expect(server.lastRequest().body).to.deep.include({ stream: true });
    expect(chunks.every((chunk) => chunk.id === 'msg_fake_1' && chunk.model === 'claude-test' && !('usage' in chunk))).to.equal(true);
    expect(assemble(chunks)).to.deep.include({ content: FAKE_CLAUDE_TEXT, finishReason: 'stop', roles: ['assistant'] });
  });

  it('streams tool call argument deltas and ends with the usage chunk when include_usage is set', async () => {
    const req: ChatCompletionRequest = { model: 'a', messages: [{ role: 'user', content: 'call get_weather' }], tools: [WEATHER_TOOL], stream_options: { include_usage: true } };
    const chunks = await collect(await anthropic.chatStream(req, deployment()));
    const result = assemble(chunks);

    expect(result.content).to.equal('Let me check.');
    expect(result.finishReason).to.equal('tool_calls');
    expect(result.toolCalls).to.deep.equal([{ id: 'toolu_fake_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }]);
    expect(JSON.parse(result.toolCalls[0].function.arguments)).to.deep.equal({ city: 'Paris' });
    const last = chunks[chunks.length - 1];
    expect(last.choices).to.deep.equal([]);
    expect(last.usage).to.deep.equal(EXPECTED_USAGE);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).to.equal(true);
  });

  it('maps an Anthropic error body (429) to rate_limited with its message', async () => {
    try {
      await anthropic.chat(hello, { ...deployment(), upstreamModel: 'fail-429' });
      expect.fail('expected a rejection');
    } catch (error) {
      expect(error).to.be.instanceOf(UpstreamError);
      expect(error).to.deep.include({ kind: 'rate_limited', retryAfterMs: 7000, upstreamMessage: 'Rate limit reached, slow down.' });
    }
  });
});
