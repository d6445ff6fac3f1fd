import type { DomainEvent } from '../shared/decider.js';

/**
 * Events of the rollout context. Schemas: schemas/events/rollout/*.avsc
 * Shares of traffic are integer basis points (0..10,000 = 0..100 %), so a split replays
 * exactly on every node; percents with two decimals map onto them without rounding.
 */
export type RolloutStarted = DomainEvent<
  'RolloutStarted',
  { rolloutId: string; modelAlias: string; candidateDeploymentId: string; basisPoints: number }
>;
export type RolloutRamped = DomainEvent<'RolloutRamped', { rolloutId: string; fromBasisPoints: number; toBasisPoints: number }>;
/** The split is frozen at its current share until resumed (see assignsToCandidate). */
export type RolloutPaused = DomainEvent<'RolloutPaused', { rolloutId: string; reason: string }>;
export type RolloutResumed = DomainEvent<'RolloutResumed', { rolloutId: string }>;
/** The candidate now serves the whole alias; fromBasisPoints is the share it had until then. */
export type RolloutCompleted = DomainEvent<'RolloutCompleted', { rolloutId: string; fromBasisPoints: number }>;
/** The candidate serves nothing any more; fromBasisPoints is the share it had until then. */
export type RolledBack = DomainEvent<'RolledBack', { rolloutId: string; reason: string; fromBasisPoints: number }>;

export type RolloutEvent = RolloutStarted | RolloutRamped | RolloutPaused | RolloutResumed | RolloutCompleted | RolledBack;
