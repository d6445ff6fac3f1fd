import type { DomainEvent } from '../shared/decider.js';

/** Events of the tenant context. Schemas: schemas/events/tenant/*.avsc */
export type TenantRegistered = DomainEvent<'TenantRegistered', { tenantId: string; name: string; dataRegion: string }>;
export type TenantRenamed = DomainEvent<'TenantRenamed', { tenantId: string; name: string }>;
export type TenantDataRegionSet = DomainEvent<'TenantDataRegionSet', { tenantId: string; dataRegion: string }>;
export type TenantSuspended = DomainEvent<'TenantSuspended', { tenantId: string; reason: string }>;
export type TenantReactivated = DomainEvent<'TenantReactivated', { tenantId: string }>;
export type TenantClosed = DomainEvent<'TenantClosed', { tenantId: string; reason: string }>;
export type TenantContentRetentionSet = DomainEvent<'TenantContentRetentionSet', { tenantId: string; storeContent: boolean }>;

export type TenantEvent = TenantRegistered | TenantRenamed | TenantDataRegionSet | TenantSuspended | TenantReactivated | TenantClosed | TenantContentRetentionSet;
