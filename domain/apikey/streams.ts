import { streamId } from '../shared/streams.js';

/** One stream per key: `apikey-{tenantId}.{keyId}`. */
export const apiKeyStreamId = (tenantId: string, keyId: string): string => streamId('apikey', tenantId, keyId);
