export * from './commands.js';
export * from './events.js';
export * from './state.js';
export { tenantDecider } from './decide.js';
export { tenantStreamId } from './streams.js';
