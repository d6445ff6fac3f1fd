import { randomBytes, randomUUID } from 'node:crypto';
import type { EventStore, RecordedEvent, SubscribeToAllOptions } from '../../../engines/eventstore/port.js';
import type { Doc } from '../../../engines/readmodel/port.js';
import { parseStreamId, streamId } from '../../../domain/shared/streams.js';
import type { Projection } from '../../../projections/runtime/index.js';
import { deferred, type Deferred } from '../../support/wait.js';

/** A fresh tenant id per test, so tests never see each other's documents. */
export const freshTenant = (): string => `t_${randomBytes(5).toString('hex')}`;

let clock = Date.parse('2025-06-01T10:00:00.000Z');
/** Deterministic, increasing domain time for event metadata. */
const nextOccurredAt = (): string => new Date((clock += 1000)).toISOString();

export async function append(store: EventStore, stream: string, type: string, data: Record<string, unknown> = {}): Promise<number> {
  const parsed = parseStreamId(stream);
  if (!parsed) throw new Error(`bad stream id ${stream}`);
  const metadata = { tenantId: parsed.tenantId, occurredAt: nextOccurredAt(), actor: 'admin' };
  const result = await store.appendToStream(stream, [{ eventId: randomUUID(), type, data, metadata }], 'any');
  return result.position;
}

export const tenantStream = (tenantId: string, entity = 'profile'): string => streamId('tenant', tenantId, entity);

/**
 * A small tenant-directory projection. `renames` counts applications, so applying an
 * event twice would show; `Poison` always throws, to exercise dead letters.
 */
export function tenantsProjection(overrides: Partial<Projection> = {}): Projection {
  return {
    name: 'tenants',
    version: 1,
    collection: 'tenants',
    indexes: ['name', 'status'],
    documentId: (event: RecordedEvent) => (event.streamId.startsWith('tenant-') ? event.streamId : null),
    evolve: (doc: Doc | null, event: RecordedEvent): Doc | null => {
      const occurredAt = String(event.metadata.occurredAt);
      switch (event.type) {
        case 'TenantRegistered':
          return { id: event.streamId, tenantId: String(event.metadata.tenantId), _position: 0, name: String(event.data.name), status: 'active', renames: 0, updatedAt: occurredAt };
        case 'TenantRenamed':
          if (doc === null) throw new Error('renamed before registration');
          return { ...doc, name: String(event.data.name), renames: Number(doc.renames) + 1, updatedAt: occurredAt };
        case 'TenantClosed':
          return null;
        case 'Poison':
          throw new Error('cannot digest poison');
        default:
          return doc;
      }
    },
    ...overrides,
  };
}

/** Wraps a projection to count evolve calls (to prove events are not re-applied). */
export function counting(projection: Projection): { projection: Projection; calls: () => number } {
  let calls = 0;
  return {
    projection: { ...projection, evolve: (doc, event) => ((calls += 1), projection.evolve(doc, event)) },
    calls: () => calls,
  };
}

/** Delegates everything to `inner` except subscribeToAll, whose options `hook` may rewrite. */
export function hookSubscriptions(inner: EventStore, hook: (options: SubscribeToAllOptions) => SubscribeToAllOptions): EventStore {
  return {
    appendToStream: (stream, events, expected) => inner.appendToStream(stream, events, expected),
    readStream: (stream, options) => inner.readStream(stream, options),
    readAll: (options) => inner.readAll(options),
    subscribeToAll: (options) => inner.subscribeToAll(hook(options)),
    headPosition: () => inner.headPosition(),
    setStreamMetadata: (stream, metadata) => inner.setStreamMetadata(stream, metadata),
    getStreamMetadata: (stream) => inner.getStreamMetadata(stream),
    close: () => inner.close(),
  };
}

/** Every batch is delivered twice: what an at-least-once engine may do after a reconnect. */
export function redeliveringEventStore(inner: EventStore): EventStore {
  return hookSubscriptions(inner, (options) => ({
    ...options,
    onEvents: async (events) => {
      await options.onEvents(events);
      await options.onEvents(events);
    },
  }));
}

/**
 * Holds back the batches of subscriptions opened while the gate is closed (a slow
 * rebuild, a slow projection) until `open()`. Subscriptions opened earlier flow freely.
 */
export class SubscriptionGate {
  private gate: Deferred<void> | null = null;
  readonly eventStore: EventStore;

  constructor(inner: EventStore) {
    this.eventStore = hookSubscriptions(inner, (options) => {
      const gate = this.gate;
      if (gate === null) return options;
      return { ...options, onEvents: async (events) => (await gate.promise, options.onEvents(events)) };
    });
  }

  close(): void {
    this.gate = deferred<void>();
  }

  open(): void {
    this.gate?.resolve();
    this.gate = null;
  }
}

/** Deployments: the platform's catalog (tenant PLATFORM_TENANT) plus tenants' private ones. */
export function deploymentsProjection(): Projection {
  return {
    name: 'deployments',
    version: 1,
    collection: 'deployments',
    indexes: ['model'],
    documentId: (event) => (event.streamId.startsWith('deployment-') ? event.streamId : null),
    evolve: (doc, event) =>
      event.type === 'DeploymentRegistered'
        ? { id: event.streamId, tenantId: String(event.metadata.tenantId), _position: 0, model: String(event.data.model) }
        : doc,
  };
}
