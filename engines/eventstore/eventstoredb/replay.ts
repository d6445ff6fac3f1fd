import { ConflictError } from '../../../domain/shared/errors.js';
import type { AppendResult, EventToAppend, ExpectedRevision, RecordedEvent } from '../port.js';

/**
 * The port's idempotency, decided on a stream's stored events.
 *
 * EventStoreDB recognises a retry on its own only when the retry expects the revision the
 * original expected; with 'any' it relies on a bounded cache of recent event ids (best
 * effort), and once the stream has moved on it answers a retry that expects the current
 * revision by writing the events again. The port promises more: events whose ids already sit,
 * in order, in the stream are an idempotent no-op reporting the original result, whatever
 * revision the retry expects. So the adapter looks the ids up where the server cannot.
 *
 * Returns the original result of the append that wrote `events`, null when none of their ids
 * is in the stream, and throws ConflictError when only some are, or out of place (a caller
 * bug: a partial overlap is never a retry). Ids compare case-insensitively: EventStoreDB
 * stores them as UUIDs and reads them back lower-cased.
 */
export function findStoredAppend(streamId: string, stored: readonly RecordedEvent[], events: readonly EventToAppend[]): AppendResult | null {
  if (events.length === 0) return null;
  const byId = new Map(stored.map((event) => [event.eventId.toLowerCase(), event]));
  const found = events.map((event) => byId.get(event.eventId.toLowerCase()));
  const firstFound = found.findIndex((event) => event !== undefined);
  if (firstFound === -1) return null;
  const start = found[0];
  const exact = start !== undefined && found.every((event, index) => event !== undefined && event.revision === start.revision + index);
  if (!exact) {
    const existing = found[firstFound] as RecordedEvent;
    throw new ConflictError(
      `duplicate event id '${existing.eventId}': it is already stored at ${streamId}@${existing.revision}, and this append is not an exact retry`,
      { eventId: existing.eventId, streamId, existingRevision: existing.revision },
    );
  }
  const last = found[found.length - 1] as RecordedEvent;
  return { nextExpectedRevision: last.revision, position: last.position };
}

/**
 * Whether the expected revision holds for a stream whose last revision is `lastRevision`
 * (null: no such stream). Used for appends of zero events, which only check the revision:
 * EventStoreDB's request manager completes a write of no events at once, so the adapter
 * checks them itself.
 */
export function expectedRevisionHolds(expected: ExpectedRevision, lastRevision: number | null): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return lastRevision === null;
    case 'stream_exists':
      return lastRevision !== null;
    default:
      return lastRevision === expected;
  }
}
