import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { requireOpenTenant } from '../../commands/tenant-guard.js';
import {
  IssueApiKeyBody,
  RevokeApiKeyBody,
  RotateApiKeyBody,
  apiKeyDecider,
  apiKeyStreamId,
  type ApiKeyCommand,
  type ApiKeyState,
} from '../../domain/apikey/index.js';
import { NotFoundError } from '../../domain/shared/errors.js';
import { entityIdField, tenantIdField } from '../../domain/shared/fields.js';
import type { AppDeps } from '../deps.js';
import { runCommand } from '../http/command-route.js';
import { commandDeps, readerFor } from '../http/deps-helpers.js';
import { generateApiKey } from '../http/principal.js';
import { PageQuery, findQuery, publicDoc, publicPage } from '../http/query.js';
import { route, type AnyRoute } from '../http/route.js';

const TenantParams = z.strictObject({ tenantId: tenantIdField });
const KeyParams = z.strictObject({ tenantId: tenantIdField, keyId: entityIdField });
const KeyListQuery = PageQuery.extend({ status: z.enum(['active', 'revoked']).optional() });

/** Key state without its hash: the hash is for authentication, not for display. */
function presentKey(state: ApiKeyState): Record<string, unknown> {
  if (state.status === 'none') return { apiKey: null };
  const { keyHash: _hidden, ...visible } = state as ApiKeyState & { keyHash?: string };
  return { apiKey: visible };
}

const withoutHash = (doc: Record<string, unknown>): Record<string, unknown> => {
  const { keyHash: _hidden, ...rest } = doc;
  return rest;
};

export function apiKeyRoutes(deps: AppDeps): AnyRoute[] {
  const commands = commandDeps(deps);
  const keyCommand = (tenantId: string, keyId: string, command: Omit<ApiKeyCommand, 'meta'>, plaintext?: string) => ({
    streamId: apiKeyStreamId(tenantId, keyId),
    tenantId,
    decider: apiKeyDecider,
    command,
    created: command.type === 'IssueApiKey',
    // The plaintext is returned exactly once; a replayed Idempotency-Key response omits it.
    present: (state: ApiKeyState) => ({ ...presentKey(state), ...(plaintext ? { key: plaintext } : {}) }),
    secretFields: ['key'],
  });
  return [
    route({
      method: 'post', path: '/admin/tenants/:tenantId/api-keys', tag: 'api-keys', access: 'tenant-write', successStatus: 201,
      summary: 'Issue an API key (the plaintext key is in this response only)', params: TenantParams, body: IssueApiKeyBody,
      handler: async (input) => {
        const { tenantId } = input.params;
        await requireOpenTenant(deps.eventStore, tenantId);
        const keyId = `key_${randomBytes(8).toString('hex')}`;
        const generated = generateApiKey();
        const data = { tenantId, keyId, ...input.body, keyHash: generated.keyHash, keyPrefix: generated.keyPrefix };
        return runCommand(commands, input, keyCommand(tenantId, keyId, { type: 'IssueApiKey', data }, generated.plaintext));
      },
    }),
    route({
      method: 'post', path: '/admin/tenants/:tenantId/api-keys/:keyId/rotate', tag: 'api-keys', access: 'tenant-write',
      summary: 'Rotate an API key: a new secret, the old one stops working at once', params: KeyParams, body: RotateApiKeyBody,
      handler: async (input) => {
        const { tenantId, keyId } = input.params;
        const generated = generateApiKey();
        const data = { tenantId, keyId, keyHash: generated.keyHash, keyPrefix: generated.keyPrefix };
        return runCommand(commands, input, keyCommand(tenantId, keyId, { type: 'RotateApiKey', data }, generated.plaintext));
      },
    }),
    route({
      method: 'post', path: '/admin/tenants/:tenantId/api-keys/:keyId/revoke', tag: 'api-keys', access: 'tenant-write',
      summary: 'Revoke an API key', params: KeyParams, body: RevokeApiKeyBody,
      handler: (input) => runCommand(commands, input, keyCommand(input.params.tenantId, input.params.keyId, { type: 'RevokeApiKey', data: { ...input.params, ...input.body } })),
    }),
    route({
      method: 'get', path: '/admin/tenants/:tenantId/api-keys', tag: 'api-keys', access: 'tenant-read',
      summary: "List a tenant's API keys (never their secrets or hashes)", params: TenantParams, query: KeyListQuery,
      handler: async ({ params, query, principal }) => {
        const page = publicPage(await readerFor(deps, principal).find('apiKeys', findQuery(query, { tenantId: params.tenantId, status: query.status })));
        return { body: { items: page.items.map(withoutHash), nextCursor: page.nextCursor } };
      },
    }),
    route({
      method: 'get', path: '/admin/tenants/:tenantId/api-keys/:keyId', tag: 'api-keys', access: 'tenant-read',
      summary: 'Get an API key (without its secret or hash)', params: KeyParams,
      handler: async ({ params, principal }) => {
        const doc = await readerFor(deps, principal).get('apiKeys', `${params.tenantId}.${params.keyId}`);
        if (!doc) throw new NotFoundError('api key', params.keyId);
        return { body: withoutHash(publicDoc(doc)) };
      },
    }),
  ];
}
