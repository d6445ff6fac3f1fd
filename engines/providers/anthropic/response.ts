/**
 * Anthropic Message → canonical ChatCompletion. Text blocks join into `content`, tool_use
 * blocks become tool_calls (input re-encoded as a JSON string), thinking blocks are not
 * surfaced. Anthropic's input_tokens exclude cache reads and writes, while OpenAI's
 * prompt_tokens include cached tokens, so prompt_tokens is the sum of all three.
 */
import { adapterError, isRecord } from '../errors.js';
import type { ChatCompletion, ProviderTarget, ToolCall, Usage } from '../port.js';
import { unixSeconds, type FinishReasonTable } from '../shared.js';

export const ANTHROPIC_FINISH_REASONS: FinishReasonTable = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function finishReasonOf(stopReason: unknown): ChatCompletion['choices'][number]['finish_reason'] {
  if (typeof stopReason !== 'string') return null;
  return ANTHROPIC_FINISH_REASONS[stopReason] ?? 'stop';
}

const count = (value: unknown): number => (typeof value === 'number' ? value : 0);

export interface AnthropicUsageCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

/** Reads Anthropic's usage object, keeping `previous` for counts it does not mention. */
export function readUsage(raw: unknown, previous: AnthropicUsageCounts = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 }): AnthropicUsageCounts {
  if (!isRecord(raw)) return previous;
  const pick = (key: string, fallback: number) => (typeof raw[key] === 'number' ? count(raw[key]) : fallback);
  return {
    input: pick('input_tokens', previous.input),
    output: pick('output_tokens', previous.output),
    cacheRead: pick('cache_read_input_tokens', previous.cacheRead),
    cacheCreation: pick('cache_creation_input_tokens', previous.cacheCreation),
  };
}

export function toUsage(counts: AnthropicUsageCounts): Usage {
  const prompt = counts.input + counts.cacheRead + counts.cacheCreation;
  return {
    prompt_tokens: prompt,
    completion_tokens: counts.output,
    total_tokens: prompt + counts.output,
    prompt_tokens_details: { cached_tokens: counts.cacheRead },
  };
}

export function toChatCompletion(json: unknown, target: ProviderTarget): ChatCompletion {
  if (!isRecord(json) || !Array.isArray(json.content)) throw adapterError(target, 'server_error', 'upstream message has no content');
  const blocks = json.content.filter(isRecord);
  const text = blocks.map((block) => (block.type === 'text' && typeof block.text === 'string' ? block.text : '')).join('');
  const toolCalls: ToolCall[] = blocks
    .filter((block) => block.type === 'tool_use')
    .map((block) => ({ id: String(block.id), type: 'function', function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) } }));
  return {
    id: typeof json.id === 'string' ? json.id : `msg-${target.deploymentId}`,
    object: 'chat.completion',
    created: unixSeconds(),
    model: typeof json.model === 'string' ? json.model : target.upstreamModel,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text || (toolCalls.length ? null : ''), ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
        finish_reason: finishReasonOf(json.stop_reason),
      },
    ],
    usage: toUsage(readUsage(json.usage)),
  };
}
