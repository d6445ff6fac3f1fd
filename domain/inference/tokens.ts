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

/** Each encoding's tokenizer, as every count here uses it. */
const COUNT_BY_ENCODING: Readonly<Record<TokenEncoding, (text: string) => number>> = {
  cl100k_base: (text) => countCl100k(text, AS_PLAIN_TEXT),
  o200k_base: (text) => countO200k(text, AS_PLAIN_TEXT),
};

export function countTextTokens(text: string, upstreamModel: string): number {
  return COUNT_BY_ENCODING[encodingFor(upstreamModel)](text);
}

/**
 * Token counts of prompt texts already seen, per encoding. Prompts repeat far more than they
 * differ: an application sends the same system prompt and tool definitions with every request,
 * and a chat client resends the whole conversation each turn, so most of a prompt's text was
 * counted moments ago. A count is a pure function of (encoding, text); the memo is bounded by
 * the characters it holds, in two generations: when the young one fills up it becomes the old
 * one and the previous old one is dropped, and a text found in the old one moves back to the
 * young one (an LRU's effect without reordering on every hit).
 */
export class TextTokenMemo {
  private young = new Map<string, number>();
  private old = new Map<string, number>();
  private youngChars = 0;

  constructor(
    private readonly count: (text: string) => number,
    private readonly generationChars: number,
  ) {}

  tokens(text: string): number {
    const known = this.young.get(text);
    if (known !== undefined) return known;
    const tokens = this.old.get(text) ?? this.count(text);
    // A text longer than a whole generation would only evict everything else.
    if (text.length <= this.generationChars) this.remember(text, tokens);
    return tokens;
  }

  private remember(text: string, tokens: number): void {
    if (this.youngChars + text.length > this.generationChars) {
      this.old = this.young;
      this.young = new Map();
      this.youngChars = 0;
    }
    this.young.set(text, tokens);
    this.youngChars += text.length;
  }
}

/** Up to ~2 × 4 M characters (~16 MB of UTF-16) remembered per encoding. */
const MEMO_GENERATION_CHARS = 4 * 1024 * 1024;
const PROMPT_MEMOS: Readonly<Record<TokenEncoding, TextTokenMemo>> = {
  cl100k_base: new TextTokenMemo(COUNT_BY_ENCODING.cl100k_base, MEMO_GENERATION_CHARS),
  o200k_base: new TextTokenMemo(COUNT_BY_ENCODING.o200k_base, MEMO_GENERATION_CHARS),
};

/**
 * countTextTokens for text that recurs across requests (messages, names, tool definitions):
 * the same figure, remembered. Completions and embedding inputs, which rarely repeat, are
 * counted with countTextTokens so they do not crowd prompts out of the memo.
 */
export function countPromptTextTokens(text: string, upstreamModel: string): number {
  return PROMPT_MEMOS[encodingFor(upstreamModel)].tokens(text);
}

function countPart(part: PromptContentPart, memo: TextTokenMemo): number {
  switch (part.type) {
    case 'text':
      return memo.tokens(part.text);
    case 'image_url':
      return part.image_url.detail === 'low' ? IMAGE_TOKENS_LOW_DETAIL : IMAGE_TOKENS_HIGH_DETAIL;
    default:
      return assertNever(part, 'content part');
  }
}

function countContent(content: PromptMessage['content'], memo: TextTokenMemo): number {
  if (content === null) return 0;
  if (typeof content === 'string') return memo.tokens(content);
  return content.reduce((sum, part) => sum + countPart(part, memo), 0);
}

/** Prompt tokens of a chat request as the provider will count them (tool definitions excluded). */
export function countPromptTokens(messages: readonly PromptMessage[], upstreamModel: string): number {
  const memo = PROMPT_MEMOS[encodingFor(upstreamModel)];
  let tokens = REPLY_PRIMING_TOKENS;
  for (const message of messages) {
    tokens += TOKENS_PER_MESSAGE + memo.tokens(message.role) + countContent(message.content, memo);
    if (message.name !== undefined) tokens += TOKENS_PER_NAME + memo.tokens(message.name);
  }
  return tokens;
}
