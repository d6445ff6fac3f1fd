export * from './commands.js';
export * from './events.js';
export * from './state.js';
export { costMicros, estimateMaxCostMicros, type TokenPrice, type TokenUsage } from './cost.js';
export { STORED_TEXT_MAX_CHARS, inferenceContentHash, storedPromptText, storedText, type PromptContentPart, type PromptMessage } from './content.js';
export { inferenceDecider } from './decide.js';
export { inferenceStreamId } from './streams.js';
// tokens.ts is imported on its own (domain/inference/tokens.js): it loads two BPE vocabularies
// (about 80 MB and 0.4 s), which the gateway needs and every other importer of this context does not.
