/**
 * Upcasters: pure functions turning an event's data from schema version N into N+1.
 * Keyed by event type, then by the version they upcast *from*. Every historical schema
 * file must have one (test/unit/schemas/schemas.test.ts checks it).
 */
export type Upcaster = (data: unknown) => unknown;

const asRecord = (data: unknown): Record<string, unknown> => (typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {});

export const UPCASTERS: Readonly<Record<string, Readonly<Record<number, Upcaster>>>> = {
  // v1 tenants predate data residency: they were served from anywhere.
  TenantRegistered: { 1: (data) => ({ ...asRecord(data), dataRegion: 'global' }) },
  // v1 deployments predate provider credentials: they were called without one.
  DeploymentRegistered: { 1: (data) => ({ ...asRecord(data), credentialRef: null }) },
};
