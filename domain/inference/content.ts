import { canonicalJson } from '../shared/canonical-json.js';
import { sha256Hex } from '../shared/digest.js';

/** The parts of an OpenAI-style chat message that the gateway counts and hashes. */
export type PromptContentPart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'image_url'; readonly image_url: { readonly url: string; readonly detail?: 'low' | 'high' | 'auto' } };

export interface PromptMessage {
  readonly role: string;
  /** null for an assistant message that only carries tool calls. */
  readonly content: string | readonly PromptContentPart[] | null;
  readonly name?: string;
}

/**
 * sha256 (lower-case hex) over the RFC 8785 canonical JSON of `{ messages, completion }`.
 * InferenceCompleted stores this instead of the texts: anyone holding the exact messages and
 * completion can recompute it and prove what was sent and received, while the event store
 * holds nothing readable. Canonical JSON makes the digest independent of key order.
 */
export function inferenceContentHash(messages: readonly PromptMessage[], completion: string | null): string {
  const canonical = canonicalJson({ completion, messages });
  if (canonical === undefined) throw new Error('inference content is not canonicalizable');
  return sha256Hex(canonical);
}

/** The most characters of a prompt or a completion an inference event stores; the rest is cut, with a marker. */
export const STORED_TEXT_MAX_CHARS = 100_000;

/**
 * A text as an opted-in tenant's inference event stores it: whole up to STORED_TEXT_MAX_CHARS,
 * otherwise its first STORED_TEXT_MAX_CHARS characters (never half a surrogate pair) followed
 * by a marker naming how many were cut. Bounded, so one request cannot bloat the event log.
 */
export function storedText(text: string): string {
  if (text.length <= STORED_TEXT_MAX_CHARS) return text;
  const splitsPair = /[\uD800-\uDBFF]/.test(text[STORED_TEXT_MAX_CHARS - 1]);
  const kept = text.slice(0, splitsPair ? STORED_TEXT_MAX_CHARS - 1 : STORED_TEXT_MAX_CHARS);
  return `${kept}…[truncated: ${text.length - kept.length} more characters]`;
}

/**
 * The prompt as an opted-in tenant's inference event stores it: the JSON of the very messages
 * the content hash covers, so while neither text was truncated anyone can check the stored
 * texts against the hash: inferenceContentHash(JSON.parse(promptText), completionText).
 */
export function storedPromptText(messages: readonly PromptMessage[]): string {
  return storedText(JSON.stringify(messages));
}
