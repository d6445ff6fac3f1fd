/**
 * Small helpers shared by the provider adapters: URLs, message content, tool arguments,
 * and the driver that turns upstream SSE events into canonical chunks.
 */
import { adapterError, isRecord } from './errors.js';
import type { SseEvent } from './http.js';
import type { ChatCompletionChunk, ChatCompletionRequest, ContentPart, ProviderTarget } from './port.js';

/** `{baseUrl}` without trailing slashes; the provider's public endpoint when the target has none. */
export function baseUrlOf(target: ProviderTarget, fallback?: string): string {
  const base = target.baseUrl ?? fallback;
  if (!base) throw adapterError(target, 'bad_request', `deployment '${target.deploymentId}' has no baseUrl`);
  return base.replace(/\/+$/, '');
}

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function wantsUsage(req: ChatCompletionRequest): boolean {
  return req.stream_options?.include_usage === true;
}

/** The text of a message's content; image parts contribute nothing. */
export function textOf(content: string | readonly ContentPart[] | null | undefined): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/** Parses a tool call's JSON arguments; upstreams that take objects cannot accept anything else. */
export function parseToolArguments(target: ProviderTarget, raw: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch {
    throw adapterError(target, 'bad_request', 'tool call arguments are not valid JSON');
  }
  if (!isRecord(parsed)) throw adapterError(target, 'bad_request', 'tool call arguments must be a JSON object');
  return parsed;
}

export function stopSequences(stop: string | string[] | null | undefined): string[] | undefined {
  if (stop === null || stop === undefined) return undefined;
  return Array.isArray(stop) ? stop : [stop];
}

/** `data:` URL → its media type and base64 payload; null for other URLs. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | null {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { mediaType: match[1], data: match[2] } : null;
}

/**
 * Stateful translation of one upstream stream. `push` may throw an UpstreamError for an
 * in-stream error event; `isComplete` says whether the upstream signalled the end of the
 * response, so a body that merely stops is reported as interrupted.
 */
export interface ChunkMapper {
  push(event: SseEvent): ChatCompletionChunk[];
  isComplete(): boolean;
  /** Chunks owed after the last event, such as the include_usage chunk. */
  finish(): ChatCompletionChunk[];
}

export async function* mapChunks(events: AsyncIterable<SseEvent>, mapper: ChunkMapper, target: ProviderTarget): AsyncGenerator<ChatCompletionChunk> {
  for await (const event of events) yield* mapper.push(event);
  if (!mapper.isComplete()) throw adapterError(target, 'stream_interrupted', 'upstream stream ended before the response was complete');
  yield* mapper.finish();
}

/** Names of an upstream's finish/stop reasons → canonical finish reasons. */
export type FinishReasonTable = Readonly<Record<string, ChatCompletionChunk['choices'][number]['finish_reason']>>;

/**
 * Anthropic and Gemini both require user and model turns to alternate: consecutive items
 * of one role (a user message after tool results, say) are merged into the previous turn,
 * and empty turns, which both reject, are dropped.
 */
export function turnAppender<Role, Item>(turns: Array<{ role: Role; items: Item[] }>): (role: Role, items: Item[]) => void {
  return (role, items) => {
    if (items.length === 0) return;
    const last = turns[turns.length - 1];
    if (last?.role === role) last.items.push(...items);
    else turns.push({ role, items });
  };
}
