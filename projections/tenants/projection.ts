import { toDomainEvent } from '../../commands/handler.js';
import { assertNever } from '../../domain/shared/errors.js';
import type { TenantEvent } from '../../domain/tenant/events.js';
import type { RecordedEvent } from '../../engines/eventstore/port.js';
import type { Doc } from '../../engines/readmodel/port.js';
import type { Projection } from '../runtime/projection.js';
import { eventTypeGuard, occurredAt, streamOf } from '../shared/recorded.js';

export type TenantStatus = 'active' | 'suspended' | 'closed';

/** One tenant as the admin console lists it. id = tenantId. */
export interface TenantDoc extends Doc {
  readonly name: string;
  readonly dataRegion: string;
  readonly status: TenantStatus;
  /** Why the tenant is suspended or closed; null while active. */
  readonly statusReason: string | null;
  /** Whether the tenant's prompt and completion texts are stored on its inference events (false until opted in). */
  readonly storeContent: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const isTenantEventType = eventTypeGuard<TenantEvent['type']>({
  TenantRegistered: true,
  TenantRenamed: true,
  TenantDataRegionSet: true,
  TenantSuspended: true,
  TenantReactivated: true,
  TenantClosed: true,
  TenantContentRetentionSet: true,
});

function evolveTenant(doc: TenantDoc | null, recorded: RecordedEvent): TenantDoc | null {
  // Upcast first: v1 TenantRegistered events carry no dataRegion.
  const event = toDomainEvent<TenantEvent>(recorded);
  const at = occurredAt(recorded);
  if (event.type === 'TenantRegistered') {
    const { tenantId, name, dataRegion } = event.data;
    return { id: tenantId, tenantId, _position: recorded.position, name, dataRegion, status: 'active', statusReason: null, storeContent: false, createdAt: at, updatedAt: at };
  }
  if (doc === null) return null; // the stream cannot start without registration; ignore defensively
  const touched = { ...doc, _position: recorded.position, updatedAt: at };
  switch (event.type) {
    case 'TenantRenamed':
      return { ...touched, name: event.data.name };
    case 'TenantDataRegionSet':
      return { ...touched, dataRegion: event.data.dataRegion };
    case 'TenantSuspended':
      return { ...touched, status: 'suspended', statusReason: event.data.reason };
    case 'TenantReactivated':
      return { ...touched, status: 'active', statusReason: null };
    case 'TenantClosed':
      return { ...touched, status: 'closed', statusReason: event.data.reason };
    case 'TenantContentRetentionSet':
      return { ...touched, storeContent: event.data.storeContent };
    default:
      return assertNever(event, 'tenant event');
  }
}

export const tenantsProjection: Projection = {
  name: 'tenants',
  // v2: documents gained storeContent; the runtime rebuilds v2 beside v1 on start.
  version: 2,
  collection: 'tenants',
  indexes: ['status'],
  categories: ['tenant'],
  documentId(event) {
    if (!isTenantEventType(event.type)) return null;
    return streamOf(event, 'tenant')?.tenantId ?? null;
  },
  evolve(doc, event) {
    if (!isTenantEventType(event.type)) return doc;
    return evolveTenant(doc as TenantDoc | null, event);
  },
};
