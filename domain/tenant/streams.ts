import { streamId } from '../shared/streams.js';

/** A tenant's own stream: `tenant-{tenantId}.{tenantId}`. */
export const tenantStreamId = (tenantId: string): string => streamId('tenant', tenantId, tenantId);
