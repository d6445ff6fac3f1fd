/**
 * Google Gemini API: POST {baseUrl}/models/{model}:generateContent, :streamGenerateContent
 * ?alt=sse and :batchEmbedContents, with the key in the `x-goog-api-key` header (never in
 * the URL, so it cannot leak through logged URLs).
 */
import { sharedHttp, type UpstreamHttp } from '../http.js';
import type { ChatProvider, ProviderTarget } from '../port.js';
import { baseUrlOf, mapChunks, wantsUsage } from '../shared.js';
import { toBatchEmbedRequest, toEmbeddingsResponse } from './embeddings.js';
import { toGeminiRequest } from './request.js';
import { toChatCompletion } from './response.js';
import { geminiChunkMapper } from './stream.js';

export const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';

/** `models/{name}`, whether the deployment names the model with or without the prefix. */
const modelPath = (target: ProviderTarget): string => (target.upstreamModel.startsWith('models/') ? target.upstreamModel : `models/${target.upstreamModel}`);

const urlOf = (target: ProviderTarget, method: string): string => `${baseUrlOf(target, GEMINI_BASE_URL)}/${modelPath(target)}:${method}`;

const headers = (target: ProviderTarget): Record<string, string> => (target.apiKey ? { 'x-goog-api-key': target.apiKey } : {});

export function createGeminiProvider(http: UpstreamHttp = sharedHttp): Required<ChatProvider> {
  return {
    async chat(req, target, signal) {
      const json = await http.postJson({ target, url: urlOf(target, 'generateContent'), headers: headers(target), body: toGeminiRequest(req, target), signal });
      return toChatCompletion(json, target);
    },
    async chatStream(req, target, signal) {
      const url = urlOf(target, 'streamGenerateContent?alt=sse');
      const events = await http.postSse({ target, url, headers: headers(target), body: toGeminiRequest(req, target), signal });
      return mapChunks(events, geminiChunkMapper(target, wantsUsage(req)), target);
    },
    async embeddings(req, target, signal) {
      const body = toBatchEmbedRequest(req, target, modelPath(target));
      const json = await http.postJson({ target, url: urlOf(target, 'batchEmbedContents'), headers: headers(target), body, signal });
      return toEmbeddingsResponse(json, target);
    },
  };
}

export const geminiProvider = createGeminiProvider();
