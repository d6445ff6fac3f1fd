export * from './commands.js';
export * from './events.js';
export * from './state.js';
export { webhookDecider } from './decide.js';
export { WEBHOOK_CATEGORY, parseWebhookStreamId, webhookStreamId } from './streams.js';
