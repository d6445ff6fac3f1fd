import { ConflictError, WrongExpectedRevisionError } from '../../../domain/shared/errors.js';
import type { AppendResult, ExpectedRevision } from '../port.js';
import type { SerializedEvent } from './codec.js';
import type { EventPlaceRow, Statements, StreamHeadRow } from './statements.js';

export interface AppendRequest {
  readonly streamId: string;
  readonly events: readonly SerializedEvent[];
  readonly expectedRevision: ExpectedRevision;
}

/** What one append of a write group amounts to, decided before anything is written. */
export type AppendDecision =
  | { readonly kind: 'write'; readonly head: StreamHeadRow | undefined }
  | { readonly kind: 'replay'; readonly result: AppendResult }
  | { readonly kind: 'reject'; readonly error: Error };

/**
 * Decides one append inside the group's open transaction, without writing.
 *
 * The reads see the database as the transaction does, which already includes the
 * earlier appends of the same group, so two appends of one group with the same expected
 * revision cannot both succeed. Every reason to refuse an append is found here, before
 * its first insert: that is what makes a refused append write nothing without a
 * savepoint per append (savepoints cost ~5 µs per event).
 */
export function decideAppend(statements: Statements, request: AppendRequest): AppendDecision {
  try {
    const replayed = findIdempotentReplay(statements, request);
    if (replayed) return { kind: 'replay', result: replayed };
    const head = statements.streamHead.get(request.streamId);
    assertExpectedRevision(request.streamId, request.expectedRevision, head);
    return { kind: 'write', head };
  } catch (error) {
    if (error instanceof WrongExpectedRevisionError || error instanceof ConflictError) return { kind: 'reject', error };
    throw error; // an engine failure: the whole group's transaction must roll back
  }
}

/**
 * Inserts the events after a 'write' decision. The decision excluded every constraint
 * these inserts could break, so a failure here is an engine failure (disk full, I/O)
 * and rolls back the whole group.
 */
export function insertEvents(statements: Statements, request: AppendRequest, head: StreamHeadRow | undefined, recordedAt: string): AppendResult {
  let revision = head?.revision ?? -1;
  // An append of zero events only checks the revision; it reports the stream's head
  // (revision -1 and position 0 for a stream that does not exist).
  let position = head?.position ?? 0;
  for (const event of request.events) {
    revision += 1;
    const info = statements.insertEvent.run(request.streamId, revision, event.eventId, event.type, event.data, event.metadata, recordedAt);
    position = Number(info.lastInsertRowid);
  }
  return { nextExpectedRevision: revision, position };
}

/**
 * A retried command re-sends the same event ids. If they all sit, in order, at
 * consecutive revisions of this stream, the append already happened: report its original
 * result without writing, whatever revision the retry expected. Any other overlap
 * (some ids only, or ids living elsewhere) is a caller bug and is refused.
 */
function findIdempotentReplay(statements: Statements, request: AppendRequest): AppendResult | null {
  const places = request.events.map((event) => statements.eventPlace.get(event.eventId));
  const firstExisting = places.findIndex((place) => place !== undefined);
  if (firstExisting === -1) return null;
  const first = places[0];
  const samePlace =
    first !== undefined && places.every((place, index) => isAt(place, request.streamId, first.revision + index));
  if (!samePlace) throw duplicateEventId(request, firstExisting, places[firstExisting]);
  const last = places[places.length - 1] as EventPlaceRow;
  return { nextExpectedRevision: last.revision, position: last.position };
}

function isAt(place: EventPlaceRow | undefined, streamId: string, revision: number): boolean {
  return place !== undefined && place.stream_id === streamId && place.revision === revision;
}

function duplicateEventId(request: AppendRequest, index: number, place: EventPlaceRow | undefined): ConflictError {
  const eventId = request.events[index]?.eventId;
  return new ConflictError(
    `duplicate event id '${eventId}': it is already stored at ${place?.stream_id}@${place?.revision}, ` +
      `and the append to '${request.streamId}' is not an exact retry`,
    { eventId, streamId: request.streamId, existingStreamId: place?.stream_id, existingRevision: place?.revision },
  );
}

function assertExpectedRevision(streamId: string, expected: ExpectedRevision, head: StreamHeadRow | undefined): void {
  const actual = head === undefined ? 'no_stream' : String(head.revision);
  const holds =
    expected === 'any' ||
    (expected === 'no_stream' && head === undefined) ||
    (expected === 'stream_exists' && head !== undefined) ||
    (typeof expected === 'number' && head?.revision === expected);
  if (!holds) throw new WrongExpectedRevisionError(streamId, String(expected), actual);
}
