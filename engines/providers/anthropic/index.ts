/**
 * Anthropic Messages API: POST {baseUrl}/v1/messages with `x-api-key` and
 * `anthropic-version`. No embeddings (Anthropic offers none).
 */
import { sharedHttp, type UpstreamHttp } from '../http.js';
import type { ChatProvider, ProviderTarget } from '../port.js';
import { baseUrlOf, mapChunks, wantsUsage } from '../shared.js';
import { toAnthropicRequest } from './request.js';
import { toChatCompletion } from './response.js';
import { anthropicChunkMapper } from './stream.js';

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const ANTHROPIC_DEFAULT_VERSION = '2023-06-01';

function messagesUrl(target: ProviderTarget): string {
  const base = baseUrlOf(target, ANTHROPIC_BASE_URL);
  // Accept both https://api.anthropic.com and https://api.anthropic.com/v1 as baseUrl.
  return base.endsWith('/v1') ? `${base}/messages` : `${base}/v1/messages`;
}

function headers(target: ProviderTarget): Record<string, string> {
  return { ...(target.apiKey ? { 'x-api-key': target.apiKey } : {}), 'anthropic-version': target.apiVersion ?? ANTHROPIC_DEFAULT_VERSION };
}

export function createAnthropicProvider(http: UpstreamHttp = sharedHttp): ChatProvider {
  return {
    async chat(req, target, signal) {
      const body = toAnthropicRequest(req, target, false);
      const json = await http.postJson({ target, url: messagesUrl(target), headers: headers(target), body, signal });
      return toChatCompletion(json, target);
    },
    async chatStream(req, target, signal) {
      const body = toAnthropicRequest(req, target, true);
      const events = await http.postSse({ target, url: messagesUrl(target), headers: headers(target), body, signal });
      return mapChunks(events, anthropicChunkMapper(target, wantsUsage(req)), target);
    },
  };
}

export const anthropicProvider = createAnthropicProvider();
