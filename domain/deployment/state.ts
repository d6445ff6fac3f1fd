import { assertNever } from '../shared/errors.js';
import type { Provider } from './commands.js';
import type { DeploymentEvent, DeploymentPrice } from './events.js';

interface DeploymentProfile {
  readonly deploymentId: string;
  readonly provider: Provider;
  readonly upstreamModel: string;
  readonly modelAlias: string;
  readonly region: string;
  readonly baseUrl: string | null;
  /** The secret's name, resolved by the gateway per call; null: no credential. */
  readonly credentialRef: string | null;
  readonly weight: number;
  /** Every price version, oldest first, effectiveFrom non-decreasing; the last one is current. */
  readonly prices: readonly DeploymentPrice[];
}

export type DeploymentState =
  | { readonly status: 'none' }
  | ({ readonly status: 'enabled' } & DeploymentProfile)
  | ({ readonly status: 'disabled'; readonly reason: string } & DeploymentProfile);

export const initialState = (): DeploymentState => ({ status: 'none' });

export function evolve(state: DeploymentState, event: DeploymentEvent): DeploymentState {
  if (event.type === 'DeploymentRegistered') {
    const { price, ...registered } = event.data;
    return { status: 'enabled', ...registered, prices: [price] };
  }
  if (state.status === 'none') return state; // events before registration cannot occur; ignore defensively
  const { deploymentId, provider, upstreamModel, modelAlias, region, baseUrl, credentialRef, weight, prices } = state;
  const profile: DeploymentProfile = { deploymentId, provider, upstreamModel, modelAlias, region, baseUrl, credentialRef, weight, prices };
  switch (event.type) {
    case 'DeploymentWeightChanged':
      return { ...state, weight: event.data.weight };
    case 'DeploymentPriceChanged':
      return { ...state, prices: [...state.prices, event.data.price] };
    case 'DeploymentDisabled':
      return { status: 'disabled', reason: event.data.reason, ...profile };
    case 'DeploymentEnabled':
      return { status: 'enabled', ...profile };
    case 'DeploymentCredentialRefSet':
      return { ...state, credentialRef: event.data.credentialRef };
    default:
      return assertNever(event, 'deployment event');
  }
}
