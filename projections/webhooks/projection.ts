import { toDomainEvent } from '../../commands/handler.js';
import { assertNever } from '../../domain/shared/errors.js';
import { parseWebhookStreamId, type WebhookEvent } from '../../domain/webhook/index.js';
import type { RecordedEvent } from '../../engines/eventstore/port.js';
import type { Doc } from '../../engines/readmodel/port.js';
import type { Projection } from '../runtime/projection.js';
import { eventTypeGuard, occurredAt, tenantScopedId } from '../shared/recorded.js';

/**
 * One webhook as its tenant lists it. id = `${tenantId}.${webhookId}`. Holds the secret's
 * version and when it last changed, never the secret (no event holds it either). A deleted
 * webhook's document is removed.
 */
export interface WebhookDoc extends Doc {
  readonly webhookId: string;
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly description: string | null;
  readonly status: 'enabled' | 'disabled';
  readonly disabledReason: string | null;
  readonly secretVersion: number;
  readonly secretRotatedAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const isWebhookEventType = eventTypeGuard<WebhookEvent['type']>({
  WebhookRegistered: true,
  WebhookSecretRotated: true,
  WebhookDisabled: true,
  WebhookEnabled: true,
  WebhookDeleted: true,
});

function evolveWebhook(doc: WebhookDoc | null, recorded: RecordedEvent): WebhookDoc | null {
  const event = toDomainEvent<WebhookEvent>(recorded);
  const at = occurredAt(recorded);
  if (event.type === 'WebhookRegistered') {
    const { tenantId, webhookId, url, eventTypes, description, secretVersion } = event.data;
    return {
      id: tenantScopedId(tenantId, webhookId),
      tenantId,
      _position: recorded.position,
      webhookId,
      url,
      eventTypes: [...eventTypes],
      description,
      status: 'enabled',
      disabledReason: null,
      secretVersion,
      secretRotatedAt: null,
      createdAt: at,
      updatedAt: at,
    };
  }
  if (doc === null) return null; // a webhook stream cannot start without registration; ignore defensively
  const touched = { ...doc, _position: recorded.position, updatedAt: at };
  switch (event.type) {
    case 'WebhookSecretRotated':
      return { ...touched, secretVersion: event.data.secretVersion, secretRotatedAt: at };
    case 'WebhookDisabled':
      return { ...touched, status: 'disabled', disabledReason: event.data.reason };
    case 'WebhookEnabled':
      return { ...touched, status: 'enabled', disabledReason: null };
    case 'WebhookDeleted':
      return null;
    default:
      return assertNever(event, 'webhook event');
  }
}

export const webhooksProjection: Projection = {
  name: 'webhooks',
  version: 1,
  collection: 'webhooks',
  indexes: ['status'],
  categories: ['webhook'],
  documentId(event) {
    if (!isWebhookEventType(event.type)) return null;
    const stream = parseWebhookStreamId(event.streamId);
    return stream === null ? null : tenantScopedId(stream.tenantId, stream.webhookId);
  },
  evolve(doc, event) {
    if (!isWebhookEventType(event.type)) return doc;
    return evolveWebhook(doc as WebhookDoc | null, event);
  },
};
