import type { Context } from 'koa';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../domain/shared/errors.js';
import { isoInstantField, tenantIdField } from '../../domain/shared/fields.js';
import { SearchUnavailableError } from '../../engines/search/port.js';
import { ScopedEvents } from '../../projections/audit/scoped-events.js';
import { searchAudit } from '../../projections/auditSearch/query.js';
import type { AppDeps } from '../deps.js';
import { readerFor } from '../http/deps-helpers.js';
import { PageQuery, findQuery, publicPage } from '../http/query.js';
import { scopeOf, type Principal } from '../http/principal.js';
import { route, type AnyRoute, type RouteResult } from '../http/route.js';

const StreamParams = z.strictObject({ streamId: z.string().min(3).max(200) });
const TenantParams = z.strictObject({ tenantId: tenantIdField });
const StreamQuery = z.strictObject({
  direction: z.enum(['forwards', 'backwards']).default('forwards'),
  fromRevision: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const AsOfQuery = z
  .strictObject({ at: isoInstantField.optional(), position: z.coerce.number().int().min(0).optional() })
  .refine((q) => q.at !== undefined || q.position !== undefined, { message: 'give `at` (ISO time) or `position`', path: ['at'] });
const TimelineQuery = PageQuery.extend({
  type: z.string().max(100).optional(),
  category: z.string().max(40).optional(),
  streamId: z.string().max(200).optional(),
  actor: z.string().max(200).optional(),
  from: isoInstantField.optional(),
  to: isoInstantField.optional(),
  order: z.enum(['asc', 'desc']).default('asc'),
});

const SearchQuery = PageQuery.extend({
  tenantId: tenantIdField.optional(),
  q: z.string().max(500).optional(),
  type: z.string().max(100).optional(),
  category: z.string().max(40).optional(),
  streamId: z.string().max(200).optional(),
  from: isoInstantField.optional(),
  to: isoInstantField.optional(),
});

const eventsFor = (deps: AppDeps, principal: Principal) => new ScopedEvents(deps.eventStore, scopeOf(principal));

/** The tenant searched: a key's own (naming another is a 404, as on path tenants); the admin token must name one. */
function searchTenant(principal: Principal, requested: string | undefined): string {
  if (principal.kind === 'apikey') {
    if (requested !== undefined && requested !== principal.tenantId) throw new NotFoundError('tenant', requested);
    return principal.tenantId;
  }
  if (requested === undefined) throw new ValidationError('the platform admin token must name the tenant to search: ?tenantId=', [{ path: 'query.tenantId', message: 'required with the admin token' }]);
  return requested;
}

/**
 * 503 problem+json, written here because the shared error middleware has no 'unavailable'
 * kind yet (see the report: SearchUnavailableError belongs in api/http/errors.ts).
 */
function searchUnavailable(ctx: Context, detail: string): RouteResult {
  return {
    status: 503,
    headers: { 'content-type': 'application/problem+json', 'retry-after': '5' },
    body: { type: 'https://nexus.dev/problems/search_unavailable', title: 'search unavailable', status: 503, detail, instance: ctx.state.requestId as string | undefined },
  };
}

export function auditRoutes(deps: AppDeps): AnyRoute[] {
  return [
    route({
      method: 'get', path: '/admin/audit/streams/:streamId', tag: 'audit', access: 'tenant-read',
      summary: "Read a stream's stored events (the audit trail itself)", params: StreamParams, query: StreamQuery,
      handler: async ({ params, query, principal }) => ({
        body: { streamId: params.streamId, events: await eventsFor(deps, principal).readStream(params.streamId, { direction: query.direction, fromRevision: query.fromRevision, maxCount: query.limit }) },
      }),
    }),
    route({
      method: 'get', path: '/admin/audit/streams/:streamId/verify', tag: 'audit', access: 'tenant-read',
      summary: "Verify a stream's hash chain; reports the first broken link", params: StreamParams,
      handler: async ({ params, principal }) => ({ body: await eventsFor(deps, principal).verifyStream(params.streamId) }),
    }),
    route({
      method: 'get', path: '/admin/audit/streams/:streamId/state', tag: 'audit', access: 'tenant-read',
      summary: 'State of a tenant, key, policy, budget or deployment stream as of a time or position', params: StreamParams, query: AsOfQuery,
      handler: async ({ params, query, principal }) => ({ body: await eventsFor(deps, principal).stateAsOf(params.streamId, query) }),
    }),
    route({
      method: 'get', path: '/admin/tenants/:tenantId/audit', tag: 'audit', access: 'tenant-read',
      summary: "A tenant's audit timeline, filtered", params: TenantParams, query: TimelineQuery,
      handler: async ({ params, query, principal }) => {
        const occurredAt = query.from || query.to ? { ...(query.from ? { gte: query.from } : {}), ...(query.to ? { lte: query.to } : {}) } : undefined;
        const filter = { tenantId: params.tenantId, type: query.type, category: query.category, streamId: query.streamId, actor: query.actor, occurredAt };
        const page = await readerFor(deps, principal).find('auditTimeline', findQuery(query, filter, { field: 'position', direction: query.order }));
        return { body: publicPage(page) };
      },
    }),
    route({
      method: 'get', path: '/admin/audit/search', tag: 'audit', access: 'tenant-read',
      summary: "Full-text search over a tenant's audit trail (every event), newest first or by relevance with q", query: SearchQuery,
      handler: async ({ query, principal, ctx }) => {
        const { tenantId: requested, ...params } = query;
        const tenantId = searchTenant(principal, requested);
        if (!deps.search) return searchUnavailable(ctx, 'no search engine is configured in this process');
        try {
          return { body: await searchAudit(deps.search, { ...params, tenantId }, deps.config.NEXUS_ELASTICSEARCH_AUDIT_INDEX) };
        } catch (error) {
          if (error instanceof SearchUnavailableError) return searchUnavailable(ctx, 'the search engine is not answering; retry later');
          throw error;
        }
      },
    }),
    route({
      method: 'get', path: '/admin/tenants/:tenantId/audit/verify', tag: 'audit', access: 'tenant-read',
      summary: "Verify the hash chain of every stream of a tenant", params: TenantParams,
      handler: async ({ params, principal }) => ({ body: { tenantId: params.tenantId, ...(await eventsFor(deps, principal).verifyTenant(params.tenantId)) } }),
    }),
  ];
}
