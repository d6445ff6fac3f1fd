/**
 * Canonical (OpenAI chat) completion → Anthropic Message, the reverse of the Anthropic
 * adapter's response mapping. The canonical form does not keep which stop sequence matched
 * (stop_sequence is always null) nor cache writes (they count as input tokens).
 */
import type { ChatCompletion, FinishReason, ToolCall, Usage } from '../../../engines/providers/port.js';

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal';

const STOP_REASONS: Readonly<Record<FinishReason, StopReason>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

/** A stream or completion that ended without a reason ended its turn. */
export const stopReasonOf = (finish: FinishReason | null | undefined): StopReason => (finish ? STOP_REASONS[finish] : 'end_turn');

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
}

/** OpenAI's prompt_tokens include cached tokens; Anthropic's input_tokens exclude cache reads, which it reports apart. */
export function anthropicUsageOf(usage: Usage | null | undefined): AnthropicUsage {
  if (!usage) return { input_tokens: 0, output_tokens: 0 };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const cacheRead = typeof cached === 'number' ? Math.min(cached, usage.prompt_tokens) : null;
  return {
    input_tokens: usage.prompt_tokens - (cacheRead ?? 0),
    output_tokens: usage.completion_tokens,
    ...(cacheRead === null ? {} : { cache_read_input_tokens: cacheRead }),
  };
}

/** Anthropic ids start with msg_; an upstream's own id is kept inside it, so a request can be traced upstream. */
export const messageIdOf = (upstreamId: string): string => (upstreamId.startsWith('msg_') ? upstreamId : `msg_${upstreamId}`);

export type AnthropicBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/** The tool's input object; arguments that are not a JSON object (a model's slip) arrive as an empty input rather than failing a billed answer. */
export function toolInputOf(call: ToolCall): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(call.function.arguments || '{}');
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function toAnthropicMessage(completion: ChatCompletion, alias: string): Record<string, unknown> {
  const choice = completion.choices.find((candidate) => candidate.index === 0);
  const message = choice?.message;
  // A refusal is the model's answer in OpenAI's shape; Anthropic says it as text with stop_reason 'refusal'.
  const text = message?.content || message?.refusal || '';
  const content: AnthropicBlock[] = text ? [{ type: 'text', text }] : [];
  for (const call of message?.tool_calls ?? []) content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInputOf(call) });
  return {
    id: messageIdOf(completion.id),
    type: 'message',
    role: 'assistant',
    model: alias,
    content,
    stop_reason: stopReasonOf(choice?.finish_reason),
    stop_sequence: null,
    usage: anthropicUsageOf(completion.usage),
  };
}
