/**
 * OpenAI-compatible SSE chunk → canonical chunk (already canonical: checked, not rebuilt).
 * A stream is complete once some choice carried a finish_reason; the include_usage chunk
 * that follows it is optional, as OpenAI documents for interrupted streams.
 */
import { adapterError, extractErrorMessage, isRecord } from '../errors.js';
import type { ChatCompletionChunk, ProviderTarget } from '../port.js';
import { unixSeconds, type ChunkMapper } from '../shared.js';

export function openAiChunkMapper(target: ProviderTarget): ChunkMapper {
  let finished = false;
  return {
    push({ data }) {
      if (!isRecord(data)) throw adapterError(target, 'stream_interrupted', 'upstream sent a chunk that is not an object');
      if (!Array.isArray(data.choices)) {
        // vLLM and others report failures mid-stream as `data: {"error": …}`.
        const message = data.error === undefined ? 'upstream sent a chunk without choices' : extractErrorMessage(JSON.stringify(data));
        throw adapterError(target, 'stream_interrupted', message);
      }
      // Azure opens with a prompt-filter chunk that has neither choices nor usage.
      if (data.choices.length === 0 && data.usage == null) return [];
      if (data.choices.some((choice) => isRecord(choice) && choice.finish_reason != null)) finished = true;
      const defaults = { id: `chatcmpl-${target.deploymentId}`, created: unixSeconds(), model: target.upstreamModel };
      return [{ ...defaults, ...data, object: 'chat.completion.chunk' } as ChatCompletionChunk];
    },
    isComplete: () => finished,
    finish: () => [],
  };
}
