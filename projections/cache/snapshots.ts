import type { ApiKeyScope } from '../../domain/apikey/commands.js';
import type { ActiveBudget } from '../../domain/budget/state.js';
import type { RateLimitFigures } from '../../domain/limits/commands.js';
import type { Provider } from '../../domain/deployment/commands.js';
import type { DeploymentPrice } from '../../domain/deployment/events.js';
import type { PolicyRules } from '../../domain/policy/commands.js';
import type { RolloutState } from '../../domain/rollout/state.js';
import type { TenantState } from '../../domain/tenant/state.js';
import type { ExpiryInstant } from './key-rules.js';

/**
 * What the gateway caches hand out. Every snapshot is deep-frozen when the cache builds it
 * (on the event that changed it, never per lookup), so a lookup costs a map read, and a
 * caller that tries to change one gets a TypeError instead of corrupting every later request.
 * A snapshot is immutable: a later event replaces it with a new one, so a request that read
 * one keeps a consistent view for as long as it holds it.
 */
export type Frozen<T> = T extends readonly (infer U)[] ? readonly Frozen<U>[] : T extends object ? { readonly [K in keyof T]: Frozen<T[K]> } : T;

export function deepFreeze<T>(value: T): Frozen<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value as Frozen<T>;
}

/** A key that authenticates by the hash of its current secret (revoked or rotated-away hashes are not cached). */
export interface CachedKey {
  readonly tenantId: string;
  readonly keyId: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly expiresAt: string | null;
  /** `expiresAt` parsed once (see key-rules.ts), so a lookup never parses a date. */
  readonly expiresAtMs: ExpiryInstant;
  /** Always 'active': a revoked key leaves the cache at once. Kept so the shared rule reads the same facts as the read model's. */
  readonly status: 'active';
}

export interface CachedTenant {
  readonly tenantId: string;
  readonly name: string;
  /** Closed tenants stay cached (with this status) so the gateway can tell "closed" from "unknown". */
  readonly status: Exclude<TenantState['status'], 'none'>;
  readonly dataRegion: string;
  /** Whether the recorder stores the prompt and completion texts on the tenant's inference events. */
  readonly storeContent: boolean;
}

/** A policy attached to its tenant, with the version the gateway must enforce (its latest). */
export interface CachedPolicy {
  readonly tenantId: string;
  readonly policyId: string;
  readonly name: string;
  readonly version: number;
  readonly rules: Frozen<PolicyRules>;
}

export interface CachedDeployment {
  readonly deploymentId: string;
  readonly provider: Provider;
  readonly upstreamModel: string;
  readonly modelAlias: string;
  readonly region: string;
  /** null: the provider's default endpoint. */
  readonly baseUrl: string | null;
  /**
   * The NAME of the secret to call the upstream with, resolved per call by the gateway's
   * SecretSource (engines/secrets/credential.ts); null: no credential. Never the secret.
   */
  readonly credentialRef: string | null;
  /** Relative share of the alias's traffic; 0 = registered but not to be routed to. */
  readonly weight: number;
  readonly enabled: boolean;
  /** The price new requests pay (the latest version). */
  readonly price: Frozen<DeploymentPrice>;
  /** Every price version, oldest first, effectiveFrom non-decreasing. */
  readonly prices: readonly Frozen<DeploymentPrice>[];
}

/**
 * A rollout that steers its alias's traffic: the rollout's own domain state (active, paused
 * or completed), so `assignsToCandidate` from domain/rollout applies to it as is.
 */
export type CachedRollout = Extract<RolloutState, { status: 'active' | 'paused' | 'completed' }>;

/** A tenant's ceilings: its own and each key's (a key without an entry is unlimited on its own). */
export interface CachedLimits {
  readonly tenant: Frozen<RateLimitFigures>;
  readonly keys: Readonly<Record<string, Frozen<RateLimitFigures>>>;
}

/**
 * A budget as admission enforces it (see BudgetFold): the aggregate's own figures, with
 * `periodStart` the period its events last saw (admission computes the current one from the
 * clock) and the spend recorded by command as `adjustmentsMicros`.
 */
export type CachedBudget = Pick<ActiveBudget, 'tenantId' | 'budgetId' | 'period' | 'limitMicros' | 'currency' | 'action' | 'alertThresholds' | 'periodStart' | 'crossedThresholds'> & {
  readonly adjustmentsMicros: number;
};
