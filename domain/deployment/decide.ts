import type { Decider } from '../shared/decider.js';
import { ConflictError, NotFoundError, assertNever } from '../shared/errors.js';
import type { DeploymentCommand } from './commands.js';
import type { DeploymentEvent } from './events.js';
import { nextEffectiveFrom } from './prices.js';
import { evolve, initialState, type DeploymentState } from './state.js';

type Existing = Exclude<DeploymentState, { status: 'none' }>;

/** Weight, price and credential may change while disabled, so an operator can prepare before re-enabling. */
function requireExisting(state: DeploymentState, deploymentId: string): Existing {
  if (state.status === 'none') throw new NotFoundError('deployment', deploymentId);
  return state;
}

export function decide(command: DeploymentCommand, state: DeploymentState): DeploymentEvent[] {
  const { deploymentId } = command.data;
  switch (command.type) {
    case 'RegisterDeployment': {
      if (state.status !== 'none') throw new ConflictError(`deployment '${deploymentId}' already exists`, { deploymentId });
      const { provider, upstreamModel, modelAlias, region, baseUrl, credentialRef, weight, inputPricePerMTokMicros, outputPricePerMTokMicros, currency } = command.data;
      const price = { priceVersion: 1, inputPricePerMTokMicros, outputPricePerMTokMicros, currency, effectiveFrom: command.meta.now };
      return [{ type: 'DeploymentRegistered', data: { deploymentId, provider, upstreamModel, modelAlias, region, baseUrl, credentialRef, weight, price } }];
    }
    case 'ChangeDeploymentWeight': {
      const deployment = requireExisting(state, deploymentId);
      const { weight } = command.data;
      if (weight === deployment.weight) return [];
      return [{ type: 'DeploymentWeightChanged', data: { deploymentId, weight, previousWeight: deployment.weight } }];
    }
    case 'ChangeDeploymentPrice': {
      const deployment = requireExisting(state, deploymentId);
      const { inputPricePerMTokMicros, outputPricePerMTokMicros, currency } = command.data;
      const current = deployment.prices[deployment.prices.length - 1];
      const same =
        current.inputPricePerMTokMicros === inputPricePerMTokMicros &&
        current.outputPricePerMTokMicros === outputPricePerMTokMicros &&
        current.currency === currency;
      if (same) return []; // a new version with the same figures would explain nothing
      const price = {
        priceVersion: current.priceVersion + 1,
        inputPricePerMTokMicros,
        outputPricePerMTokMicros,
        currency,
        effectiveFrom: nextEffectiveFrom(current, command.meta.now),
      };
      return [{ type: 'DeploymentPriceChanged', data: { deploymentId, price } }];
    }
    case 'DisableDeployment': {
      const deployment = requireExisting(state, deploymentId);
      if (deployment.status === 'disabled') throw new ConflictError(`deployment '${deploymentId}' is already disabled`, { deploymentId });
      return [{ type: 'DeploymentDisabled', data: { deploymentId, reason: command.data.reason } }];
    }
    case 'EnableDeployment': {
      const deployment = requireExisting(state, deploymentId);
      if (deployment.status === 'enabled') throw new ConflictError(`deployment '${deploymentId}' is already enabled`, { deploymentId });
      return [{ type: 'DeploymentEnabled', data: { deploymentId } }];
    }
    case 'SetDeploymentCredentialRef': {
      const deployment = requireExisting(state, deploymentId);
      const { credentialRef } = command.data;
      if (credentialRef === deployment.credentialRef) return [];
      return [{ type: 'DeploymentCredentialRefSet', data: { deploymentId, credentialRef, previousCredentialRef: deployment.credentialRef } }];
    }
    default:
      return assertNever(command, 'deployment command');
  }
}

export const deploymentDecider: Decider<DeploymentCommand, DeploymentEvent, DeploymentState> = { decide, evolve, initialState };
