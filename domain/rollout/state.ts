import { assertNever } from '../shared/errors.js';
import type { RolloutEvent } from './events.js';
import { BASIS_POINTS_SCALE } from './split.js';

interface RolloutProfile {
  readonly rolloutId: string;
  readonly modelAlias: string;
  readonly candidateDeploymentId: string;
  /** The candidate's share of the alias's traffic: 10,000 once completed, 0 once rolled back. */
  readonly basisPoints: number;
}

/** completed and rolledBack are final: a new attempt at the same candidate is a new rollout. */
export type RolloutState =
  | { readonly status: 'none' }
  | ({ readonly status: 'active' } & RolloutProfile)
  | ({ readonly status: 'paused'; readonly reason: string } & RolloutProfile)
  | ({ readonly status: 'completed' } & RolloutProfile)
  | ({ readonly status: 'rolledBack'; readonly reason: string } & RolloutProfile);

export const initialState = (): RolloutState => ({ status: 'none' });

export function evolve(state: RolloutState, event: RolloutEvent): RolloutState {
  if (event.type === 'RolloutStarted') return { status: 'active', ...event.data };
  if (state.status === 'none') return state; // events before the start cannot occur; ignore defensively
  const { rolloutId, modelAlias, candidateDeploymentId, basisPoints } = state;
  const profile: RolloutProfile = { rolloutId, modelAlias, candidateDeploymentId, basisPoints };
  switch (event.type) {
    case 'RolloutRamped':
      return { ...state, basisPoints: event.data.toBasisPoints };
    case 'RolloutPaused':
      return { status: 'paused', reason: event.data.reason, ...profile };
    case 'RolloutResumed':
      return { status: 'active', ...profile };
    case 'RolloutCompleted':
      return { status: 'completed', ...profile, basisPoints: BASIS_POINTS_SCALE };
    case 'RolledBack':
      return { status: 'rolledBack', reason: event.data.reason, ...profile, basisPoints: 0 };
    default:
      return assertNever(event, 'rollout event');
  }
}
