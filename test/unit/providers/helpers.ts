/** Small helpers for provider tests: targets, draining streams, reassembling chunks. */
import { expect } from 'chai';
import type { ChatCompletionChunk, FinishReason, ProviderTarget, ToolCall, Usage } from '../../../engines/providers/port.js';
import { UpstreamError } from '../../../engines/providers/port.js';

export const TEST_KEY = 'sk-test-9f8e7d6c5b4a39281706';

export function target(overrides: Partial<ProviderTarget> = {}): ProviderTarget {
  return {
    deploymentId: 'd_test',
    provider: 'openai',
    upstreamModel: 'gpt-test',
    baseUrl: null,
    apiKey: TEST_KEY,
    timeouts: { connectMs: 1000, readMs: 2000 },
    ...overrides,
  };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Drains a stream that must fail; returns what arrived before the failure, and the failure. */
export async function collectUntilError<T>(items: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const out: T[] = [];
  try {
    for await (const item of items) out.push(item);
  } catch (error) {
    return { items: out, error };
  }
  throw new Error(`expected the stream to fail, it ended after ${out.length} items`);
}

/** Awaits a promise that must reject with an UpstreamError and returns it. */
export async function upstreamRejection(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(UpstreamError);
    return error as UpstreamError;
  }
  throw new Error('expected an UpstreamError, the call succeeded');
}

export interface Assembled {
  content: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason | null;
  usage: Usage | null | undefined;
  roles: string[];
}

/** What an OpenAI SDK client would rebuild from the chunks of choice 0. */
export function assemble(chunks: readonly ChatCompletionChunk[]): Assembled {
  const result: Assembled = { content: '', toolCalls: [], finishReason: null, usage: undefined, roles: [] };
  for (const chunk of chunks) {
    if (chunk.usage) result.usage = chunk.usage;
    for (const choice of chunk.choices.filter((c) => c.index === 0)) {
      if (choice.delta.role) result.roles.push(choice.delta.role);
      result.content += choice.delta.content ?? '';
      for (const delta of choice.delta.tool_calls ?? []) {
        const call = (result.toolCalls[delta.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
        if (delta.id) call.id = delta.id;
        call.function.name += delta.function?.name ?? '';
        call.function.arguments += delta.function?.arguments ?? '';
      }
      if (choice.finish_reason) result.finishReason = choice.finish_reason;
    }
  }
  return result;
}

export const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  },
};
