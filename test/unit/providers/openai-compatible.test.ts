import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { createAzureOpenAiProvider } from '../../../engines/providers/azure-openai/index.js';
import { UpstreamHttp } from '../../../engines/providers/http.js';
import { createOllamaProvider } from '../../../engines/providers/ollama/index.js';
import { createOpenAiProvider } from '../../../engines/providers/openai/index.js';
import type { ChatCompletionRequest } from '../../../engines/providers/port.js';
import { FAKE_OPENAI_TEXT, FAKE_OPENAI_USAGE, startFakeOpenAi } from '../../support/fake-upstreams/openai.js';
import type { FakeServer } from '../../support/fake-upstreams/server.js';
import { assemble, collect, target, TEST_KEY, upstreamRejection, WEATHER_TOOL } from './helpers.js';

describe('OpenAI-compatible providers (fake upstream over HTTP)', () => {
  let server: FakeServer;
  const http = new UpstreamHttp();
  const openai = createOpenAiProvider(http);
  const openaiTarget = () => target({ provider: 'openai', baseUrl: `${server.origin}/v1`, upstreamModel: 'gpt-4o-2024-08-06' });
  const hello: ChatCompletionRequest = { model: 'alias-gpt', messages: [{ role: 'user', content: 'Say hello' }] };

  before(async () => {
    server = await startFakeOpenAi();
  });
  after(async () => {
    await http.close();
    await server.close();
  });

  it('sends the upstream model, Bearer auth and unknown fields untouched, and returns the completion', async () => {
    const req = { ...hello, temperature: 0.2, logit_bias: { '50256': -100 }, reasoning_effort: 'low', stream: true, stream_options: { include_usage: true } };
    const completion = await openai.chat(req, openaiTarget());

    const sent = server.lastRequest();
    expect(sent.url).to.equal('/v1/chat/completions');
    expect(sent.headers.authorization).to.equal(`Bearer ${TEST_KEY}`);
    expect(sent.body).to.deep.equal({
      model: 'gpt-4o-2024-08-06',
      messages: hello.messages,
      temperature: 0.2,
      logit_bias: { '50256': -100 },
      reasoning_effort: 'low',
      stream: false, // chat() is the non-streaming call whatever the request said
    });
    expect(completion.choices[0].message.content).to.equal(FAKE_OPENAI_TEXT);
    expect(completion.choices[0].finish_reason).to.equal('stop');
    expect(completion.usage).to.deep.equal(FAKE_OPENAI_USAGE);
    expect(completion.system_fingerprint).to.equal('fp_fake');
  });

  it('forwards assistant tool_calls and tool messages unchanged, and returns tool_calls', async () => {
    const messages: ChatCompletionRequest['messages'] = [
      { role: 'user', content: 'Weather in Paris? use get_weather' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_0', content: '{"temp":21}' },
      { role: 'user', content: 'and again with get_weather' },
    ];
    const completion = await openai.chat({ model: 'x', messages, tools: [WEATHER_TOOL], tool_choice: 'auto' }, openaiTarget());

    expect(server.lastRequest().body).to.deep.include({ messages, tools: [WEATHER_TOOL], tool_choice: 'auto' });
    expect(completion.choices[0].finish_reason).to.equal('tool_calls');
    expect(completion.choices[0].message.tool_calls).to.deep.equal([{ id: 'call_fake_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
  });

  it('streams content chunks to [DONE], skipping the preamble chunk that has no choices', async () => {
    const chunks = await collect(await openai.chatStream(hello, openaiTarget()));

    expect(server.lastRequest().body).to.deep.include({ stream: true });
    expect(server.lastRequest().body).to.not.have.property('stream_options');
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.choices.length === 1)).to.equal(true);
    const result = assemble(chunks);
    expect(result).to.deep.include({ content: FAKE_OPENAI_TEXT, finishReason: 'stop', roles: ['assistant'] });
    expect(result.usage).to.equal(undefined);
  });

  it('ends the stream with a usage chunk (empty choices) when include_usage is asked', async () => {
    const req = { ...hello, stream_options: { include_usage: true } };
    const chunks = await collect(await openai.chatStream(req, openaiTarget()));

    expect(server.lastRequest().body).to.deep.include({ stream: true, stream_options: { include_usage: true } });
    const last = chunks[chunks.length - 1];
    expect(last.choices).to.deep.equal([]);
    expect(last.usage).to.deep.equal(FAKE_OPENAI_USAGE);
  });

  it('streams tool call argument deltas that reassemble into the call', async () => {
    const req: ChatCompletionRequest = { model: 'x', messages: [{ role: 'user', content: 'use get_weather for Paris' }], tools: [WEATHER_TOOL] };
    const result = assemble(await collect(await openai.chatStream(req, openaiTarget())));

    expect(result.finishReason).to.equal('tool_calls');
    expect(result.toolCalls).to.deep.equal([{ id: 'call_fake_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
  });

  it('creates embeddings with the upstream model and unknown fields passed through', async () => {
    const response = await openai.embeddings({ model: 'alias-embed', input: ['ab', 'abcd'], dimensions: 3, encoding_format: 'float' }, { ...openaiTarget(), upstreamModel: 'text-embedding-3-small' });

    expect(server.lastRequest().url).to.equal('/v1/embeddings');
    expect(server.lastRequest().body).to.deep.equal({ model: 'text-embedding-3-small', input: ['ab', 'abcd'], dimensions: 3, encoding_format: 'float' });
    expect(response.data.map((d) => d.embedding)).to.deep.equal([[2, 0.5, -0.5], [4, 0.5, -0.5]]);
    expect(response.usage).to.deep.equal({ prompt_tokens: 4, total_tokens: 4 });
  });

  it('addresses Azure by deployment and api-version, with the key in `api-key` only', async () => {
    const azure = createAzureOpenAiProvider(http);
    const azureTarget = target({ provider: 'azure-openai', baseUrl: `${server.origin}/`, upstreamModel: 'my-gpt4o', apiVersion: '2024-06-01' });
    const completion = await azure.chat(hello, azureTarget);
    const chunks = await collect(await azure.chatStream(hello, azureTarget));

    const sent = server.lastRequest();
    expect(sent.url).to.equal('/openai/deployments/my-gpt4o/chat/completions?api-version=2024-06-01');
    expect(sent.headers['api-key']).to.equal(TEST_KEY);
    expect(sent.headers).to.not.have.property('authorization');
    expect(completion.choices[0].message.content).to.equal(FAKE_OPENAI_TEXT);
    expect(assemble(chunks).content).to.equal(FAKE_OPENAI_TEXT);

    await azure.embeddings({ model: 'e', input: 'x' }, { ...azureTarget, apiVersion: undefined });
    expect(server.lastRequest().url).to.equal('/openai/deployments/my-gpt4o/embeddings?api-version=2024-10-21');
  });

  it('calls Ollama-style servers without an Authorization header when there is no key', async () => {
    const ollama = createOllamaProvider(http);
    await ollama.chat(hello, target({ provider: 'ollama', baseUrl: `${server.origin}/v1`, apiKey: null, upstreamModel: 'llama3:8b' }));

    expect(server.lastRequest().headers).to.not.have.property('authorization');
    expect(server.lastRequest().body).to.deep.include({ model: 'llama3:8b' });
  });

  it('refuses a self-hosted deployment without baseUrl before any network call', async () => {
    const before = server.requests.length;
    const error = await upstreamRejection(createOllamaProvider(http).chat(hello, target({ provider: 'ollama', baseUrl: null })));

    expect(error.kind).to.equal('bad_request');
    expect(error.retryable).to.equal(false);
    expect(server.requests.length).to.equal(before);
  });
});
