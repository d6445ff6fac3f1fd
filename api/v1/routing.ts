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
