import { z } from 'zod';

/**
 * Anthropic's Messages request as the edge validates it. Objects are loose where Anthropic's
 * are (cache_control, citations and newer fields pass validation and are then ignored); what
 * the gateway translates is checked, so a malformed request is a 400 naming the field.
 * Block types that cannot be expressed in the canonical format (document, search_result,
 * server tools …) fail here rather than being dropped silently.
 */
/**
 * Anthropic's `string | blocks` fields. A union reports a bad block as a bare "Invalid input"
 * of the whole field; this names the block and what is wrong with it instead.
 */
function textOrBlocks<T extends z.ZodType>(block: T) {
  return z.union([z.string(), z.array(block).max(1000)], {
    error: (issue) => {
      if (issue.code !== 'invalid_union' || !Array.isArray(issue.input)) return undefined;
      const inner = issue.errors[1]?.[0];
      return inner ? `item ${inner.path.join('.')}: ${inner.message}` : undefined;
    },
  });
}

const TextBlock = z.looseObject({ type: z.literal('text'), text: z.string() });

const ImageSource = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('base64'), media_type: z.string().min(1).max(100), data: z.string() }),
  z.looseObject({ type: z.literal('url'), url: z.string().min(1) }),
]);
const ImageBlock = z.looseObject({ type: z.literal('image'), source: ImageSource });

const ToolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1).max(256),
  name: z.string().min(1).max(256),
  input: z.record(z.string(), z.unknown()),
});

const ToolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1).max(256),
  content: textOrBlocks(z.discriminatedUnion('type', [TextBlock, ImageBlock])).optional(),
  is_error: z.boolean().optional(),
});

/** Extended-thinking blocks a client echoes back from an earlier turn: accepted, not forwarded. */
const ThinkingBlock = z.looseObject({ type: z.literal('thinking'), thinking: z.string() });
const RedactedThinkingBlock = z.looseObject({ type: z.literal('redacted_thinking') });

export const ContentBlock = z.discriminatedUnion('type', [TextBlock, ImageBlock, ToolUseBlock, ToolResultBlock, ThinkingBlock, RedactedThinkingBlock]);
export type ContentBlock = z.output<typeof ContentBlock>;

export const MessageParam = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: textOrBlocks(ContentBlock),
});
export type MessageParam = z.output<typeof MessageParam>;

const CustomTool = z.looseObject({
  type: z.literal('custom').optional(),
  name: z.string().min(1).max(128),
  description: z.string().optional(),
  input_schema: z.looseObject({ type: z.literal('object') }),
});

const noParallel = { disable_parallel_tool_use: z.boolean().optional() };
const ToolChoice = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('auto'), ...noParallel }),
  z.looseObject({ type: z.literal('any'), ...noParallel }),
  z.looseObject({ type: z.literal('tool'), name: z.string().min(1).max(128), ...noParallel }),
  z.looseObject({ type: z.literal('none') }),
]);

export const MessagesBody = z.looseObject({
  model: z.string().min(1).max(200),
  max_tokens: z.number().int().min(1).max(1_000_000),
  messages: z.array(MessageParam).min(1).max(10_000),
  system: textOrBlocks(TextBlock).optional(),
  tools: z.array(CustomTool).max(1000).optional(),
  tool_choice: ToolChoice.optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  stop_sequences: z.array(z.string()).max(1000).optional(),
  stream: z.boolean().optional(),
  metadata: z.looseObject({ user_id: z.string().max(256).nullable().optional() }).optional(),
});
export type MessagesBody = z.output<typeof MessagesBody>;
