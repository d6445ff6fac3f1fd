/**
 * Canonical → Anthropic Messages request.
 *
 * - system/developer messages, wherever they sit, join (in order) into `system`;
 * - assistant tool_calls become tool_use blocks, tool messages become tool_result blocks in
 *   a user turn; consecutive turns of one role merge, because Anthropic wants every
 *   tool_result of a turn in the single user message that follows it;
 * - max_tokens is required upstream: max_completion_tokens, else max_tokens, else 4096.
 * Fields Anthropic has no equivalent for (logit_bias, response_format …) are dropped.
 */
import { assertNever } from '../../../domain/shared/errors.js';
import { adapterError } from '../errors.js';
import type { AssistantMessage, ChatCompletionRequest, ChatMessage, ContentPart, FunctionTool, ProviderTarget } from '../port.js';
import { parseDataUrl, parseToolArguments, stopSequences, textOf, turnAppender } from '../shared.js';

export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

type Block = Record<string, unknown>;
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

/** Sampling parameters with the same meaning; temperature is clamped to Anthropic's 0–1. */
const SAMPLING: ReadonlyArray<{ from: keyof ChatCompletionRequest; to: string; max?: number }> = [
  { from: 'temperature', to: 'temperature', max: 1 },
  { from: 'top_p', to: 'top_p' },
];

export function toAnthropicRequest(req: ChatCompletionRequest, target: ProviderTarget, stream: boolean): Record<string, unknown> {
  if ((req.n ?? 1) > 1) throw adapterError(target, 'bad_request', 'anthropic does not support n > 1');
  const { system, messages } = toMessages(req.messages, target);
  const body: Record<string, unknown> = {
    model: target.upstreamModel,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages,
    stream,
  };
  if (system) body.system = system;
  for (const { from, to, max } of SAMPLING) {
    const value = req[from];
    if (typeof value === 'number') body[to] = max === undefined ? value : Math.min(value, max);
  }
  const stop = stopSequences(req.stop);
  if (stop?.length) body.stop_sequences = stop;
  if (req.tools?.length) body.tools = req.tools.map(toTool);
  const toolChoice = toToolChoice(req);
  if (toolChoice) body.tool_choice = toolChoice;
  if (req.user) body.metadata = { user_id: req.user };
  return body;
}

function toMessages(messages: readonly ChatMessage[], target: ProviderTarget): { system: string; messages: AnthropicMessage[] } {
  const system: string[] = [];
  const turns: Array<{ role: AnthropicMessage['role']; items: Block[] }> = [];
  const append = turnAppender(turns);
  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOf(message.content));
        break;
      case 'user':
        append('user', userBlocks(message.content));
        break;
      case 'assistant':
        append('assistant', assistantBlocks(message, target));
        break;
      case 'tool':
        append('user', [{ type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message.content) }]);
        break;
      default:
        assertNever(message, 'message role');
    }
  }
  return { system: system.filter(Boolean).join('\n\n'), messages: turns.map(({ role, items }) => ({ role, content: items })) };
}

function userBlocks(content: string | readonly ContentPart[]): Block[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  return content.flatMap((part): Block[] => {
    if (part.type === 'text') return part.text ? [{ type: 'text', text: part.text }] : [];
    const data = parseDataUrl(part.image_url.url);
    const source = data ? { type: 'base64', media_type: data.mediaType, data: data.data } : { type: 'url', url: part.image_url.url };
    return [{ type: 'image', source }];
  });
}

function assistantBlocks(message: AssistantMessage, target: ProviderTarget): Block[] {
  const text = textOf(message.content);
  const blocks: Block[] = text ? [{ type: 'text', text }] : [];
  for (const call of message.tool_calls ?? []) {
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseToolArguments(target, call.function.arguments) });
  }
  return blocks;
}

function toTool(tool: FunctionTool): Block {
  const { name, description, parameters } = tool.function;
  return { name, ...(description ? { description } : {}), input_schema: parameters ?? { type: 'object', properties: {} } };
}

function toToolChoice(req: ChatCompletionRequest): Block | undefined {
  const choice = req.tool_choice;
  const noParallel = req.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return req.tools?.length && req.parallel_tool_calls === false ? { type: 'auto', ...noParallel } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...noParallel };
  if (choice === 'required') return { type: 'any', ...noParallel };
  return { type: 'tool', name: choice.function.name, ...noParallel };
}
