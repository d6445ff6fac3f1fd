import { z } from 'zod';

/**
 * The chat request as the edge validates it: only what the gateway itself reads is checked,
 * so a malformed request is a 400 here instead of a crash in an adapter. Objects are loose
 * on purpose: OpenAI clients send many fields (logit_bias, metadata, reasoning_effort …)
 * that OpenAI-compatible adapters forward unchanged.
 */
const contentPart = z.looseObject({ type: z.string().min(1).max(64) });
const messageContent = z.union([z.string(), z.array(contentPart).max(1000), z.null()]);

export const ChatMessageBody = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: messageContent.optional(),
  name: z.string().max(256).optional(),
});

const tokenLimit = z.number().int().min(1).max(1_000_000).nullable().optional();

export const ChatCompletionBody = z.looseObject({
  model: z.string().min(1).max(200),
  messages: z.array(ChatMessageBody).min(1).max(10_000),
  max_tokens: tokenLimit,
  max_completion_tokens: tokenLimit,
  n: z.number().int().min(1).max(16).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
});
export type ChatCompletionBody = z.output<typeof ChatCompletionBody>;
