import type { Doc, FieldFilter, FindQuery, Page, ReadModelStore } from '../../engines/readmodel/port.js';
import { PLATFORM_TENANT, TENANT_ID_PATTERN } from '../../domain/shared/streams.js';

/** Who is reading: the platform operator sees everything, a tenant only its own documents. */
export type ReadScope = { readonly kind: 'admin' } | { readonly kind: 'tenant'; readonly tenantId: string };

export interface ScopedReadModels {
  readonly scope: ReadScope;
  /** The document, or null if it does not exist or belongs to a tenant the scope may not see. */
  get(collection: string, id: string): Promise<Doc | null>;
  /** The query, restricted to the documents the scope may see. */
  find(collection: string, query: FindQuery): Promise<Page<Doc>>;
}

export interface ReadModelsOptions {
  /** Logical collections whose PLATFORM_TENANT documents every tenant may read. */
  readonly sharedCollections?: readonly string[];
}

export const DEFAULT_SHARED_COLLECTIONS: readonly string[] = ['deployments'];

/**
 * The query facade of the read side. Collections are addressed by logical name and
 * resolved through the blue/green alias on every call, so a rebuild's switch is seen at
 * once. Tenant isolation is enforced here and only here: a tenant scope always adds a
 * tenantId filter (intersected with any the caller passed), so handlers never filter by
 * tenant themselves and cannot forget to. A collection whose projection never started
 * (no alias yet) reads as empty.
 */
export class ReadModels {
  private readonly shared: ReadonlySet<string>;

  constructor(
    private readonly store: ReadModelStore,
    options: ReadModelsOptions = {},
  ) {
    this.shared = new Set(options.sharedCollections ?? DEFAULT_SHARED_COLLECTIONS);
  }

  scoped(scope: ReadScope): ScopedReadModels {
    if (scope.kind === 'tenant' && !TENANT_ID_PATTERN.test(scope.tenantId)) throw new Error(`invalid tenant scope '${scope.tenantId}'`);
    return {
      scope,
      get: (collection, id) => this.get(scope, collection, id),
      find: (collection, query) => this.find(scope, collection, query),
    };
  }

  private async get(scope: ReadScope, collection: string, id: string): Promise<Doc | null> {
    const physical = await this.store.getAlias(collection);
    if (physical === null) return null;
    const doc = await this.store.get(physical, id);
    if (doc === null) return null;
    return this.visibleTenants(scope, collection)?.includes(doc.tenantId) === false ? null : doc;
  }

  private async find(scope: ReadScope, collection: string, query: FindQuery): Promise<Page<Doc>> {
    const physical = await this.store.getAlias(collection);
    if (physical === null) return { items: [], nextCursor: null };
    const visible = this.visibleTenants(scope, collection);
    if (visible === null) return this.store.find(physical, query);
    const requested = query.filter?.tenantId;
    const allowed = requested === undefined ? visible : visible.filter((tenantId) => matches(tenantId, requested));
    const tenantId: FieldFilter = allowed.length === 1 ? allowed[0] : { in: allowed };
    return this.store.find(physical, { ...query, filter: { ...query.filter, tenantId } });
  }

  /** null = unrestricted (admin). */
  private visibleTenants(scope: ReadScope, collection: string): string[] | null {
    if (scope.kind === 'admin') return null;
    if (this.shared.has(collection) && scope.tenantId !== PLATFORM_TENANT) return [scope.tenantId, PLATFORM_TENANT];
    return [scope.tenantId];
  }
}

/** Evaluates a caller's tenantId filter against one tenant id, with the store's semantics. */
function matches(tenantId: string, filter: FieldFilter): boolean {
  if (filter === null || typeof filter !== 'object') return filter === tenantId;
  if ('in' in filter) return filter.in.includes(tenantId);
  const range = filter as { readonly gte?: string | number; readonly lte?: string | number };
  if (typeof range.gte === 'number' || typeof range.lte === 'number') return false;
  return (range.gte === undefined || tenantId >= range.gte) && (range.lte === undefined || tenantId <= range.lte);
}
