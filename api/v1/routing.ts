import { assignsToCandidate } from '../../domain/rollout/split.js';
import type { CachedDeployment } from '../../projections/cache/snapshots.js';
import type { GatewayState } from '../../projections/cache/gateway-state.js';

/** Deployments that may take traffic for an alias: enabled, with a share of it. */
export function routableDeployments(gateway: GatewayState, alias: string): readonly CachedDeployment[] {
  return gateway.deploymentsFor(alias).filter((deployment) => deployment.enabled && deployment.weight > 0);
}

/**
 * The order to try an alias's deployments in: the first by weighted random choice (so weights
 * split the traffic), the rest as fallbacks by descending weight (ties by id), so the fallback
 * chain is predictable for operators and tests.
 */
export function attemptOrder(deployments: readonly CachedDeployment[], random: () => number = Math.random): CachedDeployment[] {
  const total = deployments.reduce((sum, deployment) => sum + deployment.weight, 0);
  if (deployments.length === 0 || total <= 0) return [];
  let ticket = random() * total;
  const first = deployments.find((deployment) => (ticket -= deployment.weight) < 0) ?? deployments[deployments.length - 1];
  const rest = deployments
    .filter((deployment) => deployment !== first)
    .sort((a, b) => b.weight - a.weight || a.deploymentId.localeCompare(b.deploymentId));
  return [first, ...rest];
}

export interface Route {
  /** Deployments to try, in order; empty when the alias has none. */
  readonly order: readonly CachedDeployment[];
  /** The rollout whose split put this request on its candidate; null otherwise. */
  readonly rolloutId: string | null;
}

/**
 * The alias's route for one caller, with gradual rollout: when a rollout steers the alias,
 * the caller's sticky key (its API key id) puts it on the candidate or on the baseline for
 * good (domain/rollout/split.ts), so one user does not flip between models while the share
 * ramps. On the candidate, the baseline deployments stay behind it as fallbacks; on the
 * baseline, the candidate is left out entirely (it is not ready for that caller yet).
 * Several rollouts on one alias cannot run at once (the command side refuses it); a completed
 * one keeps its candidate in front, and the most recent (last by id) wins.
 */
export function routeFor(gateway: GatewayState, alias: string, stickyKey: string, random: () => number = Math.random): Route {
  const deployments = routableDeployments(gateway, alias);
  const rollouts = gateway.rolloutsFor(alias);
  const rollout = rollouts[rollouts.length - 1];
  const candidate = rollout === undefined ? null : gateway.deployment(rollout.candidateDeploymentId);
  if (rollout === undefined || candidate === null || !candidate.enabled) return { order: attemptOrder(deployments, random), rolloutId: null };
  const baseline = deployments.filter((deployment) => deployment.deploymentId !== candidate.deploymentId);
  if (assignsToCandidate(rollout, stickyKey)) return { order: [candidate, ...attemptOrder(baseline, random)], rolloutId: rollout.rolloutId };
  const order = attemptOrder(baseline, random);
  // A baseline with nothing routable left (all disabled) still has the candidate to serve.
  return order.length > 0 ? { order, rolloutId: null } : { order: [candidate], rolloutId: rollout.rolloutId };
}
