/**
 * vLLM's OpenAI-compatible server; also fits llama.cpp's server and LM Studio. baseUrl is
 * required and ends in /v1 (e.g. http://gpu-01:8000/v1); the key (vLLM --api-key) is optional.
 */
import type { UpstreamHttp } from '../http.js';
import { createOpenAiCompatibleProvider } from '../openai-compatible/index.js';

export const createVllmProvider = (http?: UpstreamHttp) => createOpenAiCompatibleProvider({ http });

export const vllmProvider = createVllmProvider();
