import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { assertNever } from '../shared/errors.js';
import type { PromptContentPart, PromptMessage } from './content.js';

/**
 * Prompt token counting for budget reservations and for streams that break before the provider
 * reports usage. Providers' own usage figures always win when they exist: this is an estimate
 * that is exact for plain text chats on OpenAI models and close for the rest.
 */
export type TokenEncoding = 'o200k_base' | 'cl100k_base';

/**
 * Overheads from OpenAI's cookbook ("How to count tokens with tiktoken") for every chat model
 * since gpt-3.5-turbo-0613: each message is wrapped in `<|start|>{role/name}\n{content}<|end|>\n`
 * (3 tokens besides the role and content), a `name` costs 1 more, and every reply is primed
 * with `<|start|>assistant<|message|>` (3 tokens).
 */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
export const REPLY_PRIMING_TOKENS = 3;

/**
 * Images are not decoded on the hot path, so each one counts as a fixed estimate from OpenAI's
 * vision pricing: `detail: low` is always 85 tokens; `high` and `auto` count as a 1024×1024
 * image in high detail, 85 + 4 tiles × 170 = 765 tokens. Larger images can cost more (up to
 * 1,105 for 2048×4096), smaller ones less.
 */
export const IMAGE_TOKENS_LOW_DETAIL = 85;
export const IMAGE_TOKENS_HIGH_DETAIL = 765;

/** gpt-3.5 and gpt-4 (not gpt-4o, gpt-4.1, gpt-4.5) use cl100k_base, as do the older embeddings. */
const CL100K_MODEL = /^(gpt-3\.5|gpt-35|gpt-4(?![o.])|text-embedding-(ada-002|3-))/;

/**
 * The encoding of an upstream model name, e.g. `gpt-4o-2024-08-06`, `gpt-35-turbo` (Azure), or
 * `openai/gpt-4` (a path prefix is ignored). Every other name, o-series and unknown models
 * included, gets o200k_base, the encoding of all current OpenAI models.
 */
export function encodingFor(upstreamModel: string): TokenEncoding {
  const name = upstreamModel.slice(upstreamModel.lastIndexOf('/') + 1).toLowerCase();
  return CL100K_MODEL.test(name) ? 'cl100k_base' : 'o200k_base';
}

/** Special-token markers in user text are counted as the plain text they are, never as control tokens. */
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

export function countTextTokens(text: string, upstreamModel: string): number {
  const encoding = encodingFor(upstreamModel);
  switch (encoding) {
    case 'cl100k_base':
      return countCl100k(text, AS_PLAIN_TEXT);
    case 'o200k_base':
      return countO200k(text, AS_PLAIN_TEXT);
    default:
      return assertNever(encoding, 'token encoding');
  }
}

function countPart(part: PromptContentPart, upstreamModel: string): number {
  switch (part.type) {
    case 'text':
      return countTextTokens(part.text, upstreamModel);
    case 'image_url':
      return part.image_url.detail === 'low' ? IMAGE_TOKENS_LOW_DETAIL : IMAGE_TOKENS_HIGH_DETAIL;
    default:
      return assertNever(part, 'content part');
  }
}

function countContent(content: PromptMessage['content'], upstreamModel: string): number {
  if (content === null) return 0;
  if (typeof content === 'string') return countTextTokens(content, upstreamModel);
  return content.reduce((sum, part) => sum + countPart(part, upstreamModel), 0);
}

/** Prompt tokens of a chat request as the provider will count them (tool definitions excluded). */
export function countPromptTokens(messages: readonly PromptMessage[], upstreamModel: string): number {
  let tokens = REPLY_PRIMING_TOKENS;
  for (const message of messages) {
    tokens += TOKENS_PER_MESSAGE + countTextTokens(message.role, upstreamModel) + countContent(message.content, upstreamModel);
    if (message.name !== undefined) tokens += TOKENS_PER_NAME + countTextTokens(message.name, upstreamModel);
  }
  return tokens;
}
