import { createHash } from 'node:crypto';
import { RuleViolationError, assertNever } from '../shared/errors.js';
import type { RolloutState } from './state.js';

/** 100 % in basis points: percents carry at most two decimals, so every share is an integer. */
export const BASIS_POINTS_SCALE = 10_000;

/** True for percents written with at most two decimals (12.5, 0.01), judged on the decimal value, not its float bits. */
export function hasAtMostTwoDecimals(percent: number): boolean {
  const scaled = percent * 100;
  // 0.29 * 100 is 28.999999999999996 in binary floating point: compare with a tolerance far
  // below the 0.5 that a third decimal would leave.
  return Number.isFinite(scaled) && Math.abs(scaled - Math.round(scaled)) < 1e-6;
}

/**
 * Converts a percent (0..100, at most two decimals) to basis points. The command schemas
 * check the same at the HTTP edge; this guards callers inside the process (schedulers, scripts).
 */
export function percentToBasisPoints(percent: number): number {
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new RuleViolationError('percent_range', `a rollout share must be between 0 and 100 percent, not ${percent}`, { percent });
  }
  if (!hasAtMostTwoDecimals(percent)) {
    throw new RuleViolationError('percent_precision', `a rollout share has at most two decimals, not ${percent}`, { percent });
  }
  return Math.round(percent * 100);
}

/**
 * The key's bucket in 0..9,999: the first 4 bytes of sha256(`${rolloutId}:${stickyKey}`) as a
 * big-endian uint32, mod 10,000. It depends on nothing but the rollout and the key, so every
 * gateway node puts a key in the same bucket without coordination. Salting with the rollout
 * id gives each rollout an independent draw, so the same users are not always the first to
 * get a candidate. (2^32 mod 10,000 leaves a bias of under 3 in a million per bucket.)
 */
export function stickyBucket(rolloutId: string, stickyKey: string): number {
  return createHash('sha256').update(`${rolloutId}:${stickyKey}`).digest().readUInt32BE(0) % BASIS_POINTS_SCALE;
}

/**
 * The candidate's share of traffic in basis points. A paused rollout keeps its share: pausing
 * means "hold where we are" (no further ramp, and no user flipped back and forth between
 * models); sending everyone back to the baseline is what RollBackRollout is for.
 */
export function candidateBasisPoints(state: RolloutState): number {
  switch (state.status) {
    case 'none':
    case 'rolledBack':
      return 0;
    case 'completed':
      return BASIS_POINTS_SCALE;
    case 'active':
    case 'paused':
      return state.basisPoints;
    default:
      return assertNever(state, 'rollout state');
  }
}

/**
 * Sticky assignment: does the request with this key (an end-user id, a session, an API key)
 * go to the candidate? A key is on the candidate when its bucket is below the share, so
 * ramping up only adds buckets: a key never moves from the candidate back to the baseline
 * while the share grows, and the same key gets the same answer on every request and node.
 */
export function assignsToCandidate(state: RolloutState, stickyKey: string): boolean {
  switch (state.status) {
    case 'none':
    case 'rolledBack':
      return false;
    case 'completed':
      return true;
    case 'active':
    case 'paused':
      return stickyBucket(state.rolloutId, stickyKey) < state.basisPoints;
    default:
      return assertNever(state, 'rollout state');
  }
}
