import type { PromptContentPart, PromptMessage } from '../../../domain/inference/content.js';
import { countPromptTextTokens, countPromptTokens } from '../../../domain/inference/tokens.js';
import type { ChatCompletionRequest } from '../../../engines/providers/port.js';

/**
 * The messages as the tokenizer and the content hash see them: text and image parts kept,
 * any other part (audio, files) as its JSON text, which over-counts rather than under-counts.
 */
export function promptMessagesOf(request: Pick<ChatCompletionRequest, 'messages'>): PromptMessage[] {
  // Keys in canonical order, here and in the content parts: the content hash is then one native call (canonical-json.ts).
  return request.messages.map((message) =>
    'name' in message && typeof message.name === 'string'
      ? { content: contentOf(message.content), name: message.name, role: message.role }
      : { content: contentOf(message.content), role: message.role },
  );
}

function contentOf(content: unknown): PromptMessage['content'] {
  if (content === undefined || content === null) return null;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return JSON.stringify(content);
  return content.map((part: unknown): PromptContentPart => {
    const typed = part as { type?: unknown; text?: unknown; image_url?: { url?: unknown; detail?: unknown } };
    if (typed.type === 'text' && typeof typed.text === 'string') return { text: typed.text, type: 'text' };
    if (typed.type === 'image_url' && typeof typed.image_url?.url === 'string') {
      const detail = typed.image_url.detail === 'low' || typed.image_url.detail === 'high' || typed.image_url.detail === 'auto' ? typed.image_url.detail : undefined;
      return { image_url: detail ? { detail, url: typed.image_url.url } : { url: typed.image_url.url }, type: 'image_url' };
    }
    return { text: JSON.stringify(part), type: 'text' };
  });
}

/**
 * Prompt tokens of a chat request counted with a real tokenizer (gpt-tokenizer), with tool
 * definitions and the response schema added as their JSON text (providers inject them into
 * the prompt in their own formats; the JSON is a close, slightly high estimate).
 */
export function estimatePromptTokens(request: ChatCompletionRequest, upstreamModel: string): number {
  let tokens = countPromptTokens(promptMessagesOf(request), upstreamModel);
  if (request.tools !== undefined) tokens += countPromptTextTokens(JSON.stringify(request.tools), upstreamModel);
  if (request.response_format?.type === 'json_schema') tokens += countPromptTextTokens(JSON.stringify(request.response_format.json_schema), upstreamModel);
  return tokens;
}

/** Output tokens the request may generate: max_completion_tokens wins over max_tokens (OpenAI's rule); null when unbounded. */
export function requestedMaxOutputTokens(request: ChatCompletionRequest): number | null {
  return request.max_completion_tokens ?? request.max_tokens ?? null;
}
