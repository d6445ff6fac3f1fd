import { assertNever } from '../shared/errors.js';
import type { TenantEvent } from './events.js';

interface TenantProfile {
  readonly tenantId: string;
  readonly name: string;
  readonly dataRegion: string;
  /** Whether prompt and completion texts are stored on inference events; false until the platform admin opts the tenant in. */
  readonly storeContent: boolean;
}

export type TenantState =
  | { readonly status: 'none' }
  | ({ readonly status: 'active' } & TenantProfile)
  | ({ readonly status: 'suspended'; readonly reason: string } & TenantProfile)
  | ({ readonly status: 'closed'; readonly reason: string } & TenantProfile);

export const initialState = (): TenantState => ({ status: 'none' });

export function evolve(state: TenantState, event: TenantEvent): TenantState {
  if (event.type === 'TenantRegistered') return { status: 'active', ...event.data, storeContent: false };
  if (state.status === 'none') return state; // events before registration cannot occur; ignore defensively
  const profile: TenantProfile = { tenantId: state.tenantId, name: state.name, dataRegion: state.dataRegion, storeContent: state.storeContent };
  switch (event.type) {
    case 'TenantRenamed':
      return { ...state, name: event.data.name };
    case 'TenantDataRegionSet':
      return { ...state, dataRegion: event.data.dataRegion };
    case 'TenantSuspended':
      return { status: 'suspended', reason: event.data.reason, ...profile };
    case 'TenantReactivated':
      return { status: 'active', ...profile };
    case 'TenantClosed':
      return { status: 'closed', reason: event.data.reason, ...profile };
    case 'TenantContentRetentionSet':
      return { ...state, storeContent: event.data.storeContent };
    default:
      return assertNever(event, 'tenant event');
  }
}
