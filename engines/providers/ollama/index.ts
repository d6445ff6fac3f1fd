/**
 * Ollama through its OpenAI-compatible API: baseUrl is required and ends in /v1
 * (e.g. http://localhost:11434/v1). A key is optional; it is sent as Bearer when present
 * (useful behind an authenticating proxy).
 */
import type { UpstreamHttp } from '../http.js';
import { createOpenAiCompatibleProvider } from '../openai-compatible/index.js';

export const createOllamaProvider = (http?: UpstreamHttp) => createOpenAiCompatibleProvider({ http });

export const ollamaProvider = createOllamaProvider();
