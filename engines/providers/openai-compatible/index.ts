/**
 * The shared base of every OpenAI-compatible provider: POST {baseUrl}/chat/completions and
 * {baseUrl}/embeddings with Bearer auth. Variants (OpenAI, Azure, Ollama, vLLM) only change
 * where the request goes and how it authenticates.
 */
import { sharedHttp, type UpstreamHttp } from '../http.js';
import type { ChatProvider, ProviderTarget } from '../port.js';
import { baseUrlOf, mapChunks } from '../shared.js';
import { toChatBody, toEmbeddingsBody } from './request.js';
import { toChatCompletion, toEmbeddingsResponse } from './response.js';
import { openAiChunkMapper } from './stream.js';

export type OpenAiOperation = 'chat/completions' | 'embeddings';

export interface OpenAiCompatibleOptions {
  /** Used when the target has none; without it a baseUrl is required. */
  defaultBaseUrl?: string;
  /** Where an operation goes; defaults to `{baseUrl}/{operation}`. */
  url?: (base: string, operation: OpenAiOperation, target: ProviderTarget) => string;
  /** Auth headers; defaults to `Authorization: Bearer {apiKey}` when there is a key. */
  authHeaders?: (target: ProviderTarget) => Record<string, string>;
  http?: UpstreamHttp;
}

const bearer = (target: ProviderTarget): Record<string, string> => (target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {});

export function createOpenAiCompatibleProvider(options: OpenAiCompatibleOptions = {}): Required<ChatProvider> {
  const http = options.http ?? sharedHttp;
  const urlOf = options.url ?? ((base, operation) => `${base}/${operation}`);
  const authHeaders = options.authHeaders ?? bearer;
  const request = (target: ProviderTarget, operation: OpenAiOperation, body: unknown, signal?: AbortSignal) => ({
    target,
    url: urlOf(baseUrlOf(target, options.defaultBaseUrl), operation, target),
    headers: authHeaders(target),
    body,
    signal,
  });

  return {
    async chat(req, target, signal) {
      const json = await http.postJson(request(target, 'chat/completions', toChatBody(req, target, false), signal));
      return toChatCompletion(json, target);
    },
    async chatStream(req, target, signal) {
      const events = await http.postSse(request(target, 'chat/completions', toChatBody(req, target, true), signal));
      return mapChunks(events, openAiChunkMapper(target), target);
    },
    async embeddings(req, target, signal) {
      const json = await http.postJson(request(target, 'embeddings', toEmbeddingsBody(req, target), signal));
      return toEmbeddingsResponse(json, target);
    },
  };
}

/** Any server speaking the OpenAI API at the deployment's baseUrl. */
export const openAiCompatibleProvider = createOpenAiCompatibleProvider();
