export * from './commands.js';
export * from './events.js';
export * from './state.js';
export { limitsDecider } from './decide.js';
export { limitsStreamId } from './streams.js';
