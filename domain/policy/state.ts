import { assertNever } from '../shared/errors.js';
import type { PolicyRules } from './commands.js';
import type { PolicyEvent } from './events.js';

export interface PolicyVersion {
  readonly version: number;
  readonly rules: PolicyRules;
}

interface PolicyProfile {
  readonly tenantId: string;
  readonly policyId: string;
  readonly name: string;
  readonly description: string | null;
  /** Every published version, oldest first, so a past decision can be explained by its version. */
  readonly versions: readonly PolicyVersion[];
}

/**
 * While a policy is attached, its latest version is the one enforced: publishing a new version
 * takes effect at once, so tightening a rule never needs a detach that would leave a gap.
 */
export type PolicyState =
  | { readonly status: 'none' }
  | ({ readonly status: 'detached' } & PolicyProfile)
  | ({ readonly status: 'attached' } & PolicyProfile);

export const initialState = (): PolicyState => ({ status: 'none' });

export function latestVersion(state: PolicyState): PolicyVersion | null {
  if (state.status === 'none') return null;
  return state.versions[state.versions.length - 1] ?? null;
}

/** The version the gateway must enforce for the tenant, or null when the policy is not attached. */
export function enforcedVersion(state: PolicyState): PolicyVersion | null {
  return state.status === 'attached' ? latestVersion(state) : null;
}

export function evolve(state: PolicyState, event: PolicyEvent): PolicyState {
  if (event.type === 'PolicyCreated') return { status: 'detached', ...event.data, versions: [] };
  if (state.status === 'none') return state; // events before creation cannot occur; ignore defensively
  switch (event.type) {
    case 'PolicyVersionPublished':
      return { ...state, versions: [...state.versions, { version: event.data.version, rules: event.data.rules }] };
    case 'PolicyAttached':
      return { ...state, status: 'attached' };
    case 'PolicyDetached':
      return { ...state, status: 'detached' };
    default:
      return assertNever(event, 'policy event');
  }
}
