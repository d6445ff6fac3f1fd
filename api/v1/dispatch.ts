import type { AttemptOutcome } from '../../domain/inference/commands.js';
import { UpstreamError, type ChatProvider, type ProviderTarget } from '../../engines/providers/port.js';
import { providerFor } from '../../engines/providers/registry.js';
import type { CachedDeployment } from '../../projections/cache/snapshots.js';

/** One call to one deployment, as InferenceAttempt records it. */
export interface Attempt {
  readonly deploymentId: string;
  readonly outcome: AttemptOutcome;
  readonly status: number | null;
  readonly latencyMs: number;
}

export type Dispatched<T> =
  | { readonly ok: true; readonly value: T; readonly deployment: CachedDeployment; readonly attempts: readonly Attempt[] }
  | { readonly ok: false; readonly error: UpstreamError; readonly deployment: CachedDeployment; readonly attempts: readonly Attempt[] };

/** Connect fast (a dead host should fall back quickly); reads are generous: models think before the first byte. */
const TIMEOUTS = { connectMs: 2_000, readMs: 60_000 } as const;

export function targetOf(deployment: CachedDeployment): ProviderTarget {
  // apiKey: provider credentials come with the secrets slice; null = the adapter's unauthenticated default.
  return { deploymentId: deployment.deploymentId, provider: deployment.provider, upstreamModel: deployment.upstreamModel, baseUrl: deployment.baseUrl, apiKey: null, timeouts: TIMEOUTS };
}

const elapsedMs = (started: number): number => Math.max(0, Math.round(performance.now() - started));

/**
 * Tries the deployments in order until one answers. Only a retryable UpstreamError (429,
 * 5xx, timeout, connection) moves on to the next; a request the upstream refused as such
 * (400, 401, 404) would be refused by its siblings too, so it ends the chain. Anything that
 * is not an UpstreamError is a gateway bug and propagates.
 */
export async function withFallback<T>(
  order: readonly CachedDeployment[],
  call: (provider: ChatProvider, target: ProviderTarget) => Promise<T>,
): Promise<Dispatched<T>> {
  const attempts: Attempt[] = [];
  let failure: { error: UpstreamError; deployment: CachedDeployment } | null = null;
  for (const deployment of order) {
    const started = performance.now();
    try {
      // A resolved call means the upstream answered 2xx (adapters throw on anything else).
      const value = await call(providerFor(deployment.provider), targetOf(deployment));
      attempts.push({ deploymentId: deployment.deploymentId, outcome: 'ok', status: 200, latencyMs: elapsedMs(started) });
      return { ok: true, value, deployment, attempts };
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      attempts.push({ deploymentId: deployment.deploymentId, outcome: error.kind, status: error.status, latencyMs: elapsedMs(started) });
      failure = { error, deployment };
      if (!error.retryable) break;
    }
  }
  if (failure === null) throw new Error('withFallback needs at least one deployment');
  return { ok: false, ...failure, attempts };
}
