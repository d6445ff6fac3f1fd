/**
 * OpenAI-compatible response → canonical. The shape is already canonical; this checks the
 * parts the gateway relies on and fills fields some compatible servers leave out.
 */
import { adapterError, isRecord } from '../errors.js';
import type { ChatCompletion, EmbeddingsResponse, ProviderTarget } from '../port.js';
import { unixSeconds } from '../shared.js';

export function toChatCompletion(json: unknown, target: ProviderTarget): ChatCompletion {
  if (!isRecord(json) || !Array.isArray(json.choices)) throw adapterError(target, 'server_error', 'upstream chat response has no choices');
  const defaults = { id: `chatcmpl-${target.deploymentId}-${Date.now()}`, created: unixSeconds(), model: target.upstreamModel };
  return { ...defaults, ...json, object: 'chat.completion' } as ChatCompletion;
}

export function toEmbeddingsResponse(json: unknown, target: ProviderTarget): EmbeddingsResponse {
  if (!isRecord(json) || !Array.isArray(json.data)) throw adapterError(target, 'server_error', 'upstream embeddings response has no data');
  const defaults = { model: target.upstreamModel, usage: { prompt_tokens: 0, total_tokens: 0 } };
  return { ...defaults, ...json, object: 'list' } as EmbeddingsResponse;
}
