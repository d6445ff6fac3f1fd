import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

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
  const canonical = canonicalize({ messages, completion });
  if (canonical === undefined) throw new Error('inference content is not canonicalizable');
  return createHash('sha256').update(canonical).digest('hex');
}
