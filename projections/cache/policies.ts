import { policyDecider } from '../../domain/policy/decide.js';
import type { PolicyEvent } from '../../domain/policy/events.js';
import { enforcedVersion, type PolicyState } from '../../domain/policy/state.js';
import { CategoryFold } from './category-fold.js';
import { deepFreeze, type CachedPolicy } from './snapshots.js';
import { TenantLists } from './tenant-lists.js';

/**
 * The policies attached to each tenant, each with the rules of its latest version (the one
 * the domain says is enforced while attached: publishing takes effect at once). Detaching
 * removes the policy from the tenant's list on that event.
 *
 * A policy event that cannot be applied leaves the policy as it was (the base class's
 * default): its last known rules keep being enforced, which errs on the strict side for a
 * failed detach and is the best available answer for a failed publish.
 */
export class PolicyFold extends CategoryFold<PolicyEvent, PolicyState> {
  readonly category = 'policy';
  private readonly byTenant = new TenantLists<CachedPolicy>((policy) => policy.policyId);

  constructor() {
    super(policyDecider);
  }

  /** Sorted by policy id, so every gateway process evaluates them in the same order. */
  policiesFor(tenantId: string): readonly CachedPolicy[] {
    return this.byTenant.get(tenantId);
  }

  protected reindex(before: PolicyState, after: PolicyState): void {
    const now = enforced(after);
    const wasEnforced = before.status !== 'none' && enforcedVersion(before) !== null;
    if (!wasEnforced && now === null) return; // created, or published while detached: nothing enforced changed
    if (wasEnforced) this.byTenant.replace(before.tenantId, before.policyId, null);
    if (now !== null) this.byTenant.replace(now.tenantId, now.policyId, now);
  }
}

function enforced(state: PolicyState): CachedPolicy | null {
  const version = enforcedVersion(state);
  if (state.status === 'none' || version === null) return null;
  const { tenantId, policyId, name } = state;
  return deepFreeze({ tenantId, policyId, name, version: version.version, rules: structuredClone(version.rules) });
}
