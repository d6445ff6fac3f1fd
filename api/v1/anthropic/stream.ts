/**
 * Canonical chunks → Anthropic's streaming events, the reverse of the Anthropic adapter's
 * chunk mapping:
 *
 *   first chunk          → message_start (input_tokens: the gateway's estimate), ping
 *   content delta        → content_block_start (text) once, then content_block_delta text_delta
 *   tool_calls delta     → content_block_start (tool_use, id, name) once per call, then input_json_delta
 *   end of the stream    → content_block_stop, message_delta (stop_reason and the billed usage), message_stop
 *   upstream failure     → event: error, which Anthropic SDKs raise
 *
 * The canonical stream reports usage after its finish reason (the include_usage chunk), so
 * message_delta waits for the end: it carries the final output_tokens and, as Anthropic's
 * own message_delta may, the cumulative input_tokens that supersede message_start's estimate.
 * Blocks are never interleaved: a block is closed before the next one opens, so tool calls
 * streamed one after another (as every provider does) each become one tool_use block.
 */
import type { ChatCompletionChunk, FinishReason, ToolCallDelta, Usage } from '../../../engines/providers/port.js';
import type { SseEncoder } from '../sse.js';
import { anthropicUsageOf, messageIdOf, stopReasonOf } from './from-canonical.js';

export interface AnthropicStreamOptions {
  /** The alias the client asked for: the message names it, never the upstream model. */
  readonly alias: string;
  /** Sent in message_start, before the upstream has reported its count. */
  readonly estimatedInputTokens: number;
}

type OpenBlock = { readonly index: number; readonly kind: 'text' } | { readonly index: number; readonly kind: 'tool_use'; readonly toolIndex: number };

const eventFrame = (type: string, data: Readonly<Record<string, unknown>> = {}): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

export function anthropicEncoder(options: AnthropicStreamOptions): SseEncoder {
  let messageId: string | null = null;
  let open: OpenBlock | null = null;
  let blocks = 0;
  let usage: Usage | null = null;
  let finish: FinishReason | null = null;

  const start = (upstreamId: string): string[] => {
    messageId = messageIdOf(upstreamId);
    const message = { id: messageId, type: 'message', role: 'assistant', model: options.alias, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: options.estimatedInputTokens, output_tokens: 0 } };
    return [eventFrame('message_start', { message }), eventFrame('ping')];
  };

  const close = (): string[] => {
    if (open === null) return [];
    const frame = eventFrame('content_block_stop', { index: open.index });
    open = null;
    return [frame];
  };

  const begin = (block: OpenBlock, contentBlock: Readonly<Record<string, unknown>>): string[] => {
    const frames = [...close(), eventFrame('content_block_start', { index: block.index, content_block: contentBlock })];
    open = block;
    blocks++;
    return frames;
  };

  const text = (delta: string): string[] => {
    const frames = open?.kind === 'text' ? [] : begin({ index: blocks, kind: 'text' }, { type: 'text', text: '' });
    return [...frames, eventFrame('content_block_delta', { index: blocks - 1, delta: { type: 'text_delta', text: delta } })];
  };

  const toolCall = (call: ToolCallDelta): string[] => {
    const frames: string[] = [];
    if (open?.kind !== 'tool_use' || open.toolIndex !== call.index) {
      const id = call.id ?? `toolu_${messageId ?? 'gateway'}_${call.index}`;
      frames.push(...begin({ index: blocks, kind: 'tool_use', toolIndex: call.index }, { type: 'tool_use', id, name: call.function?.name ?? '', input: {} }));
    }
    const partial = call.function?.arguments;
    if (partial) frames.push(eventFrame('content_block_delta', { index: blocks - 1, delta: { type: 'input_json_delta', partial_json: partial } }));
    return frames;
  };

  return {
    chunk(chunk: ChatCompletionChunk) {
      const frames = messageId === null ? start(chunk.id) : [];
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices.find((candidate) => candidate.index === 0);
      if (choice === undefined) return frames;
      // A refusal is said as text, as the non-streamed message says it.
      const said = choice.delta.content || choice.delta.refusal;
      if (typeof said === 'string' && said) frames.push(...text(said));
      for (const call of choice.delta.tool_calls ?? []) frames.push(...toolCall(call));
      if (choice.finish_reason) finish = choice.finish_reason;
      return frames;
    },
    end() {
      const opening = messageId === null ? start('gateway') : [];
      const delta = { stop_reason: stopReasonOf(finish), stop_sequence: null };
      // Without a usage report upstream, message_start's estimate stands (input_tokens is left out here).
      const billed = usage === null ? { output_tokens: 0 } : anthropicUsageOf(usage);
      return [...opening, ...close(), eventFrame('message_delta', { delta, usage: billed }), eventFrame('message_stop')];
    },
    failure(error) {
      return eventFrame('error', { error: { type: 'api_error', message: error.message } });
    },
  };
}
