/**
 * Anthropic streaming events → canonical chunks.
 *
 *   message_start        → first chunk (role), remembers id, model and input usage
 *   content_block_start  → tool_use: a tool_calls delta with id and name (args follow)
 *   content_block_delta  → text_delta: content; input_json_delta: tool call argument delta
 *   message_delta        → chunk with finish_reason; output usage (cumulative)
 *   message_stop         → the response is complete
 *   error                → 'stream_interrupted' with the upstream's message
 * The include_usage chunk (empty choices) is emitted after message_stop.
 */
import { adapterError, isRecord } from '../errors.js';
import type { ChatCompletionChunk, ChunkDelta, FinishReason, ProviderTarget } from '../port.js';
import { unixSeconds, type ChunkMapper } from '../shared.js';
import { finishReasonOf, readUsage, toUsage, type AnthropicUsageCounts } from './response.js';

export function anthropicChunkMapper(target: ProviderTarget, includeUsage: boolean): ChunkMapper {
  let id = `msg-${target.deploymentId}`;
  let model = target.upstreamModel;
  const created = unixSeconds();
  let usage: AnthropicUsageCounts | undefined;
  let stopped = false;
  const toolIndexByBlock = new Map<number, number>();

  const chunk = (delta: ChunkDelta, finish: FinishReason | null = null): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });

  const onBlockStart = (index: number, block: unknown): ChatCompletionChunk[] => {
    if (!isRecord(block)) return [];
    if (block.type === 'text' && typeof block.text === 'string' && block.text) return [chunk({ content: block.text })];
    if (block.type !== 'tool_use') return [];
    const toolIndex = toolIndexByBlock.size;
    toolIndexByBlock.set(index, toolIndex);
    return [chunk({ tool_calls: [{ index: toolIndex, id: String(block.id), type: 'function', function: { name: String(block.name), arguments: '' } }] })];
  };

  const onBlockDelta = (index: number, delta: unknown): ChatCompletionChunk[] => {
    if (!isRecord(delta)) return [];
    if (delta.type === 'text_delta' && typeof delta.text === 'string') return [chunk({ content: delta.text })];
    const toolIndex = toolIndexByBlock.get(index);
    if (delta.type !== 'input_json_delta' || toolIndex === undefined || typeof delta.partial_json !== 'string' || !delta.partial_json) return [];
    return [chunk({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] })];
  };

  return {
    push({ event, data }) {
      if (!isRecord(data)) throw adapterError(target, 'stream_interrupted', 'upstream sent an event that is not an object');
      const index = typeof data.index === 'number' ? data.index : 0;
      switch (data.type ?? event) {
        case 'message_start': {
          const message = isRecord(data.message) ? data.message : {};
          if (typeof message.id === 'string') id = message.id;
          if (typeof message.model === 'string') model = message.model;
          usage = readUsage(message.usage);
          return [chunk({ role: 'assistant', content: '' })];
        }
        case 'content_block_start':
          return onBlockStart(index, data.content_block);
        case 'content_block_delta':
          return onBlockDelta(index, data.delta);
        case 'message_delta':
          usage = readUsage(data.usage, usage);
          return [chunk({}, finishReasonOf(isRecord(data.delta) ? data.delta.stop_reason : undefined) ?? 'stop')];
        case 'message_stop':
          stopped = true;
          return [];
        case 'error': {
          const error = isRecord(data.error) ? data.error : {};
          throw adapterError(target, 'stream_interrupted', typeof error.message === 'string' ? error.message : 'upstream stream error');
        }
        default: // ping, content_block_stop, and event types added later
          return [];
      }
    },
    isComplete: () => stopped,
    finish: () => (includeUsage && usage ? [{ id, object: 'chat.completion.chunk', created, model, choices: [], usage: toUsage(usage) }] : []),
  };
}
