import { z } from 'zod';
import { loadStream } from '../../commands/handler.js';
import { requireOpenTenant } from '../../commands/tenant-guard.js';
import { apiKeyDecider, apiKeyStreamId } from '../../domain/apikey/index.js';
import { SetRateLimitsBody, keyLimits, limitsDecider, limitsStreamId, tenantLimits, type LimitsCommand, type LimitsState } from '../../domain/limits/index.js';
import { NotFoundError } from '../../domain/shared/errors.js';
import { entityIdField, tenantIdField } from '../../domain/shared/fields.js';
import type { AppDeps } from '../deps.js';
import { runCommand } from '../http/command-route.js';
import { commandDeps } from '../http/deps-helpers.js';
import { route, type AnyRoute } from '../http/route.js';

const TenantParams = z.strictObject({ tenantId: tenantIdField });
const KeyParams = z.strictObject({ tenantId: tenantIdField, keyId: entityIdField });

/** A key's limits may only be set on a key of this tenant (revoked keys too: harmless, and an audit may want it). */
async function requireKeyOf(deps: AppDeps, tenantId: string, keyId: string): Promise<void> {
  const { state } = await loadStream(deps.eventStore, apiKeyStreamId(tenantId, keyId), apiKeyDecider);
  if (state.status === 'none') throw new NotFoundError('api key', keyId);
}

/**
 * Rate and concurrency ceilings, per tenant and per key. A request must fit both its key's
 * and its tenant's. Queries answer from the gateway's in-memory state (the figures the
 * gateway enforces), so what an operator reads is what admission applies.
 */
export function limitsRoutes(deps: AppDeps): AnyRoute[] {
  const commands = commandDeps(deps);
  const limitsCommand = (tenantId: string, command: Omit<LimitsCommand, 'meta'>, present: (state: LimitsState) => Record<string, unknown>) => ({
    streamId: limitsStreamId(tenantId),
    tenantId,
    decider: limitsDecider,
    command,
    present,
  });
  return [
    route({
      method: 'put', path: '/admin/tenants/:tenantId/limits', tag: 'limits', access: 'admin',
      summary: "Set the tenant's requests/tokens per minute and concurrency ceilings (null = none)", params: TenantParams, body: SetRateLimitsBody,
      handler: async (input) => {
        const { tenantId } = input.params;
        await requireOpenTenant(deps.eventStore, tenantId);
        return runCommand(commands, input, limitsCommand(tenantId, { type: 'SetTenantRateLimits', data: { tenantId, ...input.body } }, (state) => ({ limits: tenantLimits(state) })));
      },
    }),
    route({
      method: 'put', path: '/admin/tenants/:tenantId/api-keys/:keyId/limits', tag: 'limits', access: 'tenant-write',
      summary: "Set one key's ceilings, within the tenant's (null = none of its own)", params: KeyParams, body: SetRateLimitsBody,
      handler: async (input) => {
        const { tenantId, keyId } = input.params;
        await requireOpenTenant(deps.eventStore, tenantId);
        await requireKeyOf(deps, tenantId, keyId);
        return runCommand(commands, input, limitsCommand(tenantId, { type: 'SetKeyRateLimits', data: { tenantId, keyId, ...input.body } }, (state) => ({ limits: keyLimits(state, keyId) })));
      },
    }),
    route({
      method: 'get', path: '/admin/tenants/:tenantId/limits', tag: 'limits', access: 'tenant-read',
      summary: "The tenant's ceilings and each key's, as the gateway enforces them", params: TenantParams,
      handler: async ({ params }) => {
        if (deps.gateway.tenant(params.tenantId) === null) throw new NotFoundError('tenant', params.tenantId);
        const limits = deps.gateway.limitsFor(params.tenantId);
        return { body: { tenantId: params.tenantId, tenant: limits.tenant, keys: limits.keys } };
      },
    }),
  ];
}
