/**
 * The mock provider: deterministic answers with no network, for demos, tests and the
 * gateway's fallback paths (see behaviour.ts for what it answers and failures.ts for the
 * model names that fail). It honours stream, include_usage, n, tools and embeddings.
 */
import { sha256Hex } from '../../../domain/shared/digest.js';
import { adapterError } from '../errors.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ChatProvider, ProviderTarget } from '../port.js';
import { unixSeconds, wantsUsage } from '../shared.js';
import { answer, type MockAnswer } from './behaviour.js';
import { mockEmbeddings } from './embeddings.js';
import { behaviourOf, sleep } from './failures.js';

const completionId = (req: ChatCompletionRequest): string =>
  `chatcmpl-mock-${sha256Hex(JSON.stringify(req.messages)).slice(0, 16)}`;

const choiceCount = (req: ChatCompletionRequest): number => Math.max(1, req.n ?? 1);

/** Waits out the simulated latency, then throws the simulated failure, if any. */
async function prelude(target: ProviderTarget, signal?: AbortSignal): Promise<'ok' | 'fail_mid_stream'> {
  const behaviour = behaviourOf(target);
  if (behaviour.type === 'fail_mid_stream') return behaviour.type;
  await sleep(behaviour.delayMs, signal);
  if (behaviour.type === 'fail') throw behaviour.error();
  return 'ok';
}

function toCompletion(req: ChatCompletionRequest, target: ProviderTarget, result: MockAnswer): ChatCompletion {
  const message = { role: 'assistant' as const, content: result.content, ...(result.toolCalls.length ? { tool_calls: result.toolCalls } : {}) };
  const choices = Array.from({ length: choiceCount(req) }, (_, index) => ({ index, message, finish_reason: result.finishReason }));
  const usage = { ...result.usage, completion_tokens: result.usage.completion_tokens * choices.length };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  return { id: completionId(req), object: 'chat.completion', created: unixSeconds(), model: target.upstreamModel, choices, usage };
}

/** Role chunk, one chunk per word (or one per tool call), finish chunk, then the usage chunk. */
function* toChunks(completion: ChatCompletion, includeUsage: boolean, failAfter: number | null): Generator<ChatCompletionChunk> {
  const base = { id: completion.id, object: 'chat.completion.chunk' as const, created: completion.created, model: completion.model, ...(includeUsage ? { usage: null } : {}) };
  let emitted = 0;
  for (const { index, message, finish_reason } of completion.choices) {
    yield { ...base, choices: [{ index, delta: { role: 'assistant', content: '' }, finish_reason: null }] };
    const words = (message.content ?? '').split(' ').filter(Boolean);
    for (const [position, word] of words.entries()) {
      if (failAfter !== null && emitted++ === failAfter) return;
      yield { ...base, choices: [{ index, delta: { content: position === 0 ? word : ` ${word}` }, finish_reason: null }] };
    }
    for (const [callIndex, call] of (message.tool_calls ?? []).entries()) {
      yield { ...base, choices: [{ index, delta: { tool_calls: [{ index: callIndex, ...call }] }, finish_reason: null }] };
    }
    yield { ...base, choices: [{ index, delta: {}, finish_reason }] };
  }
  if (includeUsage) yield { ...base, choices: [], usage: completion.usage };
}

async function* streamOf(completion: ChatCompletion, includeUsage: boolean, target: ProviderTarget, failMidStream: boolean): AsyncGenerator<ChatCompletionChunk> {
  yield* toChunks(completion, includeUsage, failMidStream ? 2 : null);
  if (failMidStream) throw adapterError(target, 'stream_interrupted', `simulated by mock model '${target.upstreamModel}'`);
}

export const mockProvider: Required<ChatProvider> = {
  async chat(req, target, signal) {
    if ((await prelude(target, signal)) === 'fail_mid_stream') throw adapterError(target, 'connection', 'simulated: connection dropped mid-body');
    return toCompletion(req, target, answer(req, target.upstreamModel));
  },
  async chatStream(req, target, signal) {
    const failMidStream = (await prelude(target, signal)) === 'fail_mid_stream';
    const completion = toCompletion(req, target, answer(req, target.upstreamModel));
    return streamOf(completion, wantsUsage(req), target, failMidStream);
  },
  async embeddings(req, target, signal) {
    await prelude(target, signal);
    return mockEmbeddings(req, target.upstreamModel);
  },
};
