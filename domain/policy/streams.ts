import { streamId } from '../shared/streams.js';

/** One stream per policy: `policy-{tenantId}.{policyId}`. */
export const policyStreamId = (tenantId: string, policyId: string): string => streamId('policy', tenantId, policyId);
