import { describe, it } from 'mocha';
import { ConflictError, NotFoundError } from '../../../domain/shared/errors.js';
import { tenantDecider, type TenantCommand, type TenantEvent } from '../../../domain/tenant/index.js';
import { spec } from '../../support/spec.js';

const meta = { now: '2026-11-26T10:00:00.000Z', actor: 'admin' };
const tenantId = 'acme';
const registered: TenantEvent = { type: 'TenantRegistered', data: { tenantId, name: 'Acme', dataRegion: 'eu' } };
const suspended: TenantEvent = { type: 'TenantSuspended', data: { tenantId, reason: 'unpaid invoice' } };
const closed: TenantEvent = { type: 'TenantClosed', data: { tenantId, reason: 'contract ended' } };
const optedIn: TenantEvent = { type: 'TenantContentRetentionSet', data: { tenantId, storeContent: true } };
const retention = (storeContent: boolean) => command({ type: 'SetTenantContentRetention', data: { tenantId, storeContent } });
const command = (c: Omit<TenantCommand, 'meta'>): TenantCommand => ({ ...c, meta }) as TenantCommand;
const tenant = spec(tenantDecider);

describe('tenant decider', () => {
  describe('RegisterTenant', () => {
    it('registers a new tenant', () =>
      tenant.given([]).when(command({ type: 'RegisterTenant', data: { tenantId, name: 'Acme', dataRegion: 'eu' } })).then([registered]));
    it('refuses a tenant id that is taken', () =>
      tenant.given([registered]).when(command({ type: 'RegisterTenant', data: { tenantId, name: 'Other', dataRegion: 'eu' } })).thenThrows(ConflictError));
  });

  describe('RenameTenant', () => {
    it('renames', () =>
      tenant.given([registered]).when(command({ type: 'RenameTenant', data: { tenantId, name: 'Acme Corp' } })).then([{ type: 'TenantRenamed', data: { tenantId, name: 'Acme Corp' } }]));
    it('records nothing when the name is unchanged', () =>
      tenant.given([registered]).when(command({ type: 'RenameTenant', data: { tenantId, name: 'Acme' } })).then([]));
    it('is not found for an unknown tenant', () =>
      tenant.given([]).when(command({ type: 'RenameTenant', data: { tenantId, name: 'X' } })).thenThrows(NotFoundError));
    it('refuses a closed tenant', () =>
      tenant.given([registered, closed]).when(command({ type: 'RenameTenant', data: { tenantId, name: 'X' } })).thenThrows(ConflictError, /closed/));
  });

  describe('SetTenantDataRegion', () => {
    it('moves the tenant to another region', () =>
      tenant.given([registered]).when(command({ type: 'SetTenantDataRegion', data: { tenantId, dataRegion: 'us' } })).then([{ type: 'TenantDataRegionSet', data: { tenantId, dataRegion: 'us' } }]));
    it('records nothing for the same region', () =>
      tenant.given([registered]).when(command({ type: 'SetTenantDataRegion', data: { tenantId, dataRegion: 'eu' } })).then([]));
  });

  describe('SetTenantContentRetention', () => {
    it('starts with texts not stored', () =>
      tenant.given([]).when(command({ type: 'RegisterTenant', data: { tenantId, name: 'Acme', dataRegion: 'eu' } }))
        .thenState({ status: 'active', tenantId, name: 'Acme', dataRegion: 'eu', storeContent: false }));
    it('opts the tenant in', () => tenant.given([registered]).when(retention(true)).then([optedIn]));
    it('opts an opted-in tenant out again', () =>
      tenant.given([registered, optedIn]).when(retention(false)).then([{ type: 'TenantContentRetentionSet', data: { tenantId, storeContent: false } }]));
    it('records nothing when the setting is unchanged', () => {
      tenant.given([registered]).when(retention(false)).then([]);
      tenant.given([registered, optedIn]).when(retention(true)).then([]);
    });
    it('keeps the setting through suspension and reactivation', () =>
      tenant.given([registered, optedIn, suspended]).when(command({ type: 'ReactivateTenant', data: { tenantId } }))
        .thenState({ status: 'active', tenantId, name: 'Acme', dataRegion: 'eu', storeContent: true }));
    it('may be changed while suspended', () => tenant.given([registered, suspended]).when(retention(true)).then([optedIn]));
    it('is not found for an unknown tenant', () => tenant.given([]).when(retention(true)).thenThrows(NotFoundError));
    it('refuses a closed tenant', () => tenant.given([registered, closed]).when(retention(true)).thenThrows(ConflictError, /closed/));
  });

  describe('SuspendTenant / ReactivateTenant', () => {
    it('suspends an active tenant', () =>
      tenant.given([registered]).when(command({ type: 'SuspendTenant', data: { tenantId, reason: 'unpaid invoice' } })).then([suspended]));
    it('refuses to suspend twice', () =>
      tenant.given([registered, suspended]).when(command({ type: 'SuspendTenant', data: { tenantId, reason: 'again' } })).thenThrows(ConflictError));
    it('reactivates a suspended tenant', () =>
      tenant.given([registered, suspended]).when(command({ type: 'ReactivateTenant', data: { tenantId } })).then([{ type: 'TenantReactivated', data: { tenantId } }]));
    it('refuses to reactivate an active tenant', () =>
      tenant.given([registered]).when(command({ type: 'ReactivateTenant', data: { tenantId } })).thenThrows(ConflictError));
    it('keeps the profile through suspension', () =>
      tenant.given([registered]).when(command({ type: 'SuspendTenant', data: { tenantId, reason: 'unpaid invoice' } }))
        .thenState({ status: 'suspended', reason: 'unpaid invoice', tenantId, name: 'Acme', dataRegion: 'eu', storeContent: false }));
  });

  describe('CloseTenant', () => {
    it('closes an active or suspended tenant', () => {
      tenant.given([registered]).when(command({ type: 'CloseTenant', data: { tenantId, reason: 'contract ended' } })).then([closed]);
      tenant.given([registered, suspended]).when(command({ type: 'CloseTenant', data: { tenantId, reason: 'contract ended' } })).then([closed]);
    });
    it('refuses every command once closed', () =>
      tenant.given([registered, closed]).when(command({ type: 'ReactivateTenant', data: { tenantId } })).thenThrows(ConflictError, /closed/));
  });
});
