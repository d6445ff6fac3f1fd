export * from './commands.js';
export * from './events.js';
export * from './state.js';
export { currentPrice, priceAt } from './prices.js';
export { deploymentDecider } from './decide.js';
export { deploymentStreamId } from './streams.js';
