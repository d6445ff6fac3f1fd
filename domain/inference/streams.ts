import { streamId } from '../shared/streams.js';

/**
 * One stream per request: `inference-{tenantId}.{requestId}`. The request id names the stream,
 * so recording an outcome twice is impossible (the stream must not exist yet), and an auditor
 * reads one request's whole story in one place.
 */
export const inferenceStreamId = (tenantId: string, requestId: string): string => streamId('inference', tenantId, requestId);
