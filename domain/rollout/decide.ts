import type { Decider } from '../shared/decider.js';
import { ConflictError, NotFoundError, assertNever } from '../shared/errors.js';
import type { RolloutCommand } from './commands.js';
import type { RolloutEvent } from './events.js';
import { percentToBasisPoints } from './split.js';
import { evolve, initialState, type RolloutState } from './state.js';

type Running = Extract<RolloutState, { status: 'active' | 'paused' }>;
type Active = Extract<RolloutState, { status: 'active' }>;

/** Only a running rollout (active or paused) can change; completed and rolled back are final. */
function requireRunning(state: RolloutState, rolloutId: string): Running {
  if (state.status === 'none') throw new NotFoundError('rollout', rolloutId);
  if (state.status === 'completed' || state.status === 'rolledBack') {
    throw new ConflictError(`rollout '${rolloutId}' is ${state.status === 'completed' ? 'completed' : 'rolled back'}`, { rolloutId, status: state.status });
  }
  return state;
}

function requireActive(state: RolloutState, rolloutId: string): Active {
  const rollout = requireRunning(state, rolloutId);
  if (rollout.status === 'paused') throw new ConflictError(`rollout '${rolloutId}' is paused`, { rolloutId, status: rollout.status });
  return rollout;
}

export function decide(command: RolloutCommand, state: RolloutState): RolloutEvent[] {
  const { rolloutId } = command.data;
  switch (command.type) {
    case 'StartRollout': {
      if (state.status !== 'none') throw new ConflictError(`rollout '${rolloutId}' already exists`, { rolloutId });
      const { modelAlias, candidateDeploymentId, percent } = command.data;
      const basisPoints = percentToBasisPoints(percent);
      return [{ type: 'RolloutStarted', data: { rolloutId, modelAlias, candidateDeploymentId, basisPoints } }];
    }
    case 'RampRollout': {
      // A paused rollout holds its share: an operator resumes it before moving it again.
      const rollout = requireActive(state, rolloutId);
      const toBasisPoints = percentToBasisPoints(command.data.percent);
      if (toBasisPoints === rollout.basisPoints) return []; // already so: nothing happened
      return [{ type: 'RolloutRamped', data: { rolloutId, fromBasisPoints: rollout.basisPoints, toBasisPoints } }];
    }
    case 'PauseRollout': {
      const rollout = requireRunning(state, rolloutId);
      if (rollout.status === 'paused') throw new ConflictError(`rollout '${rolloutId}' is already paused`, { rolloutId });
      return [{ type: 'RolloutPaused', data: { rolloutId, reason: command.data.reason } }];
    }
    case 'ResumeRollout': {
      const rollout = requireRunning(state, rolloutId);
      if (rollout.status !== 'paused') throw new ConflictError(`rollout '${rolloutId}' is not paused`, { rolloutId });
      return [{ type: 'RolloutResumed', data: { rolloutId } }];
    }
    case 'CompleteRollout': {
      // Allowed while paused too: a pause to look at metrics may well end in "ship it".
      const rollout = requireRunning(state, rolloutId);
      return [{ type: 'RolloutCompleted', data: { rolloutId, fromBasisPoints: rollout.basisPoints } }];
    }
    case 'RollBackRollout': {
      // Allowed while paused: pausing on bad metrics and then rolling back is the common path.
      const rollout = requireRunning(state, rolloutId);
      return [{ type: 'RolledBack', data: { rolloutId, reason: command.data.reason, fromBasisPoints: rollout.basisPoints } }];
    }
    default:
      return assertNever(command, 'rollout command');
  }
}

export const rolloutDecider: Decider<RolloutCommand, RolloutEvent, RolloutState> = { decide, evolve, initialState };
