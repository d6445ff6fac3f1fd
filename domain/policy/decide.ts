import type { Decider } from '../shared/decider.js';
import { ConflictError, NotFoundError, RuleViolationError, assertNever } from '../shared/errors.js';
import type { PolicyCommand, PolicyRules } from './commands.js';
import type { PolicyEvent } from './events.js';
import { evolve, initialState, latestVersion, type PolicyState } from './state.js';

type Existing = Exclude<PolicyState, { status: 'none' }>;

function requireExisting(state: PolicyState, policyId: string): Existing {
  if (state.status === 'none') throw new NotFoundError('policy', policyId);
  return state;
}

/** Lists are sets (see PolicyRules), so their order does not make two versions differ. */
function sameSet(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  const [left, right] = [[...a].sort(), [...b].sort()];
  return left.length === right.length && left.every((item, index) => item === right[index]);
}

function sameRules(a: PolicyRules, b: PolicyRules): boolean {
  return (
    a.maxTokens === b.maxTokens &&
    a.piiAction === b.piiAction &&
    a.injectionAction === b.injectionAction &&
    sameSet(a.allowedModels, b.allowedModels) &&
    sameSet(a.dataRegions, b.dataRegions)
  );
}

export function decide(command: PolicyCommand, state: PolicyState): PolicyEvent[] {
  const { tenantId, policyId } = command.data;
  switch (command.type) {
    case 'CreatePolicy': {
      if (state.status !== 'none') throw new ConflictError(`policy '${policyId}' already exists`, { policyId });
      const { name, description } = command.data;
      return [{ type: 'PolicyCreated', data: { tenantId, policyId, name, description } }];
    }
    case 'PublishPolicyVersion': {
      const latest = latestVersion(requireExisting(state, policyId));
      const { rules } = command.data;
      if (latest && sameRules(latest.rules, rules)) return []; // already so: nothing happened
      return [{ type: 'PolicyVersionPublished', data: { tenantId, policyId, version: (latest?.version ?? 0) + 1, rules } }];
    }
    case 'AttachPolicy': {
      const policy = requireExisting(state, policyId);
      if (policy.status === 'attached') throw new ConflictError(`policy '${policyId}' is already attached`, { policyId });
      const latest = latestVersion(policy);
      if (!latest) throw new RuleViolationError('policy_has_no_version', `policy '${policyId}' has no published version to enforce`, { policyId });
      return [{ type: 'PolicyAttached', data: { tenantId, policyId, version: latest.version } }];
    }
    case 'DetachPolicy': {
      const policy = requireExisting(state, policyId);
      if (policy.status !== 'attached') throw new ConflictError(`policy '${policyId}' is not attached`, { policyId });
      return [{ type: 'PolicyDetached', data: { tenantId, policyId } }];
    }
    default:
      return assertNever(command, 'policy command');
  }
}

export const policyDecider: Decider<PolicyCommand, PolicyEvent, PolicyState> = { decide, evolve, initialState };
