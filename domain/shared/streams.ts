/**
 * Stream ids are `{category}-{tenantId}.{entityId}`. The category is everything before the
 * first '-', the tenant everything between it and the first '.', so neither may contain
 * those separators. Every context builds its ids through `streamId` and nothing else.
 */
export const CATEGORIES = ['tenant', 'apikey', 'policy', 'budget', 'limits', 'deployment', 'rollout', 'inference', 'kb', 'webhook'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Tenant ids: lower-case slug, so they are safe in stream ids, URLs and index names. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{1,62}$/;
/** Entity ids: url-safe, no '.', which separates tenant from entity. */
export const ENTITY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The pseudo-tenant that owns platform-wide resources such as the deployment catalog. */
export const PLATFORM_TENANT = 'platform';

export interface StreamName {
  readonly category: Category;
  readonly tenantId: string;
  readonly entityId: string;
}

export function streamId(category: Category, tenantId: string, entityId: string): string {
  if (!TENANT_ID_PATTERN.test(tenantId)) throw new Error(`invalid tenant id '${tenantId}'`);
  if (!ENTITY_ID_PATTERN.test(entityId)) throw new Error(`invalid entity id '${entityId}'`);
  return `${category}-${tenantId}.${entityId}`;
}

/** Parses a stream id; returns null for ids that do not follow the convention. */
export function parseStreamId(id: string): StreamName | null {
  const dash = id.indexOf('-');
  const dot = id.indexOf('.', dash + 1);
  if (dash <= 0 || dot <= dash + 1) return null;
  const category = id.slice(0, dash) as Category;
  const tenantId = id.slice(dash + 1, dot);
  const entityId = id.slice(dot + 1);
  if (!CATEGORIES.includes(category)) return null;
  if (!TENANT_ID_PATTERN.test(tenantId) || !ENTITY_ID_PATTERN.test(entityId)) return null;
  return { category, tenantId, entityId };
}
