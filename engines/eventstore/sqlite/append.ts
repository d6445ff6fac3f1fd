import { ConflictError, WrongExpectedRevisionError } from '../../../domain/shared/errors.js';
import type { AppendResult, ExpectedRevision } from '../port.js';
import type { SerializedEvent } from './codec.js';
import type { EventPlaceRow, Statements, StreamHeadRow } from './statements.js';

/** The result the caller sees, plus how many events this append actually inserted. */
export interface AppliedAppend {
  readonly result: AppendResult;
  readonly written: number;
}

export interface AppendRequest {
  readonly streamId: string;
  readonly events: readonly SerializedEvent[];
  readonly expectedRevision: ExpectedRevision;
}

/**
 * Applies one append inside the group's open transaction (under its own savepoint).
 *
 * The checks read the database as the transaction sees it, which already includes the
 * earlier appends of the same group, so two appends of one group with the same expected
 * revision cannot both succeed. Everything that can reject happens before the first
 * insert; the savepoint covers the rest.
 */
export function appendWithRevision(statements: Statements, request: AppendRequest, recordedAt: string): AppliedAppend {
  const replayed = findIdempotentReplay(statements, request);
  if (replayed) return { result: replayed, written: 0 };
  const head = statements.streamHead.get(request.streamId);
  assertExpectedRevision(request.streamId, request.expectedRevision, head);
  return { result: insertEvents(statements, request, head, recordedAt), written: request.events.length };
}

function insertEvents(statements: Statements, request: AppendRequest, head: StreamHeadRow | undefined, recordedAt: string): AppendResult {
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
