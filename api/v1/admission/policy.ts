import type { CachedDeployment, CachedPolicy } from '../../../projections/cache/snapshots.js';

/** What the tenant's attached policies allow for one request. */
export type PolicyDecision =
  | {
      readonly allowed: true;
      /** The deployments the request may be served from (data regions applied), in the order given. */
      readonly deployments: readonly CachedDeployment[];
      /** The strictest output-token cap of the policies; null when none caps it. */
      readonly maxTokensCap: number | null;
    }
  | { readonly allowed: false; readonly policyId: string; readonly detail: string; readonly param: string | null };

/**
 * Evaluates every attached policy (each at its latest version, in policy-id order) against a
 * request: all must allow it, so attaching a policy can only narrow what a tenant may do.
 * - allowedModels: the alias must be listed (null = any);
 * - maxTokens: a request asking for more output is refused (one that does not say is capped);
 * - dataRegions: only deployments in a listed region may serve it; none left is a refusal.
 * piiAction and injectionAction need the guardrail scanners, which are not built yet: they
 * are not evaluated here (README, "Decisions").
 */
export function evaluatePolicies(
  policies: readonly CachedPolicy[],
  request: { readonly modelAlias: string; readonly maxOutputTokens: number | null },
  deployments: readonly CachedDeployment[],
): PolicyDecision {
  let allowedDeployments = deployments;
  let maxTokensCap: number | null = null;
  for (const policy of policies) {
    const { rules } = policy;
    const deny = (detail: string, param: string | null): PolicyDecision => ({ allowed: false, policyId: policy.policyId, detail: `policy '${policy.policyId}' v${policy.version}: ${detail}`, param });
    if (rules.allowedModels !== null && !rules.allowedModels.includes(request.modelAlias)) {
      return deny(`model '${request.modelAlias}' is not among the allowed models`, 'model');
    }
    if (rules.maxTokens !== null) {
      if (request.maxOutputTokens !== null && request.maxOutputTokens > rules.maxTokens) {
        return deny(`at most ${rules.maxTokens} output tokens may be requested, not ${request.maxOutputTokens}`, 'max_tokens');
      }
      maxTokensCap = maxTokensCap === null ? rules.maxTokens : Math.min(maxTokensCap, rules.maxTokens);
    }
    if (rules.dataRegions !== null) {
      const regions = rules.dataRegions;
      allowedDeployments = allowedDeployments.filter((deployment) => regions.includes(deployment.region));
      if (allowedDeployments.length === 0) return deny(`no deployment of '${request.modelAlias}' is in an allowed data region (${regions.join(', ')})`, 'model');
    }
  }
  return { allowed: true, deployments: allowedDeployments, maxTokensCap };
}
