import { randomUUID } from 'node:crypto';
import { GENESIS_HASH, sealEvents } from '../../domain/shared/envelope.js';
import { fromBusMessage } from '../../engines/eventbus/event-message.js';
import type { BusConsumer, EventBus } from '../../engines/eventbus/port.js';
import type { CheckpointStore } from '../../engines/eventbus/relay.js';
import type { EventStore, RecordedEvent } from '../../engines/eventstore/port.js';
import { currentSchemaVersion } from '../../schemas/registry.js';

/** Topics the activity below lands on. */
export const ACTIVITY_TOPICS = ['nexus.tenant', 'nexus.policy'];

/**
 * Appends real, sealed events for one tenant, as a command handler would: a registration and
 * `renames` renames on its tenant stream, and a policy on its policy stream. Returns how many.
 */
export async function appendTenantActivity(store: EventStore, tenantId: string, renames: number): Promise<number> {
  const context = { tenantId, commandId: randomUUID(), correlationId: randomUUID(), causationId: randomUUID(), actor: 'admin', occurredAt: '2025-03-01T00:00:00.000Z' };
  const tenantEvents = [
    { type: 'TenantRegistered', data: { tenantId, name: `Tenant ${tenantId}`, dataRegion: 'eu' } },
    ...Array.from({ length: renames }, (_, i) => ({ type: 'TenantRenamed', data: { tenantId, name: `Tenant ${tenantId} #${i + 1} ✓` } })),
  ];
  const policyEvents = [{ type: 'PolicyCreated', data: { tenantId, policyId: 'p1', name: 'Default', description: null } }];
  const chain = { firstRevision: 0, prevHash: GENESIS_HASH };
  await store.appendToStream(`tenant-${tenantId}.${tenantId}`, sealEvents(`tenant-${tenantId}.${tenantId}`, tenantEvents, context, chain, currentSchemaVersion), 'no_stream');
  await store.appendToStream(`policy-${tenantId}.p1`, sealEvents(`policy-${tenantId}.p1`, policyEvents, { ...context, commandId: randomUUID() }, chain, currentSchemaVersion), 'no_stream');
  return tenantEvents.length + policyEvents.length;
}

/** A consumer that decodes every relayed event and keeps the first copy of each (by event id), as real subscribers do. */
export interface EventSink {
  readonly consumer: BusConsumer;
  /** Every delivery, duplicates included, in arrival order. */
  readonly deliveries: RecordedEvent[];
  /** First copy of each event, by event id. */
  readonly unique: Map<string, RecordedEvent>;
}

export function collectEvents(bus: EventBus, groupId: string, topics: readonly string[] = ACTIVITY_TOPICS): EventSink {
  const deliveries: RecordedEvent[] = [];
  const unique = new Map<string, RecordedEvent>();
  const consumer = bus.consume({
    groupId,
    topics,
    onMessage: async (message) => {
      const event = fromBusMessage(message);
      deliveries.push(event);
      if (!unique.has(event.eventId)) unique.set(event.eventId, event);
    },
  });
  return { consumer, deliveries, unique };
}

/** Each stream's events in the order they were delivered, first copies only: what a de-duplicating consumer sees. */
export function revisionsByStream(events: Iterable<RecordedEvent>): Map<string, number[]> {
  const byStream = new Map<string, number[]>();
  for (const event of events) byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event.revision]);
  return byStream;
}

/** An in-memory checkpoint store that can be made to fail. */
export class MemoryCheckpoints implements CheckpointStore {
  readonly positions = new Map<string, number>();
  failing = false;

  async get(name: string): Promise<number> {
    return this.positions.get(name) ?? 0;
  }

  async put(name: string, position: number): Promise<void> {
    if (this.failing) throw new Error('checkpoint store unavailable');
    this.positions.set(name, position);
  }
}
