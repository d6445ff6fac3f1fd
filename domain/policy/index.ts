export * from './commands.js';
export * from './events.js';
export * from './state.js';
export { policyDecider } from './decide.js';
export { policyStreamId } from './streams.js';
