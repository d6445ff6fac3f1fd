import { z } from 'zod';
import { modelAliasField } from '../../domain/deployment/commands.js';
import { NotFoundError } from '../../domain/shared/errors.js';
import { entityIdField, tenantIdField } from '../../domain/shared/fields.js';
import { findRollups } from '../../projections/usage/query.js';
import { USAGE_GROUPINGS, summariseUsage } from '../../projections/usage/totals.js';
import type { AppDeps } from '../deps.js';
import { readerFor } from '../http/deps-helpers.js';
import { route, type AnyRoute, type RouteResult } from '../http/route.js';
import type { Principal } from '../http/principal.js';
import { dayField, resolveRange } from './range.js';

const TenantParams = z.strictObject({ tenantId: tenantIdField });
const KeyParams = z.strictObject({ tenantId: tenantIdField, keyId: entityIdField });
/** '-' selects what a rejection lacked (see NONE in projections/usage/projection.ts); both id fields accept it. */
const KeyUsageQuery = z.strictObject({
  from: dayField.optional(),
  to: dayField.optional(),
  groupBy: z.enum(USAGE_GROUPINGS).default('day'),
  modelAlias: modelAliasField.optional(),
  deploymentId: entityIdField.optional(),
});
const UsageQuery = KeyUsageQuery.extend({ keyId: entityIdField.optional() });
type UsageQuery = z.output<typeof UsageQuery>;

/**
 * Usage reports from the daily rollups. Reads go through the caller's scoped reader, so a
 * tenant key sees its own rollups only even if a route forgot the tenant in its path.
 */
export function usageRoutes(deps: AppDeps): AnyRoute[] {
  const report = async (principal: Principal, tenantId: string, query: UsageQuery): Promise<RouteResult> => {
    const { from, to } = resolveRange(query, deps.now());
    const { groupBy, keyId, modelAlias, deploymentId } = query;
    const filter = { keyId, modelAlias, deploymentId };
    const rollups = await findRollups(readerFor(deps, principal), { tenantId, fromDay: from, toDay: to, ...filter });
    return { body: { tenantId, from, to, groupBy, filter, ...summariseUsage(rollups, groupBy) } };
  };
  return [
    route({
      method: 'get', path: '/admin/tenants/:tenantId/usage', tag: 'usage', access: 'tenant-read',
      summary: "A tenant's requests, tokens and cost per day, key, model or deployment (default: the current UTC month)",
      params: TenantParams, query: UsageQuery,
      handler: ({ params, query, principal }) => report(principal, params.tenantId, query),
    }),
    route({
      method: 'get', path: '/admin/tenants/:tenantId/api-keys/:keyId/usage', tag: 'usage', access: 'tenant-read',
      summary: "One API key's usage, as /usage filtered by the key", params: KeyParams, query: KeyUsageQuery,
      handler: async ({ params, query, principal }) => {
        const key = await readerFor(deps, principal).get('apiKeys', `${params.tenantId}.${params.keyId}`);
        if (!key) throw new NotFoundError('api key', params.keyId);
        return report(principal, params.tenantId, { ...query, keyId: params.keyId });
      },
    }),
  ];
}
