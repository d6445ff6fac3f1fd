/**
 * What the mock model "says", as pure functions of the request, so every answer, token
 * count and tool call is reproducible:
 * - tokens are whitespace-separated words (at least one per non-empty message);
 * - the answer is the last user message, labelled as a mock echo, cut to max tokens
 *   (finish_reason 'length' then);
 * - with tools (and tool_choice not 'none'), a tool is called when tool_choice requires one
 *   or the last user message names it; arguments fill the schema's properties by type;
 * - after a tool message, the answer reports the tool result instead of calling again.
 */
import type { ChatCompletionRequest, FinishReason, FunctionTool, ToolCall, Usage } from '../port.js';
import { textOf } from '../shared.js';

export interface MockAnswer {
  content: string | null;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
}

export function countTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function promptTokens(req: ChatCompletionRequest): number {
  return req.messages.reduce((sum, message) => {
    const text = textOf(message.content) + (message.role === 'assistant' ? (message.tool_calls ?? []).map((c) => ` ${c.function.arguments}`).join('') : '');
    return sum + Math.max(1, countTokens(text));
  }, 0);
}

function lastUserText(req: ChatCompletionRequest): string {
  for (let i = req.messages.length - 1; i >= 0; i--) {
    const message = req.messages[i];
    if (message.role === 'user') return textOf(message.content);
  }
  return '';
}

function chooseTool(req: ChatCompletionRequest, prompt: string): FunctionTool | undefined {
  const tools = req.tools ?? [];
  const choice = req.tool_choice;
  const last = req.messages[req.messages.length - 1];
  if (tools.length === 0 || choice === 'none' || last?.role === 'tool') return undefined;
  if (typeof choice === 'object') return tools.find((tool) => tool.function.name === choice.function.name);
  const named = tools.find((tool) => prompt.toLowerCase().includes(tool.function.name.toLowerCase()));
  return named ?? (choice === 'required' ? tools[0] : undefined);
}

const SAMPLE_BY_TYPE: Readonly<Record<string, (prompt: string) => unknown>> = {
  string: (prompt) => prompt,
  number: () => 42,
  integer: () => 42,
  boolean: () => true,
  array: () => [],
  object: () => ({}),
};

function sampleArguments(tool: FunctionTool, prompt: string): Record<string, unknown> {
  const properties = tool.function.parameters?.properties;
  if (typeof properties !== 'object' || properties === null) return {};
  return Object.fromEntries(
    Object.entries(properties).map(([name, schema]) => {
      const type = typeof schema === 'object' && schema !== null && 'type' in schema ? String(schema.type) : 'string';
      return [name, (SAMPLE_BY_TYPE[type] ?? SAMPLE_BY_TYPE.string)(prompt)];
    }),
  );
}

export function answer(req: ChatCompletionRequest, model: string): MockAnswer {
  const prompt = lastUserText(req);
  const last = req.messages[req.messages.length - 1];
  const prompt_tokens = promptTokens(req);
  const tool = chooseTool(req, prompt);
  if (tool) {
    const args = JSON.stringify(sampleArguments(tool, prompt));
    const toolCalls: ToolCall[] = [{ id: 'call_mock_0', type: 'function', function: { name: tool.function.name, arguments: args } }];
    const completion_tokens = Math.max(1, countTokens(args));
    return { content: null, toolCalls, finishReason: 'tool_calls', usage: usageOf(prompt_tokens, completion_tokens) };
  }
  const full = last?.role === 'tool' ? `[mock ${model}] tool result: ${textOf(last.content)}` : `[mock ${model}] echo: ${prompt}`;
  const words = full.split(/\s+/).filter(Boolean);
  const limit = req.max_completion_tokens ?? req.max_tokens ?? Infinity;
  const kept = words.slice(0, Math.max(1, limit));
  return {
    content: kept.join(' '),
    toolCalls: [],
    finishReason: kept.length < words.length ? 'length' : 'stop',
    usage: usageOf(prompt_tokens, kept.length),
  };
}

function usageOf(prompt: number, completion: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: 0 } };
}
