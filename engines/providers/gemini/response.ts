/**
 * Gemini GenerateContentResponse → canonical ChatCompletion.
 * Each candidate becomes a choice; text parts join into `content` (thought parts are not
 * surfaced); functionCall parts become tool_calls with generated ids, because Gemini's
 * calls carry none the client could echo back. A prompt blocked before any candidate
 * becomes one empty choice with finish_reason 'content_filter'.
 */
import { randomBytes } from 'node:crypto';
import { adapterError, isRecord } from '../errors.js';
import type { ChatCompletion, ChatCompletionChoice, FinishReason, ProviderTarget, ToolCall, Usage } from '../port.js';
import { unixSeconds, type FinishReasonTable } from '../shared.js';

export const GEMINI_FINISH_REASONS: FinishReasonTable = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
};

export function finishReasonOf(raw: unknown, calledTools: boolean): FinishReason | null {
  if (typeof raw !== 'string') return null;
  if (calledTools) return 'tool_calls';
  return GEMINI_FINISH_REASONS[raw] ?? 'stop';
}

const count = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** usageMetadata → Usage. Thinking tokens are billed as output, as OpenAI's reasoning tokens are. */
export function toUsage(raw: unknown): Usage | undefined {
  if (!isRecord(raw)) return undefined;
  const prompt = count(raw.promptTokenCount) + count(raw.toolUsePromptTokenCount);
  const reasoning = count(raw.thoughtsTokenCount);
  const completion = count(raw.candidatesTokenCount) + reasoning;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: typeof raw.totalTokenCount === 'number' ? raw.totalTokenCount : prompt + completion,
    prompt_tokens_details: { cached_tokens: count(raw.cachedContentTokenCount) },
    ...(reasoning ? { completion_tokens_details: { reasoning_tokens: reasoning } } : {}),
  };
}

export const newCallId = (): string => `call_${randomBytes(9).toString('base64url')}`;

/** Text and function calls of one candidate's parts. */
export function readParts(content: unknown): { text: string; calls: Array<{ name: string; arguments: string }> } {
  const parts = isRecord(content) && Array.isArray(content.parts) ? content.parts.filter(isRecord) : [];
  const text = parts.map((part) => (typeof part.text === 'string' && part.thought !== true ? part.text : '')).join('');
  const calls = parts
    .map((part) => part.functionCall)
    .filter(isRecord)
    .map((call) => ({ name: String(call.name), arguments: JSON.stringify(call.args ?? {}) }));
  return { text, calls };
}

function toChoice(candidate: Record<string, unknown>, position: number): ChatCompletionChoice {
  const { text, calls } = readParts(candidate.content);
  const toolCalls: ToolCall[] = calls.map((call) => ({ id: newCallId(), type: 'function', function: call }));
  return {
    index: typeof candidate.index === 'number' ? candidate.index : position,
    message: { role: 'assistant', content: text || (toolCalls.length ? null : ''), ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
    finish_reason: finishReasonOf(candidate.finishReason, toolCalls.length > 0) ?? 'stop',
  };
}

export function responseIdentity(json: Record<string, unknown>, target: ProviderTarget): { id: string; model: string } {
  return {
    id: typeof json.responseId === 'string' ? `chatcmpl-${json.responseId}` : `chatcmpl-${randomBytes(9).toString('base64url')}`,
    model: typeof json.modelVersion === 'string' ? json.modelVersion : target.upstreamModel,
  };
}

export function toChatCompletion(json: unknown, target: ProviderTarget): ChatCompletion {
  if (!isRecord(json)) throw adapterError(target, 'server_error', 'upstream response is not an object');
  const candidates = Array.isArray(json.candidates) ? json.candidates.filter(isRecord) : [];
  const blocked = candidates.length === 0 && isRecord(json.promptFeedback) && json.promptFeedback.blockReason !== undefined;
  if (candidates.length === 0 && !blocked) throw adapterError(target, 'server_error', 'upstream response has no candidates');
  const choices: ChatCompletionChoice[] = blocked
    ? [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter' }]
    : candidates.map(toChoice);
  const usage = toUsage(json.usageMetadata);
  return { ...responseIdentity(json, target), object: 'chat.completion', created: unixSeconds(), choices, ...(usage ? { usage } : {}) };
}
