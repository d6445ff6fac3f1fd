import { z } from 'zod';

/**
 * The chat request as the edge validates it: every field the gateway or an adapter reads is
 * type-checked here, so a malformed request is an OpenAI-shaped 400 naming the field, and
 * never reaches a provider. Objects are loose on purpose: OpenAI clients send many fields
 * (logit_bias, metadata, reasoning_effort …) that OpenAI-compatible adapters forward unchanged.
 */
const contentPart = z.looseObject({ type: z.string().min(1).max(64) });
const messageContent = z.union([z.string(), z.array(contentPart).max(1000), z.null()]);

const toolCall = z.looseObject({
  id: z.string().min(1).max(256),
  type: z.literal('function'),
  function: z.looseObject({ name: z.string().min(1).max(256), arguments: z.string().max(1_000_000) }),
});

export const ChatMessageBody = z.discriminatedUnion('role', [
  z.looseObject({ role: z.enum(['system', 'developer']), content: z.union([z.string(), z.array(contentPart).max(1000)]), name: z.string().max(256).optional() }),
  z.looseObject({ role: z.literal('user'), content: z.union([z.string(), z.array(contentPart).max(1000)]), name: z.string().max(256).optional() }),
  z.looseObject({ role: z.literal('assistant'), content: messageContent.optional(), tool_calls: z.array(toolCall).max(128).optional(), name: z.string().max(256).optional() }),
  z.looseObject({ role: z.literal('tool'), content: z.union([z.string(), z.array(contentPart).max(1000)]), tool_call_id: z.string().min(1).max(256) }),
]);

const tokenLimit = z.number().int().min(1).max(1_000_000).nullable().optional();
const optionalNumber = (min: number, max: number) => z.number().min(min).max(max).nullable().optional();

const functionTool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a function name of letters, digits, _ and - (at most 64)'),
    description: z.string().max(100_000).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

const toolChoice = z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string().min(1).max(64) }) })]);

const responseFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({ type: z.literal('json_schema'), json_schema: z.looseObject({ name: z.string().min(1).max(64), schema: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().nullable().optional() }) }),
]);

export const ChatCompletionBody = z.looseObject({
  model: z.string().min(1).max(200),
  messages: z.array(ChatMessageBody).min(1).max(10_000),
  max_tokens: tokenLimit,
  max_completion_tokens: tokenLimit,
  n: z.number().int().min(1).max(16).nullable().optional(),
  temperature: optionalNumber(0, 2),
  top_p: optionalNumber(0, 1),
  presence_penalty: optionalNumber(-2, 2),
  frequency_penalty: optionalNumber(-2, 2),
  seed: z.number().int().nullable().optional(),
  stop: z.union([z.string().max(1000), z.array(z.string().max(1000)).max(4)]).nullable().optional(),
  tools: z.array(functionTool).max(128).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormat.optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  user: z.string().max(256).optional(),
});
export type ChatCompletionBody = z.output<typeof ChatCompletionBody>;
