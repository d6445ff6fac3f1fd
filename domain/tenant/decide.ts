import type { Decider } from '../shared/decider.js';
import { ConflictError, NotFoundError, assertNever } from '../shared/errors.js';
import type { TenantCommand } from './commands.js';
import type { TenantEvent } from './events.js';
import { evolve, initialState, type TenantState } from './state.js';

type Existing = Exclude<TenantState, { status: 'none' }>;
type Open = Exclude<Existing, { status: 'closed' }>;

function requireOpen(state: TenantState, tenantId: string): Open {
  if (state.status === 'none') throw new NotFoundError('tenant', tenantId);
  if (state.status === 'closed') throw new ConflictError(`tenant '${tenantId}' is closed`, { tenantId, status: state.status });
  return state;
}

export function decide(command: TenantCommand, state: TenantState): TenantEvent[] {
  const { tenantId } = command.data;
  switch (command.type) {
    case 'RegisterTenant': {
      if (state.status !== 'none') throw new ConflictError(`tenant '${tenantId}' already exists`, { tenantId });
      const { name, dataRegion } = command.data;
      return [{ type: 'TenantRegistered', data: { tenantId, name, dataRegion } }];
    }
    case 'RenameTenant': {
      const tenant = requireOpen(state, tenantId);
      if (tenant.name === command.data.name) return []; // already so: nothing happened
      return [{ type: 'TenantRenamed', data: { tenantId, name: command.data.name } }];
    }
    case 'SetTenantDataRegion': {
      const tenant = requireOpen(state, tenantId);
      if (tenant.dataRegion === command.data.dataRegion) return [];
      return [{ type: 'TenantDataRegionSet', data: { tenantId, dataRegion: command.data.dataRegion } }];
    }
    case 'SuspendTenant': {
      const tenant = requireOpen(state, tenantId);
      if (tenant.status === 'suspended') throw new ConflictError(`tenant '${tenantId}' is already suspended`, { tenantId });
      return [{ type: 'TenantSuspended', data: { tenantId, reason: command.data.reason } }];
    }
    case 'ReactivateTenant': {
      const tenant = requireOpen(state, tenantId);
      if (tenant.status !== 'suspended') throw new ConflictError(`tenant '${tenantId}' is not suspended`, { tenantId });
      return [{ type: 'TenantReactivated', data: { tenantId } }];
    }
    case 'SetTenantContentRetention': {
      const tenant = requireOpen(state, tenantId);
      if (tenant.storeContent === command.data.storeContent) return [];
      return [{ type: 'TenantContentRetentionSet', data: { tenantId, storeContent: command.data.storeContent } }];
    }
    case 'CloseTenant': {
      requireOpen(state, tenantId);
      return [{ type: 'TenantClosed', data: { tenantId, reason: command.data.reason } }];
    }
    default:
      return assertNever(command, 'tenant command');
  }
}

export const tenantDecider: Decider<TenantCommand, TenantEvent, TenantState> = { decide, evolve, initialState };
