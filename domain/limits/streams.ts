import { streamId } from '../shared/streams.js';

/** One limit sheet per tenant: `limits-{tenantId}.sheet` (tenant-wide and per-key ceilings together). */
export const limitsStreamId = (tenantId: string): string => streamId('limits', tenantId, 'sheet');
