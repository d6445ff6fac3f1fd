import { assertNever } from '../shared/errors.js';
import type { WebhookEventType } from './commands.js';
import type { WebhookEvent } from './events.js';

export interface WebhookProfile {
  readonly tenantId: string;
  readonly webhookId: string;
  readonly url: string;
  readonly eventTypes: readonly WebhookEventType[];
  readonly description: string | null;
  /** Which derived secret signs deliveries now (1 at registration, +1 per rotation). */
  readonly secretVersion: number;
}

/** deleted is final; it keeps only the ids, so nothing of the old endpoint lingers in state. */
export type WebhookState =
  | { readonly status: 'none' }
  | ({ readonly status: 'enabled' } & WebhookProfile)
  | ({ readonly status: 'disabled'; readonly reason: string } & WebhookProfile)
  | { readonly status: 'deleted'; readonly tenantId: string; readonly webhookId: string };

export type LiveWebhook = Extract<WebhookState, { status: 'enabled' | 'disabled' }>;

export const initialState = (): WebhookState => ({ status: 'none' });

const profileOf = (state: LiveWebhook): WebhookProfile => {
  const { tenantId, webhookId, url, eventTypes, description, secretVersion } = state;
  return { tenantId, webhookId, url, eventTypes, description, secretVersion };
};

export function evolve(state: WebhookState, event: WebhookEvent): WebhookState {
  if (event.type === 'WebhookRegistered') return { status: 'enabled', ...event.data, eventTypes: [...event.data.eventTypes] };
  // Events before registration or after deletion cannot occur; ignore defensively.
  if (state.status === 'none' || state.status === 'deleted') return state;
  switch (event.type) {
    case 'WebhookSecretRotated':
      return { ...state, secretVersion: event.data.secretVersion };
    case 'WebhookDisabled':
      return { status: 'disabled', reason: event.data.reason, ...profileOf(state) };
    case 'WebhookEnabled':
      return { status: 'enabled', ...profileOf(state) };
    case 'WebhookDeleted':
      return { status: 'deleted', tenantId: state.tenantId, webhookId: state.webhookId };
    default:
      return assertNever(event, 'webhook event');
  }
}

/** Whether a delivery of `eventType` goes to this webhook now. */
export function receives(state: WebhookState, eventType: string): boolean {
  return state.status === 'enabled' && state.eventTypes.some((subscribed) => subscribed === eventType);
}
