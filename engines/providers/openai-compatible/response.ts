/**
 * OpenAI-compatible response → canonical. The shape is already canonical; this checks the
 * parts the gateway relies on and fills fields some compatible servers leave out.
 */
import { adapterError, isRecord } from '../errors.js';
import type { ChatCompletion, EmbeddingsResponse, ProviderTarget } from '../port.js';
import { unixSeconds } from '../shared.js';

/**
 * Fills in place what the upstream left out (the parsed body is this call's own): copying it
 * into a new object per answer cost more than the rest of the mapping.
 */
export function toChatCompletion(json: unknown, target: ProviderTarget): ChatCompletion {
  if (!isRecord(json) || !Array.isArray(json.choices)) throw adapterError(target, 'server_error', 'upstream chat response has no choices');
  if (json.id === undefined) json.id = `chatcmpl-${target.deploymentId}-${Date.now()}`;
  if (json.created === undefined) json.created = unixSeconds();
  if (json.model === undefined) json.model = target.upstreamModel;
  json.object = 'chat.completion';
  return json as unknown as ChatCompletion;
}

export function toEmbeddingsResponse(json: unknown, target: ProviderTarget): EmbeddingsResponse {
  if (!isRecord(json) || !Array.isArray(json.data)) throw adapterError(target, 'server_error', 'upstream embeddings response has no data');
  const defaults = { model: target.upstreamModel, usage: { prompt_tokens: 0, total_tokens: 0 } };
  return { ...defaults, ...json, object: 'list' } as EmbeddingsResponse;
}
