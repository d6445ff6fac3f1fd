import type { Decider } from '../shared/decider.js';
import { ConflictError, NotFoundError, assertNever } from '../shared/errors.js';
import type { WebhookCommand } from './commands.js';
import type { WebhookEvent } from './events.js';
import { evolve, initialState, type LiveWebhook, type WebhookState } from './state.js';

/** A deleted webhook is gone for its owner (it is no longer listed), so it reads as not found. */
function requireLive(state: WebhookState, webhookId: string): LiveWebhook {
  if (state.status === 'none' || state.status === 'deleted') throw new NotFoundError('webhook', webhookId);
  return state;
}

export function decide(command: WebhookCommand, state: WebhookState): WebhookEvent[] {
  const { tenantId, webhookId } = command.data;
  switch (command.type) {
    case 'RegisterWebhook': {
      if (state.status !== 'none') throw new ConflictError(`webhook '${webhookId}' already exists`, { webhookId });
      const { url, eventTypes, description } = command.data;
      return [{ type: 'WebhookRegistered', data: { tenantId, webhookId, url, eventTypes: [...eventTypes], description, secretVersion: 1 } }];
    }
    case 'RotateWebhookSecret': {
      // Allowed while disabled too: a leaked secret is rotated before the endpoint is turned back on.
      const webhook = requireLive(state, webhookId);
      return [{ type: 'WebhookSecretRotated', data: { tenantId, webhookId, secretVersion: webhook.secretVersion + 1 } }];
    }
    case 'DisableWebhook': {
      const webhook = requireLive(state, webhookId);
      if (webhook.status === 'disabled') throw new ConflictError(`webhook '${webhookId}' is already disabled`, { webhookId });
      return [{ type: 'WebhookDisabled', data: { tenantId, webhookId, reason: command.data.reason } }];
    }
    case 'EnableWebhook': {
      const webhook = requireLive(state, webhookId);
      if (webhook.status === 'enabled') throw new ConflictError(`webhook '${webhookId}' is not disabled`, { webhookId });
      return [{ type: 'WebhookEnabled', data: { tenantId, webhookId } }];
    }
    case 'DeleteWebhook':
      requireLive(state, webhookId);
      return [{ type: 'WebhookDeleted', data: { tenantId, webhookId } }];
    default:
      return assertNever(command, 'webhook command');
  }
}

export const webhookDecider: Decider<WebhookCommand, WebhookEvent, WebhookState> = { decide, evolve, initialState };
