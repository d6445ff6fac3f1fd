import { UpstreamError } from '../providers/port.js';
import type { SecretSource } from './port.js';

/** What the dispatcher puts in ProviderTarget.apiKey, or why it must not call the deployment. */
export type TargetCredential =
  | { readonly status: 'resolved'; readonly apiKey: string | null }
  | { readonly status: 'missing'; readonly credentialRef: string };

/**
 * The credential for a call to `deployment` (a CachedDeployment): `apiKey: null` when it names
 * no secret; `missing` when it names one the source lacks. A missing secret means a
 * misconfigured deployment: calling it without a key would fail upstream (or bill whatever
 * account answers unauthenticated), so the dispatcher skips it (see missingCredentialError).
 * A map lookup: cheap enough for every attempt.
 */
export function providerTargetCredential(deployment: { readonly credentialRef: string | null }, secrets: SecretSource): TargetCredential {
  const { credentialRef } = deployment;
  if (credentialRef === null) return { status: 'resolved', apiKey: null };
  const apiKey = secrets.resolve(credentialRef);
  return apiKey === null ? { status: 'missing', credentialRef } : { status: 'resolved', apiKey };
}

/**
 * The failure to record for a deployment skipped for a missing secret: kind 'auth' (the
 * gateway's credentials are at fault), so the dispatcher falls back to the next deployment and
 * never retries this one. Names the secret, never a value; no upstream was called.
 */
export function missingCredentialError(deploymentId: string, credentialRef: string): UpstreamError {
  return new UpstreamError({ kind: 'auth', deploymentId, upstreamMessage: `not called: the secret '${credentialRef}' it names is not configured on the gateway` });
}
