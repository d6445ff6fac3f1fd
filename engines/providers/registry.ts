/**
 * Provider name → adapter. Typed over PROVIDERS, so registering a new provider in the
 * deployment domain fails to compile until it has an adapter here.
 */
import { PROVIDERS, type Provider } from '../../domain/deployment/commands.js';
import { anthropicProvider } from './anthropic/index.js';
import { azureOpenAiProvider } from './azure-openai/index.js';
import { geminiProvider } from './gemini/index.js';
import { mockProvider } from './mock/index.js';
import { ollamaProvider } from './ollama/index.js';
import { openAiCompatibleProvider } from './openai-compatible/index.js';
import { openAiProvider } from './openai/index.js';
import type { ChatProvider } from './port.js';
import { vllmProvider } from './vllm/index.js';

/** `mock` is one of PROVIDERS, so every registrable provider has exactly one adapter here. */
export type ProviderName = Provider;

const ADAPTERS: Readonly<Record<ProviderName, ChatProvider>> = {
  openai: openAiProvider,
  'azure-openai': azureOpenAiProvider,
  anthropic: anthropicProvider,
  gemini: geminiProvider,
  ollama: ollamaProvider,
  vllm: vllmProvider,
  'openai-compatible': openAiCompatibleProvider,
  mock: mockProvider,
};

export const PROVIDER_NAMES: readonly ProviderName[] = PROVIDERS;

export function isProviderName(name: string): name is ProviderName {
  return Object.hasOwn(ADAPTERS, name);
}

export function providerFor(name: string): ChatProvider {
  if (!isProviderName(name)) throw new Error(`no provider adapter named '${name}'`);
  return ADAPTERS[name];
}
