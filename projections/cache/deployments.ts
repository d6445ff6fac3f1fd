import { deploymentDecider } from '../../domain/deployment/decide.js';
import type { DeploymentEvent, DeploymentPrice } from '../../domain/deployment/events.js';
import { priceAt } from '../../domain/deployment/prices.js';
import type { DeploymentState } from '../../domain/deployment/state.js';
import { PLATFORM_TENANT } from '../../domain/shared/streams.js';
import { CategoryFold } from './category-fold.js';
import { deepFreeze, type CachedDeployment, type Frozen } from './snapshots.js';

type Registered = Exclude<DeploymentState, { status: 'none' }>;

const NO_DEPLOYMENTS: readonly CachedDeployment[] = Object.freeze([]);
const PLATFORM_STREAM_PREFIX = `deployment-${PLATFORM_TENANT}.`;

/**
 * The platform's deployment catalog: every deployment by id (enabled or not, so the cost of
 * a past request can still be explained), and the enabled ones by model alias for routing.
 *
 * Only `deployment-platform.*` streams are folded. Today that is every deployment stream;
 * should tenant-private deployments ever exist, they must not leak into the catalog every
 * tenant is routed through, so they are ignored here until a per-tenant lookup is designed.
 *
 * A deployment event that cannot be applied leaves the deployment as it was (routing keeps
 * working on the last known weight and price; the dead letter says why).
 */
export class DeploymentFold extends CategoryFold<DeploymentEvent, DeploymentState> {
  readonly category = 'deployment';
  private readonly byId = new Map<string, { readonly state: Registered; readonly cached: CachedDeployment }>();
  private readonly byAlias = new Map<string, readonly CachedDeployment[]>();

  constructor() {
    super(deploymentDecider);
  }

  /** Enabled deployments of the alias, by deployment id; weight 0 ones included (registered, not to be routed to). */
  deploymentsFor(modelAlias: string): readonly CachedDeployment[] {
    return this.byAlias.get(modelAlias) ?? NO_DEPLOYMENTS;
  }

  /** Aliases with at least one enabled deployment, sorted (the data plane's model list). */
  aliases(): readonly string[] {
    return [...this.byAlias.keys()].sort();
  }

  deployment(deploymentId: string): CachedDeployment | null {
    return this.byId.get(deploymentId)?.cached ?? null;
  }

  /**
   * The price version in effect at `isoInstant` (domain/deployment's priceAt), null for an
   * unknown deployment or an instant before its first price. Throws on an invalid instant.
   */
  priceAt(deploymentId: string, isoInstant: string): Frozen<DeploymentPrice> | null {
    const entry = this.byId.get(deploymentId);
    if (entry === undefined) return null;
    const price = priceAt(entry.state, isoInstant);
    // The cached history holds the same versions, frozen; hand out those, never the fold's own state.
    return price === null ? null : (entry.cached.prices.find((p) => p.priceVersion === price.priceVersion) ?? null);
  }

  protected override accepts(streamId: string): boolean {
    return streamId.startsWith(PLATFORM_STREAM_PREFIX);
  }

  protected reindex(before: DeploymentState, after: DeploymentState): void {
    if (before.status !== 'none') {
      this.byId.delete(before.deploymentId);
      this.removeFromAlias(before.modelAlias, before.deploymentId);
    }
    if (after.status === 'none') return;
    const cached = snapshot(after);
    this.byId.set(after.deploymentId, { state: after, cached });
    if (cached.enabled) this.addToAlias(cached);
  }

  private addToAlias(deployment: CachedDeployment): void {
    const others = this.deploymentsFor(deployment.modelAlias).filter((other) => other.deploymentId !== deployment.deploymentId);
    const next = [...others, deployment].sort((a, b) => (a.deploymentId < b.deploymentId ? -1 : a.deploymentId > b.deploymentId ? 1 : 0));
    this.byAlias.set(deployment.modelAlias, Object.freeze(next));
  }

  private removeFromAlias(modelAlias: string, deploymentId: string): void {
    const rest = this.deploymentsFor(modelAlias).filter((other) => other.deploymentId !== deploymentId);
    if (rest.length === 0) this.byAlias.delete(modelAlias);
    else this.byAlias.set(modelAlias, Object.freeze(rest));
  }
}

function snapshot(state: Registered): CachedDeployment {
  const { deploymentId, provider, upstreamModel, modelAlias, region, baseUrl, credentialRef, weight } = state;
  const prices = state.prices.map((price) => ({ ...price }));
  const enabled = state.status === 'enabled';
  return deepFreeze({ deploymentId, provider, upstreamModel, modelAlias, region, baseUrl, credentialRef, weight, enabled, price: prices[prices.length - 1], prices });
}
