import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { requireOpenTenant } from '../../commands/tenant-guard.js';
import { entityIdField, tenantIdField } from '../../domain/shared/fields.js';
import {
  DisableWebhookBody,
  EnableWebhookBody,
  RegisterWebhookBody,
  RotateWebhookSecretBody,
  webhookDecider,
  webhookStreamId,
  type WebhookCommand,
  type WebhookState,
} from '../../domain/webhook/index.js';
import type { Config } from '../config.js';
import type { AppDeps } from '../deps.js';
import { runCommand } from '../http/command-route.js';
import { commandDeps, readerFor } from '../http/deps-helpers.js';
import { PageQuery, findQuery, publicPage } from '../http/query.js';
import { route, type AnyRoute } from '../http/route.js';
import { sharedWebhookSigningKey, webhookSecretDeriver, type WebhookSecretDeriver } from './secrets.js';

const TenantParams = z.strictObject({ tenantId: tenantIdField });
const WebhookParams = z.strictObject({ tenantId: tenantIdField, webhookId: entityIdField });
const WebhookListQuery = PageQuery.extend({ status: z.enum(['enabled', 'disabled']).optional() });

export async function webhookSecretsFor(config: Config): Promise<WebhookSecretDeriver> {
  const { key } = await sharedWebhookSigningKey(config.NEXUS_WEBHOOK_SIGNING_KEY, config.NEXUS_DATA_DIR);
  return webhookSecretDeriver(key);
}

function presentWebhook(state: WebhookState): Record<string, unknown> {
  if (state.status === 'none') return { webhook: null };
  return { webhook: state };
}

/**
 * Signed webhooks of a tenant. The signing secret is in the response of registration and of
 * rotation only (a replayed Idempotency-Key response blanks it); no query returns it, and no
 * event or read model holds it (see secrets.ts). Deliveries: api/workers/webhooks.
 */
export function webhookRoutes(deps: AppDeps): AnyRoute[] {
  const commands = commandDeps(deps);
  const webhookCommand = (tenantId: string, webhookId: string, command: Omit<WebhookCommand, 'meta'>, secrets?: WebhookSecretDeriver) => ({
    streamId: webhookStreamId(tenantId, webhookId),
    tenantId,
    decider: webhookDecider,
    command,
    created: command.type === 'RegisterWebhook',
    // The secret of the version the command left in force, derived after the decision (a
    // concurrent rotation retried by the handler still shows the secret that now signs).
    present: (state: WebhookState) => ({
      ...presentWebhook(state),
      ...(secrets && (state.status === 'enabled' || state.status === 'disabled') ? { secret: secrets(state) } : {}),
    }),
    secretFields: ['secret'],
  });
  const transition = <B extends z.ZodType>(path: string, summary: string, body: B, type: 'DisableWebhook' | 'EnableWebhook') =>
    route({
      method: 'post', path: `/admin/tenants/:tenantId/webhooks/:webhookId/${path}`, tag: 'webhooks', access: 'tenant-write', summary, params: WebhookParams, body,
      handler: (input) => {
        const { tenantId, webhookId } = input.params;
        const data = { ...(input.body as object), tenantId, webhookId } as WebhookCommand['data'];
        return runCommand(commands, input, webhookCommand(tenantId, webhookId, { type, data } as Omit<WebhookCommand, 'meta'>));
      },
    });
  return [
    route({
      method: 'post', path: '/admin/tenants/:tenantId/webhooks', tag: 'webhooks', access: 'tenant-write', successStatus: 201,
      summary: 'Register a signed webhook (the signing secret is in this response only)', params: TenantParams, body: RegisterWebhookBody,
      handler: async (input) => {
        const { tenantId } = input.params;
        await requireOpenTenant(deps.eventStore, tenantId);
        const secrets = await webhookSecretsFor(deps.config);
        const webhookId = `wh_${randomBytes(8).toString('hex')}`;
        const data = { tenantId, webhookId, ...input.body };
        return runCommand(commands, input, webhookCommand(tenantId, webhookId, { type: 'RegisterWebhook', data }, secrets));
      },
    }),
    route({
      method: 'post', path: '/admin/tenants/:tenantId/webhooks/:webhookId/rotate-secret', tag: 'webhooks', access: 'tenant-write',
      summary: 'Rotate the signing secret: the new one signs from now on, the old one at once no more', params: WebhookParams, body: RotateWebhookSecretBody,
      handler: async (input) => {
        const { tenantId, webhookId } = input.params;
        const secrets = await webhookSecretsFor(deps.config);
        return runCommand(commands, input, webhookCommand(tenantId, webhookId, { type: 'RotateWebhookSecret', data: { tenantId, webhookId } }, secrets));
      },
    }),
    transition('disable', 'Stop deliveries to a webhook (events meanwhile are not sent later)', DisableWebhookBody, 'DisableWebhook'),
    transition('enable', 'Resume deliveries to a disabled webhook', EnableWebhookBody, 'EnableWebhook'),
    route({
      method: 'delete', path: '/admin/tenants/:tenantId/webhooks/:webhookId', tag: 'webhooks', access: 'tenant-write',
      summary: 'Delete a webhook for good', params: WebhookParams,
      handler: (input) => {
        const { tenantId, webhookId } = input.params;
        return runCommand(commands, input, webhookCommand(tenantId, webhookId, { type: 'DeleteWebhook', data: { tenantId, webhookId } }));
      },
    }),
    route({
      method: 'get', path: '/admin/tenants/:tenantId/webhooks', tag: 'webhooks', access: 'tenant-read',
      summary: "List a tenant's webhooks (never their secrets)", params: TenantParams, query: WebhookListQuery,
      handler: async ({ params, query, principal }) => ({
        body: publicPage(await readerFor(deps, principal).find('webhooks', findQuery(query, { tenantId: params.tenantId, status: query.status }))),
      }),
    }),
  ];
}
