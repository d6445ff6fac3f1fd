import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { createGeminiProvider } from '../../../engines/providers/gemini/index.js';
import { toGeminiRequest } from '../../../engines/providers/gemini/request.js';
import { UpstreamHttp } from '../../../engines/providers/http.js';
import { UpstreamError, type ChatCompletionRequest } from '../../../engines/providers/port.js';
import { FAKE_GEMINI_TEXT, startFakeGemini } from '../../support/fake-upstreams/gemini.js';
import type { FakeServer } from '../../support/fake-upstreams/server.js';
import { assemble, collect, target, TEST_KEY, WEATHER_TOOL } from './helpers.js';

/** 5 candidate + 3 thinking tokens are output, as OpenAI counts reasoning tokens. */
const EXPECTED_USAGE = {
  prompt_tokens: 12,
  completion_tokens: 8,
  total_tokens: 20,
  prompt_tokens_details: { cached_tokens: 4 },
  completion_tokens_details: { reasoning_tokens: 3 },
};

describe('Gemini provider', () => {
  let server: FakeServer;
  const http = new UpstreamHttp();
  const gemini = createGeminiProvider(http);
  const deployment = () => target({ provider: 'gemini', baseUrl: `${server.origin}/v1beta`, upstreamModel: 'gemini-test' });
  const hello: ChatCompletionRequest = { model: 'alias', messages: [{ role: 'user', content: 'Say hello' }] };
  const askWeather: ChatCompletionRequest = { model: 'alias', messages: [{ role: 'user', content: 'call get_weather' }], tools: [WEATHER_TOOL] };

  before(async () => {
    server = await startFakeGemini();
  });
  after(async () => {
    await http.close();
    await server.close();
  });

  describe('request mapping', () => {
    it('maps roles, tool calls and tool results (named after their call) into contents', () => {
      const messages: ChatCompletionRequest['messages'] = [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_a', content: '{"temp":21}' },
        { role: 'assistant', content: 'It is 21C.' },
        { role: 'user', content: [{ type: 'text', text: 'And this?' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] },
      ];
      const body = toGeminiRequest({ model: 'g', messages }, target());

      expect(body.systemInstruction).to.deep.equal({ parts: [{ text: 'Be brief.' }] });
      expect(body.contents).to.deep.equal([
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 21 } } }] },
        { role: 'model', parts: [{ text: 'It is 21C.' }] },
        { role: 'user', parts: [{ text: 'And this?' }, { fileData: { fileUri: 'https://example.com/cat.png', mimeType: 'image/png' } }] },
      ]);
    });

    it('maps parameters to generationConfig and tools to functionDeclarations with JSON Schema', () => {
      const schema = { type: 'object', properties: { answer: { type: 'string' } } };
      const body = toGeminiRequest(
        {
          ...hello,
          temperature: 0.3,
          top_p: 0.8,
          max_tokens: 99,
          stop: ['END'],
          seed: 7,
          response_format: { type: 'json_schema', json_schema: { name: 'a', schema } },
          tools: [WEATHER_TOOL],
          tool_choice: { type: 'function', function: { name: 'get_weather' } },
        },
        target(),
      );

      expect(body.generationConfig).to.deep.equal({
        temperature: 0.3,
        topP: 0.8,
        seed: 7,
        maxOutputTokens: 99,
        stopSequences: ['END'],
        responseMimeType: 'application/json',
        responseJsonSchema: schema,
      });
      expect(body.tools).to.deep.equal([
        { functionDeclarations: [{ name: 'get_weather', description: 'Current weather in a city', parametersJsonSchema: WEATHER_TOOL.function.parameters }] },
      ]);
      expect(body.toolConfig).to.deep.equal({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
    });

    it('refuses a tool message that answers no known call', () => {
      const messages: ChatCompletionRequest['messages'] = [{ role: 'tool', tool_call_id: 'nope', content: 'x' }];
      expect(() => toGeminiRequest({ model: 'g', messages }, target())).to.throw(UpstreamError, /unknown tool_call_id/);
    });
  });

  it('posts generateContent with the key in x-goog-api-key (never in the URL) and maps reply and usage', async () => {
    const completion = await gemini.chat(hello, deployment());

    const sent = server.lastRequest();
    expect(sent.url).to.equal('/v1beta/models/gemini-test:generateContent');
    expect(sent.headers['x-goog-api-key']).to.equal(TEST_KEY);
    expect(completion).to.deep.include({ id: 'chatcmpl-resp_fake_1', object: 'chat.completion', model: 'gemini-fake-001', usage: EXPECTED_USAGE });
    expect(completion.choices).to.deep.equal([{ index: 0, message: { role: 'assistant', content: FAKE_GEMINI_TEXT }, finish_reason: 'stop' }]);
  });

  it('maps functionCall parts to tool_calls with generated ids', async () => {
    const completion = await gemini.chat(askWeather, deployment());
    const [call] = completion.choices[0].message.tool_calls ?? [];

    expect(completion.choices[0].finish_reason).to.equal('tool_calls');
    expect(completion.choices[0].message.content).to.equal(null);
    expect(call.id).to.match(/^call_/);
    expect(call.function).to.deep.equal({ name: 'get_weather', arguments: '{"city":"Paris"}' });
  });

  it('streams with alt=sse, reassembling text, and ends with the usage chunk when asked', async () => {
    const chunks = await collect(await gemini.chatStream({ ...hello, stream_options: { include_usage: true } }, deployment()));

    expect(server.lastRequest().url).to.equal('/v1beta/models/gemini-test:streamGenerateContent?alt=sse');
    expect(assemble(chunks)).to.deep.include({ content: FAKE_GEMINI_TEXT, finishReason: 'stop', roles: ['assistant'], usage: EXPECTED_USAGE });
    const last = chunks[chunks.length - 1];
    expect(last.choices).to.deep.equal([]);
    expect(chunks.every((chunk) => chunk.id === 'chatcmpl-resp_fake_1')).to.equal(true);
  });

  it('streams a function call as one complete tool_calls delta', async () => {
    const chunks = await collect(await gemini.chatStream(askWeather, deployment()));
    const result = assemble(chunks);

    expect(result.usage).to.equal(undefined);
    expect(result.content).to.equal('Checking.');
    expect(result.finishReason).to.equal('tool_calls');
    expect(result.toolCalls).to.have.length(1);
    expect(result.toolCalls[0].function).to.deep.equal({ name: 'get_weather', arguments: '{"city":"Paris"}' });
  });

  it('creates embeddings through batchEmbedContents', async () => {
    const response = await gemini.embeddings({ model: 'e', input: ['a', 'b'], dimensions: 3 }, { ...deployment(), upstreamModel: 'text-embedding-004' });

    expect(server.lastRequest().url).to.equal('/v1beta/models/text-embedding-004:batchEmbedContents');
    expect(server.lastRequest().body).to.deep.equal({
      requests: ['a', 'b'].map((text) => ({ model: 'models/text-embedding-004', content: { parts: [{ text }] }, outputDimensionality: 3 })),
    });
    expect(response.data.map((d) => d.embedding)).to.deep.equal([[0, 0.25, -0.25], [1, 0.25, -0.25]]);
  });

  it('maps a Gemini 500 to a retryable server_error', async () => {
    try {
      await gemini.chat(hello, { ...deployment(), upstreamModel: 'fail-500' });
      expect.fail('expected a rejection');
    } catch (error) {
      expect(error).to.be.instanceOf(UpstreamError);
      expect(error).to.deep.include({ kind: 'server_error', status: 500, retryable: true });
    }
  });
});
