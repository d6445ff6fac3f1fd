import { parseStreamId, streamId } from '../shared/streams.js';

/** One stream per webhook: `webhook-{tenantId}.{webhookId}`. */
export const WEBHOOK_CATEGORY = 'webhook';

export function webhookStreamId(tenantId: string, webhookId: string): string {
  return streamId(WEBHOOK_CATEGORY, tenantId, webhookId);
}

/** The tenant and webhook of a webhook stream id; null for any other stream. */
export function parseWebhookStreamId(id: string): { readonly tenantId: string; readonly webhookId: string } | null {
  const parsed = parseStreamId(id);
  return parsed?.category === WEBHOOK_CATEGORY ? { tenantId: parsed.tenantId, webhookId: parsed.entityId } : null;
}
