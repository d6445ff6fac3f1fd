import {
  BACKWARDS,
  END,
  FORWARDS,
  START,
  StreamNotFoundError,
  type AllStreamResolvedEvent,
  type EventStoreDBClient,
  type ReadPosition,
  type ReadStreamOptions as EsdbReadStreamOptions,
  type RecordedEvent as EsdbRecordedEvent,
  type StreamingRead,
} from '@eventstore/db-client';
import type { RecordedEvent } from '../port.js';
import { eventPositionToPort, portToEsdbPosition } from './positions.js';
import { isSystemEvent, positionOf, revisionToNumber, toRecordedEvent } from './translate.js';

/** Reads through the client, in the port's terms. Errors are the client's; the store translates them. */

/** Events one $all page asks for; system events in between are read and dropped. */
const ALL_PAGE = 512;

/** A stream's stored events as the client returns them; [] when the stream does not exist. */
export async function readRaw(client: EventStoreDBClient, streamId: string, options: EsdbReadStreamOptions): Promise<EsdbRecordedEvent[]> {
  try {
    return (await collect(client.readStream(streamId, options))).flatMap((resolved) => resolved.event ?? []);
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
}

export async function readStreamEvents(client: EventStoreDBClient, streamId: string, options: EsdbReadStreamOptions): Promise<RecordedEvent[]> {
  return (await readRaw(client, streamId, options)).flatMap((event) => toRecordedEvent(event) ?? []);
}

/** The last revision and position of a stream (whatever its last event), or null when it does not exist. */
export async function streamHead(client: EventStoreDBClient, streamId: string, deadline: number): Promise<{ revision: number; position: number } | null> {
  const [last] = await readRaw(client, streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1, deadline, requiresLeader: true });
  return last === undefined ? null : { revision: revisionToNumber(last.revision), position: positionOf(last) };
}

/**
 * $all strictly after `after`, in commit order, without system events. EventStoreDB's forward
 * read includes its start position, and every page restarts at the last event read, so events
 * at or before the previous one are dropped.
 */
export async function readAllAfter(client: EventStoreDBClient, after: number, maxCount: number, deadline: number): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  const start = portToEsdbPosition(after);
  let from: ReadPosition = start === 'start' ? START : start;
  let floor = after;
  while (events.length < maxCount) {
    const page: AllStreamResolvedEvent[] = await collect(client.readAll({ direction: FORWARDS, fromPosition: from, maxCount: ALL_PAGE, deadline }));
    for (const resolved of page) {
      const recorded = resolved.event === undefined ? null : toRecordedEvent(resolved.event);
      if (recorded === null || recorded.position <= floor || events.length === maxCount) continue;
      floor = recorded.position;
      events.push(recorded);
    }
    const last = page[page.length - 1]?.event;
    if (last === undefined || page.length < ALL_PAGE) break;
    from = last.position;
  }
  return events;
}

/**
 * The position of the last event that is not a system event, 0 when there is none: what a
 * subscriber (which never sees system events) can wait for. Reads $all backwards (its start
 * is exclusive there): a short page first, as the last event is nearly always ours.
 */
export async function lastEventPosition(client: EventStoreDBClient, deadline: number): Promise<number> {
  let from: ReadPosition = END;
  for (let size = 16; ; size = ALL_PAGE) {
    const isOurs = (resolved: AllStreamResolvedEvent) => resolved.event !== undefined && !isSystemEvent(resolved.event.streamId, resolved.event.type);
    const page: AllStreamResolvedEvent[] = await collect(client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: size, deadline }), isOurs);
    const found = page.find(isOurs)?.event;
    if (found !== undefined) return eventPositionToPort(found.position);
    const last = page[page.length - 1]?.event;
    if (last === undefined || page.length < size) return 0;
    from = last.position;
  }
}

/** Everything a read yields, or what it yielded until `enough` said so (the rest of the read is cancelled). */
async function collect<T>(read: StreamingRead<T>, enough: (item: T) => boolean = () => false): Promise<T[]> {
  const items: T[] = [];
  for await (const item of read) {
    items.push(item);
    if (enough(item)) {
      await read.cancel();
      break;
    }
  }
  return items;
}
