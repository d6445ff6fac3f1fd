import { limitsDecider } from '../../domain/limits/decide.js';
import type { LimitsEvent } from '../../domain/limits/events.js';
import { keyLimits, tenantLimits, type LimitsState } from '../../domain/limits/state.js';
import { UNLIMITED } from '../../domain/limits/commands.js';
import { CategoryFold } from './category-fold.js';
import { deepFreeze, type CachedLimits } from './snapshots.js';

const NO_LIMITS: CachedLimits = deepFreeze({ tenant: UNLIMITED, keys: {} });

/**
 * Each tenant's limit sheet (tenant-wide and per-key ceilings). A limits event that cannot
 * be applied keeps the last known sheet: limits are a fairness tool, and the budget (which
 * fails closed) is what protects money.
 */
export class LimitsFold extends CategoryFold<LimitsEvent, LimitsState> {
  readonly category = 'limits';
  private readonly byTenant = new Map<string, CachedLimits>();

  constructor() {
    super(limitsDecider);
  }

  limitsFor(tenantId: string): CachedLimits {
    return this.byTenant.get(tenantId) ?? NO_LIMITS;
  }

  protected reindex(before: LimitsState, after: LimitsState): void {
    if (after.status === 'none') {
      if (before.status === 'set') this.byTenant.delete(before.tenantId);
      return;
    }
    const keys = Object.fromEntries(Object.keys(after.keys).map((keyId) => [keyId, keyLimits(after, keyId)]));
    this.byTenant.set(after.tenantId, deepFreeze({ tenant: { ...tenantLimits(after) }, keys: structuredClone(keys) }));
  }
}
