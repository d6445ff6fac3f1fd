import { streamId } from '../shared/streams.js';

/** One stream per budget of a tenant: `budget-{tenantId}.{budgetId}`. */
export const budgetStreamId = (tenantId: string, budgetId: string): string => streamId('budget', tenantId, budgetId);
