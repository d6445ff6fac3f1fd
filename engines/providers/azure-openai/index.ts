/**
 * Azure OpenAI: the shared base with Azure's addressing. The deployment name (our
 * upstreamModel) is part of the path, the API version is a query parameter, and the key
 * goes in the `api-key` header. The baseUrl is the resource endpoint
 * (https://{resource}.openai.azure.com) and is required.
 */
import type { UpstreamHttp } from '../http.js';
import { createOpenAiCompatibleProvider } from '../openai-compatible/index.js';

/** The GA version used when the target names none. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

export const createAzureOpenAiProvider = (http?: UpstreamHttp) =>
  createOpenAiCompatibleProvider({
    http,
    url: (base, operation, target) =>
      `${base}/openai/deployments/${encodeURIComponent(target.upstreamModel)}/${operation}` +
      `?api-version=${encodeURIComponent(target.apiVersion ?? AZURE_DEFAULT_API_VERSION)}`,
    authHeaders: (target): Record<string, string> => (target.apiKey ? { 'api-key': target.apiKey } : {}),
  });

export const azureOpenAiProvider = createAzureOpenAiProvider();
