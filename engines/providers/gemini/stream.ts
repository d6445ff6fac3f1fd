/**
 * Gemini `streamGenerateContent?alt=sse` events → canonical chunks. Every event is a whole
 * GenerateContentResponse holding the next piece of each candidate: text arrives as deltas,
 * function calls arrive whole (so one tool_calls delta carries id, name and all arguments).
 * usageMetadata is cumulative; the last one seen becomes the include_usage chunk. The
 * stream has no [DONE]: it is complete once a candidate reported a finishReason.
 */
import { adapterError, isRecord } from '../errors.js';
import type { ChatCompletionChunk, ChunkDelta, ProviderTarget, Usage } from '../port.js';
import { unixSeconds, type ChunkMapper } from '../shared.js';
import { finishReasonOf, newCallId, readParts, responseIdentity, toUsage } from './response.js';

export function geminiChunkMapper(target: ProviderTarget, includeUsage: boolean): ChunkMapper {
  let identity: { id: string; model: string } | undefined;
  const created = unixSeconds();
  let usage: Usage | undefined;
  let complete = false;
  const toolCount = new Map<number, number>(); // per candidate: tool calls emitted so far
  const started = new Set<number>();

  const chunk = (index: number, delta: ChunkDelta, finish: ChatCompletionChunk['choices'][number]['finish_reason']): ChatCompletionChunk => ({
    id: identity?.id ?? '',
    object: 'chat.completion.chunk',
    created,
    model: identity?.model ?? target.upstreamModel,
    choices: [{ index, delta, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });

  const candidateChunk = (candidate: Record<string, unknown>, position: number): ChatCompletionChunk => {
    const index = typeof candidate.index === 'number' ? candidate.index : position;
    const { text, calls } = readParts(candidate.content);
    const delta: ChunkDelta = started.has(index) ? {} : { role: 'assistant' };
    started.add(index);
    if (text) delta.content = text;
    const before = toolCount.get(index) ?? 0;
    if (calls.length) {
      delta.tool_calls = calls.map((call, k) => ({ index: before + k, id: newCallId(), type: 'function', function: call }));
      toolCount.set(index, before + calls.length);
    }
    const finish = finishReasonOf(candidate.finishReason, (toolCount.get(index) ?? 0) > 0);
    if (finish) complete = true;
    return chunk(index, delta, finish);
  };

  return {
    push({ data }) {
      if (!isRecord(data)) throw adapterError(target, 'stream_interrupted', 'upstream sent an event that is not an object');
      if (isRecord(data.error)) {
        const message = typeof data.error.message === 'string' ? data.error.message : 'upstream stream error';
        throw adapterError(target, 'stream_interrupted', message);
      }
      identity ??= responseIdentity(data, target);
      usage = toUsage(data.usageMetadata) ?? usage;
      const candidates = Array.isArray(data.candidates) ? data.candidates.filter(isRecord) : [];
      if (candidates.length === 0 && isRecord(data.promptFeedback) && data.promptFeedback.blockReason !== undefined) {
        complete = true;
        return [chunk(0, { role: 'assistant' }, 'content_filter')];
      }
      return candidates.map(candidateChunk);
    },
    isComplete: () => complete,
    finish: () =>
      includeUsage && usage ? [{ id: identity?.id ?? '', object: 'chat.completion.chunk', created, model: identity?.model ?? target.upstreamModel, choices: [], usage }] : [],
  };
}
