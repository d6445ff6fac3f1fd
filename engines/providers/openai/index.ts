/** OpenAI itself: the shared base pointed at the public API unless the deployment overrides it. */
import type { UpstreamHttp } from '../http.js';
import { createOpenAiCompatibleProvider } from '../openai-compatible/index.js';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export const createOpenAiProvider = (http?: UpstreamHttp) => createOpenAiCompatibleProvider({ defaultBaseUrl: OPENAI_BASE_URL, http });

export const openAiProvider = createOpenAiProvider();
