export * from './commands.js';
export * from './events.js';
export * from './state.js';
export { apiKeyDecider } from './decide.js';
export { apiKeyStreamId } from './streams.js';
