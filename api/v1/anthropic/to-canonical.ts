/**
 * Anthropic Messages request → canonical (OpenAI chat) request, the reverse of the Anthropic
 * adapter's mapping, so an Anthropic client can reach any provider through the pipeline.
 *
 * - `system` becomes the leading system message (text blocks joined by blank lines);
 * - assistant tool_use blocks become tool_calls (input re-encoded as a JSON string);
 * - user tool_result blocks become tool messages, placed before the rest of that user turn,
 *   since OpenAI wants tool messages right after the assistant turn that called the tools;
 *   images inside a tool_result (OpenAI tool messages are text only) join that user turn;
 * - images become image_url parts (base64 sources as data URLs);
 * - thinking blocks echoed back from earlier turns are dropped (no canonical equivalent).
 * Not mapped: top_k, tool_result.is_error, cache_control, and fields the schema lets through
 * loosely (thinking, service_tier …); the canonical request is built from known fields only,
 * so none of them reaches an upstream that would refuse it.
 */
import { assertNever, ValidationError } from '../../../domain/shared/errors.js';
import type { AssistantMessage, ChatCompletionRequest, ChatMessage, ContentPart, FunctionTool, ImageContentPart, ToolCall } from '../../../engines/providers/port.js';
import type { ContentBlock, MessageParam, MessagesBody } from './schema.js';

type Block<T extends ContentBlock['type']> = Extract<ContentBlock, { type: T }>;

export function toCanonicalRequest(body: MessagesBody): ChatCompletionRequest {
  const request: ChatCompletionRequest = {
    model: body.model,
    messages: [...systemMessages(body.system), ...body.messages.flatMap(toMessages)],
    max_tokens: body.max_tokens,
  };
  if (body.temperature !== undefined) request.temperature = body.temperature;
  if (body.top_p !== undefined) request.top_p = body.top_p;
  if (body.stop_sequences?.length) request.stop = body.stop_sequences;
  if (body.stream !== undefined) request.stream = body.stream;
  if (body.tools?.length) request.tools = body.tools.map(toTool);
  if (body.metadata?.user_id) request.user = body.metadata.user_id;
  return { ...request, ...toolChoiceOf(body.tool_choice) };
}

function systemMessages(system: MessagesBody['system']): ChatMessage[] {
  if (system === undefined) return [];
  const text = typeof system === 'string' ? system : system.map((block) => block.text).join('\n\n');
  return text ? [{ role: 'system', content: text }] : [];
}

function toMessages(message: MessageParam, at: number): ChatMessage[] {
  if (message.role === 'assistant') return [assistantMessage(message.content, at)];
  return userMessages(message.content, at);
}

/** A block in a turn that may not hold it: Anthropic refuses these too, so the client hears which. */
function misplaced(at: number, index: number, type: string, role: string): ValidationError {
  const path = `body.messages.${at}.content.${index}`;
  return new ValidationError(`invalid body: ${path}: ${type} blocks belong in ${role} messages`, [{ path, message: `${type} blocks belong in ${role} messages` }]);
}

function userMessages(content: MessageParam['content'], at: number): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const toolMessages: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  content.forEach((block, index) => {
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: block.text });
        break;
      case 'image':
        parts.push(imagePart(block));
        break;
      case 'tool_result': {
        const result = typeof block.content === 'string' || block.content === undefined ? [] : block.content;
        const text = typeof block.content === 'string' ? block.content : result.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
        toolMessages.push({ role: 'tool', tool_call_id: block.tool_use_id, content: text });
        for (const part of result) if (part.type === 'image') parts.push(imagePart(part));
        break;
      }
      case 'tool_use':
        throw misplaced(at, index, block.type, 'assistant');
      case 'thinking':
      case 'redacted_thinking':
        break;
      default:
        assertNever(block, 'content block type');
    }
  });
  return toolMessages.length > 0 && parts.length === 0 ? toolMessages : [...toolMessages, { role: 'user', content: parts }];
}

function assistantMessage(content: MessageParam['content'], at: number): AssistantMessage {
  if (typeof content === 'string') return { role: 'assistant', content };
  let text = '';
  const toolCalls: ToolCall[] = [];
  content.forEach((block, index) => {
    switch (block.type) {
      case 'text':
        text += block.text;
        break;
      case 'tool_use':
        toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input) } });
        break;
      case 'image':
      case 'tool_result':
        throw misplaced(at, index, block.type, 'user');
      case 'thinking':
      case 'redacted_thinking':
        break;
      default:
        assertNever(block, 'content block type');
    }
  });
  if (toolCalls.length === 0) return { role: 'assistant', content: text };
  return { role: 'assistant', content: text || null, tool_calls: toolCalls };
}

function imagePart(block: Block<'image'>): ImageContentPart {
  const { source } = block;
  const url = source.type === 'base64' ? `data:${source.media_type};base64,${source.data}` : source.url;
  return { type: 'image_url', image_url: { url } };
}

function toTool(tool: NonNullable<MessagesBody['tools']>[number]): FunctionTool {
  return { type: 'function', function: { name: tool.name, ...(tool.description ? { description: tool.description } : {}), parameters: tool.input_schema } };
}

function toolChoiceOf(choice: MessagesBody['tool_choice']): Pick<ChatCompletionRequest, 'tool_choice' | 'parallel_tool_calls'> {
  if (choice === undefined) return {};
  if (choice.type === 'none') return { tool_choice: 'none' };
  const parallel = choice.disable_parallel_tool_use === true ? { parallel_tool_calls: false } : {};
  if (choice.type === 'auto') return { tool_choice: 'auto', ...parallel };
  if (choice.type === 'any') return { tool_choice: 'required', ...parallel };
  return { tool_choice: { type: 'function', function: { name: choice.name } }, ...parallel };
}
