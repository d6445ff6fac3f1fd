import type { DomainEvent } from '../shared/decider.js';
import type { WebhookEventType } from './commands.js';

/**
 * Events of the webhook context. Schemas: schemas/events/webhook/*.avsc. Never a signing
 * secret: events carry only `secretVersion`, from which the server re-derives the secret.
 */
export type WebhookRegistered = DomainEvent<
  'WebhookRegistered',
  { tenantId: string; webhookId: string; url: string; eventTypes: WebhookEventType[]; description: string | null; secretVersion: number }
>;
/** The previous secret stops signing at once; `secretVersion` is the new one's. */
export type WebhookSecretRotated = DomainEvent<'WebhookSecretRotated', { tenantId: string; webhookId: string; secretVersion: number }>;
export type WebhookDisabled = DomainEvent<'WebhookDisabled', { tenantId: string; webhookId: string; reason: string }>;
export type WebhookEnabled = DomainEvent<'WebhookEnabled', { tenantId: string; webhookId: string }>;
/** Final: a deleted webhook is never delivered to again, and its id is never reused. */
export type WebhookDeleted = DomainEvent<'WebhookDeleted', { tenantId: string; webhookId: string }>;

export type WebhookEvent = WebhookRegistered | WebhookSecretRotated | WebhookDisabled | WebhookEnabled | WebhookDeleted;
