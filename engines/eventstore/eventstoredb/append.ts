import { FORWARDS, START, type EventStoreDBClient } from '@eventstore/db-client';
import { WrongExpectedRevisionError } from '../../../domain/shared/errors.js';
import type { AppendResult, EventToAppend, ExpectedRevision } from '../port.js';
import { validateAppend } from '../validate.js';
import { translateError } from './errors.js';
import { readRaw, readStreamEvents, streamHead } from './reads.js';
import { expectedRevisionHolds, findStoredAppend } from './replay.js';
import { positionOf, revisionToNumber, toEsdbExpectedRevision, toEventData } from './translate.js';

/**
 * appendToStream over EventStoreDB, with the port's guarantees:
 * - atomic per call (one EventStoreDB append; a refused one writes nothing);
 * - idempotent per event id, whatever revision a retry expects (see replay.ts): the ids are
 *   looked up in the stream when the server refuses the expected revision, and up front for
 *   'any' / 'stream_exists', where the server only keeps a bounded cache of recent ids;
 * - the result's position is the last appended event's own position, read back from the
 *   stream: EventStoreDB's append response reports a transaction position whose meaning
 *   differs between fresh and idempotent writes, and read-your-writes waits on this number.
 *
 * Every read on this path requires the leader, so it sees the write it follows.
 */
export async function appendToStream(
  client: EventStoreDBClient,
  streamId: string,
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
  deadline: number,
): Promise<AppendResult> {
  validateAppend(streamId, events, expected);
  if (streamId.startsWith('$')) throw new TypeError(`stream '${streamId}': EventStoreDB reserves '$' for system streams`);
  const proposed = events.map(toEventData);
  const last = events[events.length - 1];
  if (last === undefined) return checkRevisionOnly(client, streamId, expected, deadline);
  if (expected === 'any' || expected === 'stream_exists') {
    const replayed = await findRetry(client, streamId, events, deadline);
    if (replayed !== null) return replayed;
  }
  let revision: bigint;
  try {
    ({ nextExpectedRevision: revision } = await client.appendToStream(streamId, proposed, { expectedRevision: toEsdbExpectedRevision(expected), deadline }));
  } catch (error) {
    const translated = translateError(error, { operation: 'appendToStream', streamId, expected });
    if (!(translated instanceof WrongExpectedRevisionError)) throw translated;
    // The stream is not where the writer thought: this may be a retry of an append that landed.
    const replayed = await findRetry(client, streamId, events, deadline);
    if (replayed !== null) return replayed;
    throw translated;
  }
  return { nextExpectedRevision: revisionToNumber(revision), position: await positionAt(client, streamId, revision, last.eventId, deadline) };
}

async function findRetry(client: EventStoreDBClient, streamId: string, events: readonly EventToAppend[], deadline: number): Promise<AppendResult | null> {
  const stored = await readStreamEvents(client, streamId, { direction: FORWARDS, fromRevision: START, deadline, requiresLeader: true });
  return findStoredAppend(streamId, stored, events);
}

/** An append of zero events only checks the revision, and reports the stream's head (-1 and 0 for no stream). */
async function checkRevisionOnly(client: EventStoreDBClient, streamId: string, expected: ExpectedRevision, deadline: number): Promise<AppendResult> {
  const head = await streamHead(client, streamId, deadline);
  if (!expectedRevisionHolds(expected, head?.revision ?? null)) {
    throw new WrongExpectedRevisionError(streamId, String(expected), head === null ? 'no_stream' : String(head.revision));
  }
  return { nextExpectedRevision: head?.revision ?? -1, position: head?.position ?? 0 };
}

/** The position of the event stored at `revision`, checked to be the one we appended there. */
async function positionAt(client: EventStoreDBClient, streamId: string, revision: bigint, eventId: string, deadline: number): Promise<number> {
  const [stored] = await readRaw(client, streamId, { direction: FORWARDS, fromRevision: revision, maxCount: 1, deadline, requiresLeader: true });
  if (stored === undefined || stored.id.toLowerCase() !== eventId.toLowerCase()) {
    throw new Error(`EventStoreDB acknowledged the append to '${streamId}' at revision ${revision}, but event ${eventId} is not stored there`);
  }
  return positionOf(stored);
}
