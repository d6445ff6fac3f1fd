import { parseStreamId, type Category, type StreamName } from '../../domain/shared/streams.js';
import type { RecordedEvent } from '../../engines/eventstore/port.js';

/**
 * Small readers over a stored event shared by the read-model projections. They only look
 * at what the event itself carries, so every projection stays a pure function of its input
 * and a rebuild from position 0 reproduces the live documents byte for byte.
 */

/**
 * The domain time of an event. Every sealed event has `metadata.occurredAt`; the fallback
 * to the commit time is still deterministic (it is stored with the event), never the clock.
 */
export function occurredAt(event: RecordedEvent): string {
  const value = event.metadata.occurredAt;
  return typeof value === 'string' ? value : event.recordedAt;
}

/** A string metadata field, or null when the event was stored without it. */
export function metadataString(event: RecordedEvent, field: string): string | null {
  const value = event.metadata[field];
  return typeof value === 'string' ? value : null;
}

export function metadataNumber(event: RecordedEvent, field: string): number | null {
  const value = event.metadata[field];
  return typeof value === 'number' ? value : null;
}

/**
 * A type guard over the event types of one context. Built from a Record keyed by the
 * union's `type`, so adding an event type to a context fails to compile here until the
 * projection lists it (and its evolve's exhaustive switch handles it).
 */
export function eventTypeGuard<T extends string>(types: Readonly<Record<T, true>>): (type: string) => type is T {
  return (type: string): type is T => Object.hasOwn(types, type);
}

/** The parsed stream id when the event belongs to `category`, otherwise null. */
export function streamOf(event: RecordedEvent, category: Category): StreamName | null {
  const name = parseStreamId(event.streamId);
  return name !== null && name.category === category ? name : null;
}

/**
 * Id of a tenant-owned entity's document: `${tenantId}.${entityId}`, so two tenants may both
 * own an entity called 'default' without colliding in one collection.
 */
export const tenantScopedId = (tenantId: string, entityId: string): string => `${tenantId}.${entityId}`;
