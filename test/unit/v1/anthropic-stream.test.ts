import { expect } from 'chai';
import { describe, it } from 'mocha';
import { anthropicEncoder } from '../../../api/v1/anthropic/stream.js';
import { relayEvents, type StreamSummary } from '../../../api/v1/sse.js';
import { UpstreamError, type ChatCompletionChunk, type ChunkDelta, type FinishReason, type Usage } from '../../../engines/providers/port.js';

const USAGE: Usage = { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21, prompt_tokens_details: { cached_tokens: 4 } };

const chunk = (delta: ChunkDelta, finish: FinishReason | null = null): ChatCompletionChunk => ({ id: 'chatcmpl-9', object: 'chat.completion.chunk', created: 1, model: 'upstream', choices: [{ index: 0, delta, finish_reason: finish }] });
const usageChunk: ChatCompletionChunk = { id: 'chatcmpl-9', object: 'chat.completion.chunk', created: 1, model: 'upstream', choices: [], usage: USAGE };

async function* upstream(chunks: readonly ChatCompletionChunk[], failure?: UpstreamError): AsyncGenerator<ChatCompletionChunk> {
  yield* chunks;
  if (failure) throw failure;
}

interface SseEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** Relays the chunks as Anthropic events; returns the events as the client parses them, and the summary for billing. */
async function relay(chunks: AsyncIterable<ChatCompletionChunk>, signal = new AbortController().signal): Promise<{ events: SseEvent[]; summary: StreamSummary }> {
  const { body, finished } = relayEvents(chunks, anthropicEncoder({ alias: 'my-alias', estimatedInputTokens: 11 }), { startedAt: performance.now(), signal });
  let text = '';
  for await (const piece of body) text += String(piece);
  const events = text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      const event = eventLine.replace(/^event: /, '');
      const data = JSON.parse(dataLine.replace(/^data: /, '')) as Record<string, unknown>;
      expect(data.type, 'the data names its event').to.equal(event);
      return { event, data };
    });
  return { events, summary: await finished };
}

const withoutType = ({ data: { type: _type, ...rest } }: SseEvent): Record<string, unknown> => rest;

describe('canonical chunks → Anthropic stream events', () => {
  it('opens the message under the alias, streams one text block, then stop_reason and the billed usage', async () => {
    const { events, summary } = await relay(upstream([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'stop'), usageChunk]));
    expect(events.map((event) => event.event)).to.deep.equal([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0].data.message).to.deep.equal({
      id: 'msg_chatcmpl-9',
      type: 'message',
      role: 'assistant',
      model: 'my-alias',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 11, output_tokens: 0 },
    });
    expect(events.slice(2, 6).map(withoutType)).to.deep.equal([
      { index: 0, content_block: { type: 'text', text: '' } },
      { index: 0, delta: { type: 'text_delta', text: 'Hel' } },
      { index: 0, delta: { type: 'text_delta', text: 'lo' } },
      { index: 0 },
    ]);
    expect(withoutType(events[6])).to.deep.equal({ delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 8, output_tokens: 9, cache_read_input_tokens: 4 } });
    expect(summary).to.deep.include({ usage: USAGE, completion: 'Hello', finishReason: 'stop', failure: null });
    expect(summary.timeToFirstTokenMs).to.be.a('number');
  });

  it('gives text and each tool call a block of its own, arguments as input_json_delta', async () => {
    const { events } = await relay(
      upstream([
        chunk({ content: 'Checking.' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }),
        chunk({}, 'tool_calls'),
      ]),
    );
    const blocks = events.filter((event) => event.event.startsWith('content_block')).map((event) => [event.event, withoutType(event)]);
    expect(blocks).to.deep.equal([
      ['content_block_start', { index: 0, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Checking.' } }],
      ['content_block_stop', { index: 0 }],
      ['content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'call_a', name: 'get_weather', input: {} } }],
      ['content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } }],
      ['content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } }],
      ['content_block_stop', { index: 1 }],
      ['content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'call_b', name: 'get_time', input: {} } }],
      ['content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } }],
      ['content_block_stop', { index: 2 }],
    ]);
    expect(events.at(-2)?.data.delta).to.deep.equal({ stop_reason: 'tool_use', stop_sequence: null });
    // No usage chunk upstream: message_start's estimate of the input stands, and no output count is made up.
    expect(events.at(-2)?.data.usage).to.deep.equal({ output_tokens: 0 });
  });

  it('ends a stream cut by the upstream with an error event the SDK raises, and summarizes the failure', async () => {
    const cut = new UpstreamError({ kind: 'stream_interrupted', deploymentId: 'd1', upstreamMessage: 'socket closed' });
    const { events, summary } = await relay(upstream([chunk({ content: 'Hel' })], cut));
    expect(events.map((event) => event.event)).to.deep.equal(['message_start', 'ping', 'content_block_start', 'content_block_delta', 'error']);
    expect(events.at(-1)?.data.error).to.deep.equal({ type: 'api_error', message: cut.message });
    expect(summary).to.deep.include({ completion: 'Hel', finishReason: null, failure: { kind: 'stream_interrupted', message: cut.message } });
  });

  it('stops relaying when the client hangs up, and records the stream as client_closed', async () => {
    const abort = new AbortController();
    async function* hungUp(): AsyncGenerator<ChatCompletionChunk> {
      yield chunk({ content: 'Hel' });
      abort.abort();
      yield chunk({ content: 'lo' });
      yield chunk({}, 'stop');
    }
    const { events, summary } = await relay(hungUp(), abort.signal);
    expect(events.map((event) => event.event)).to.not.include('message_stop');
    expect(summary.completion).to.equal('Hel');
    expect(summary.failure?.kind).to.equal('client_closed');
  });
});
