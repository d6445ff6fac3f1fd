import { tenantDecider } from '../../domain/tenant/decide.js';
import type { TenantEvent } from '../../domain/tenant/events.js';
import type { TenantState } from '../../domain/tenant/state.js';
import { CategoryFold } from './category-fold.js';
import { deepFreeze, type CachedTenant } from './snapshots.js';

/** Tenants by id: status, data region and content retention, which authentication, routing and recording need on every request. */
export class TenantFold extends CategoryFold<TenantEvent, TenantState> {
  readonly category = 'tenant';
  private readonly byId = new Map<string, CachedTenant>();

  constructor() {
    super(tenantDecider);
  }

  get(tenantId: string): CachedTenant | null {
    return this.byId.get(tenantId) ?? null;
  }

  /** Fail closed: a tenant whose events cannot be applied is unknown, so its keys stop authenticating. */
  override quarantine(streamId: string): void {
    this.forget(streamId);
  }

  protected reindex(before: TenantState, after: TenantState): void {
    if (before.status !== 'none' && (after.status === 'none' || after.tenantId !== before.tenantId)) this.byId.delete(before.tenantId);
    if (after.status === 'none') return;
    const { tenantId, name, status, dataRegion, storeContent } = after;
    this.byId.set(tenantId, deepFreeze({ tenantId, name, status, dataRegion, storeContent }));
  }
}
