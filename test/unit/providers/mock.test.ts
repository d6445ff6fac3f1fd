import { expect } from 'chai';
import { describe, it } from 'mocha';
import { mockProvider } from '../../../engines/providers/mock/index.js';
import { MOCK_EMBEDDING_DIMENSIONS } from '../../../engines/providers/mock/embeddings.js';
import { UpstreamError, type ChatCompletionRequest } from '../../../engines/providers/port.js';
import { assemble, collect, collectUntilError, target, upstreamRejection, WEATHER_TOOL } from './helpers.js';

const mock = (upstreamModel = 'mock-1', readMs = 2000) => target({ provider: 'mock', upstreamModel, apiKey: null, timeouts: { connectMs: 100, readMs } });
const ask = (content: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({ model: 'alias', messages: [{ role: 'user', content }], ...extra });

describe('mock provider', () => {
  it('answers deterministically with a labelled echo of the last user message and word-count usage', async () => {
    const first = await mockProvider.chat(ask('What is the capital of France?'), mock());
    const second = await mockProvider.chat(ask('What is the capital of France?'), mock());

    expect(first.choices[0].message.content).to.equal('[mock mock-1] echo: What is the capital of France?');
    expect(first.choices[0].finish_reason).to.equal('stop');
    expect(first.usage).to.deep.equal({ prompt_tokens: 6, completion_tokens: 9, total_tokens: 15, prompt_tokens_details: { cached_tokens: 0 } });
    expect({ ...second, created: first.created }).to.deep.equal(first);
  });

  it('cuts the answer at max_tokens with finish_reason length', async () => {
    const completion = await mockProvider.chat(ask('one two three four', { max_tokens: 3 }), mock());

    expect(completion.choices[0].message.content).to.equal('[mock mock-1] echo:');
    expect(completion.choices[0].finish_reason).to.equal('length');
    expect(completion.usage?.completion_tokens).to.equal(3);
  });

  it('streams word chunks, a finish chunk and, when asked, a usage chunk matching chat()', async () => {
    const req = ask('stream this please', { stream_options: { include_usage: true } });
    const chunks = await collect(await mockProvider.chatStream(req, mock()));
    const completion = await mockProvider.chat(req, mock());

    expect(chunks.length).to.be.greaterThan(4);
    expect(assemble(chunks)).to.deep.include({ content: completion.choices[0].message.content, finishReason: 'stop', usage: completion.usage });
    expect(chunks[chunks.length - 1].choices).to.deep.equal([]);
    expect(assemble(await collect(await mockProvider.chatStream(ask('no usage'), mock()))).usage).to.equal(undefined);
  });

  it('calls a tool the prompt names, with arguments filled from the schema, then answers from its result', async () => {
    const req = ask('please use get_weather for Paris', { tools: [WEATHER_TOOL] });
    const completion = await mockProvider.chat(req, mock());
    const call = completion.choices[0].message.tool_calls?.[0];

    expect(completion.choices[0].finish_reason).to.equal('tool_calls');
    expect(call?.function).to.deep.equal({ name: 'get_weather', arguments: JSON.stringify({ city: 'please use get_weather for Paris' }) });
    expect(assemble(await collect(await mockProvider.chatStream(req, mock()))).toolCalls).to.deep.equal([call]);

    const followUp: ChatCompletionRequest = {
      ...req,
      messages: [...req.messages, { role: 'assistant', content: null, tool_calls: call ? [call] : [] }, { role: 'tool', tool_call_id: 'call_mock_0', content: '21C' }],
    };
    const answer = await mockProvider.chat(followUp, mock());
    expect(answer.choices[0].message.content).to.equal('[mock mock-1] tool result: 21C');
    expect((await mockProvider.chat(ask('hello', { tools: [WEATHER_TOOL] }), mock())).choices[0].message.tool_calls).to.equal(undefined);
    expect((await mockProvider.chat(ask('hello', { tools: [WEATHER_TOOL], tool_choice: 'required' }), mock())).choices[0].finish_reason).to.equal('tool_calls');
  });

  it('embeds inputs as deterministic unit vectors of a fixed dimension', async () => {
    const response = await mockProvider.embeddings({ model: 'e', input: ['alpha', 'beta', 'alpha'] }, mock());
    const [a, b, again] = response.data.map((d) => d.embedding as number[]);

    expect(a).to.have.length(MOCK_EMBEDDING_DIMENSIONS);
    expect(Math.hypot(...a)).to.be.closeTo(1, 1e-9);
    expect(again).to.deep.equal(a);
    expect(b).to.not.deep.equal(a);
    const base64 = await mockProvider.embeddings({ model: 'e', input: 'alpha', encoding_format: 'base64', dimensions: 8 }, mock());
    expect(Buffer.from(base64.data[0].embedding as string, 'base64').length).to.equal(8 * 4);
  });

  it('simulates upstream failures by model name, without sockets', async () => {
    expect(await upstreamRejection(mockProvider.chat(ask('x'), mock('mock-error-500')))).to.deep.include({ kind: 'server_error', status: 500, retryable: true });
    expect(await upstreamRejection(mockProvider.chatStream(ask('x'), mock('mock-error-429')))).to.deep.include({ kind: 'rate_limited', retryAfterMs: 1000 });
    expect(await upstreamRejection(mockProvider.chat(ask('x'), mock('mock-error-401')))).to.deep.include({ kind: 'auth', retryable: false });
    expect(await upstreamRejection(mockProvider.embeddings({ model: 'e', input: 'x' }, mock('mock-connection-error')))).to.deep.include({ kind: 'connection' });
    const started = Date.now();
    expect(await upstreamRejection(mockProvider.chat(ask('x'), mock('mock-timeout', 30)))).to.deep.include({ kind: 'timeout', retryable: true });
    expect(Date.now() - started).to.be.at.least(25);
  });

  it('fails mid-stream after a few chunks for mock-fail-mid-stream', async () => {
    const stream = await mockProvider.chatStream(ask('a long enough prompt to stream'), mock('mock-fail-mid-stream'));
    const { items, error } = await collectUntilError(stream);

    expect(items.length).to.be.greaterThan(1);
    expect(error).to.be.instanceOf(UpstreamError);
    expect(error).to.deep.include({ kind: 'stream_interrupted', retryable: false });
  });

  it('stops waiting when the caller aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('client gone');
    setTimeout(() => controller.abort(reason), 10);
    let caught: unknown;
    try {
      await mockProvider.chat(ask('x'), mock('mock-slow-5000'), controller.signal);
    } catch (error) {
      caught = error;
    }
    expect(caught).to.equal(reason);
  });
});
