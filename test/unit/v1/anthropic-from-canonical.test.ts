import { expect } from 'chai';
import { describe, it } from 'mocha';
import { anthropicUsageOf, stopReasonOf, toAnthropicMessage } from '../../../api/v1/anthropic/from-canonical.js';
import type { ChatCompletion, ChatCompletionMessage, FinishReason } from '../../../engines/providers/port.js';

const completion = (message: Partial<ChatCompletionMessage>, finish: FinishReason | null = 'stop', id = 'chatcmpl-1'): ChatCompletion => ({
  id,
  object: 'chat.completion',
  created: 1,
  model: 'gpt-upstream',
  choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: finish }],
  usage: { prompt_tokens: 30, completion_tokens: 7, total_tokens: 37, prompt_tokens_details: { cached_tokens: 10 } },
});

describe('canonical completion → Anthropic Message', () => {
  it('answers under the alias, with text, stop_reason and Anthropic usage (cache reads apart from input)', () => {
    expect(toAnthropicMessage(completion({ content: 'Hello' }), 'my-alias')).to.deep.equal({
      id: 'msg_chatcmpl-1',
      type: 'message',
      role: 'assistant',
      model: 'my-alias',
      content: [{ type: 'text', text: 'Hello' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 20, output_tokens: 7, cache_read_input_tokens: 10 },
    });
  });

  it('keeps an upstream msg_ id as it is', () => {
    expect(toAnthropicMessage(completion({ content: 'x' }, 'stop', 'msg_abc'), 'a').id).to.equal('msg_abc');
  });

  it('turns tool calls into tool_use blocks after the text, arguments parsed into input', () => {
    const message = toAnthropicMessage(
      completion({ content: 'Checking.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }, 'tool_calls'),
      'a',
    );
    expect(message.content).to.deep.equal([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
    ]);
    expect(message.stop_reason).to.equal('tool_use');
  });

  it('gives a tool call with arguments that are not a JSON object an empty input rather than failing the answer', () => {
    const message = toAnthropicMessage(completion({ tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"city":' } }] }, 'tool_calls'), 'a');
    expect(message.content).to.deep.equal([{ type: 'tool_use', id: 'c', name: 'f', input: {} }]);
  });

  it('says a refusal as text with stop_reason refusal', () => {
    const message = toAnthropicMessage(completion({ content: null, refusal: 'I cannot help with that.' }, 'content_filter'), 'a');
    expect(message).to.deep.include({ content: [{ type: 'text', text: 'I cannot help with that.' }], stop_reason: 'refusal' });
  });

  it('maps every finish reason to a stop_reason the Anthropic SDK knows', () => {
    const table: Array<[FinishReason | null, string]> = [
      ['stop', 'end_turn'],
      ['length', 'max_tokens'],
      ['tool_calls', 'tool_use'],
      ['function_call', 'tool_use'],
      ['content_filter', 'refusal'],
      [null, 'end_turn'],
    ];
    expect(table.map(([finish]) => [finish, stopReasonOf(finish)])).to.deep.equal(table);
  });

  it('reports usage without cache details as input and output only, and no usage as zeros', () => {
    expect(anthropicUsageOf({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 })).to.deep.equal({ input_tokens: 5, output_tokens: 2 });
    expect(anthropicUsageOf(null)).to.deep.equal({ input_tokens: 0, output_tokens: 0 });
  });
});
