import {
  ANY,
  BACKWARDS,
  END,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  jsonEvent,
  type AppendExpectedRevision,
  type EventData,
  type ReadStreamOptions as EsdbReadStreamOptions,
  type RecordedEvent as EsdbRecordedEvent,
  type StreamMetadata as EsdbStreamMetadata,
} from '@eventstore/db-client';
import type { EventToAppend, ExpectedRevision, JsonObject, ReadStreamOptions, RecordedEvent, StreamMetadata } from '../port.js';
import { limitOf } from '../validate.js';
import { EventStoreUnavailableError } from './errors.js';
import { eventPositionToPort } from './positions.js';

/** Translations between the port's shapes and @eventstore/db-client's, with no I/O. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toEsdbExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

/**
 * The port's event as a JSON event of EventStoreDB. The id must be a UUID there (it is the
 * idempotency key); EventStoreDB reads it back lower-cased. A '$' type is refused: it would
 * be stored as a system event, which the port never shows again.
 */
export function toEventData(event: EventToAppend): EventData {
  if (!UUID.test(event.eventId)) throw new TypeError(`eventId must be a UUID for EventStoreDB, got '${event.eventId}'`);
  if (event.type.startsWith('$')) throw new TypeError(`event type '${event.type}': EventStoreDB reserves '$' for system events`);
  if (!isJsonObject(event.data)) throw new TypeError('data must be a JSON object');
  if (!isJsonObject(event.metadata)) throw new TypeError('metadata must be a JSON object');
  return jsonEvent({ id: event.eventId, type: event.type, data: event.data, metadata: event.metadata });
}

/**
 * System events — of $-prefixed streams ($$metadata, $stats, projections' $ce-… links) or
 * of $-prefixed types (the $streamDeleted tombstone of a user stream) — are EventStoreDB's
 * own bookkeeping: the port never delivers them.
 */
export function isSystemEvent(streamId: string, type: string): boolean {
  return streamId.startsWith('$') || type.startsWith('$');
}

/**
 * The port's view of a stored event, or null for a system event. The global position comes
 * from the event itself (servers ≥ 22.6 report it on every read).
 */
export function toRecordedEvent(event: EsdbRecordedEvent): RecordedEvent | null {
  if (isSystemEvent(event.streamId, event.type)) return null;
  return {
    eventId: event.id,
    streamId: event.streamId,
    revision: revisionToNumber(event.revision),
    position: positionOf(event),
    type: event.type,
    data: toJsonObject(event.data),
    metadata: toJsonObject(event.metadata),
    recordedAt: event.created.toISOString(),
  };
}

/** The port position of a stored event; servers older than 22.6 do not report it on stream reads. */
export function positionOf(event: EsdbRecordedEvent): number {
  if (event.position === undefined) {
    throw new EventStoreUnavailableError('read', 'unsupported', 'the server reports no event positions; EventStoreDB 22.6 or later is required');
  }
  return eventPositionToPort(event.position);
}

export function revisionToNumber(revision: bigint): number {
  if (revision < 0n || revision > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`stream revision ${revision} is not a safe integer`);
  return Number(revision);
}

/** The client's read options for a port readStream; null when nothing is to be read (maxCount 0). */
export function toEsdbReadStreamOptions(options: ReadStreamOptions): EsdbReadStreamOptions | null {
  const limit = limitOf(options.maxCount);
  if (limit === 0) return null;
  const backwards = options.direction === 'backwards';
  const from = options.fromRevision;
  if (from !== undefined && (!Number.isSafeInteger(from) || from < 0)) throw new RangeError(`fromRevision must be a non-negative integer, got ${from}`);
  return {
    direction: backwards ? BACKWARDS : FORWARDS,
    fromRevision: from === undefined ? (backwards ? END : START) : BigInt(from),
    ...(limit > 0 ? { maxCount: limit } : {}),
  };
}

/**
 * Stream metadata as EventStoreDB stores it: maxAge and maxCount become its own $maxAge and
 * $maxCount (so the server enforces them), our free-form part sits under one `custom` key, so
 * it can never collide with a system property.
 */
export function toEsdbStreamMetadata(metadata: StreamMetadata): EsdbStreamMetadata {
  const positive = (name: string, value: number | undefined) => {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  };
  positive('maxAge', metadata.maxAge);
  positive('maxCount', metadata.maxCount);
  if (metadata.custom !== undefined && !isJsonObject(metadata.custom)) throw new TypeError('custom stream metadata must be a JSON object');
  return {
    ...(metadata.maxAge !== undefined ? { maxAge: metadata.maxAge } : {}),
    ...(metadata.maxCount !== undefined ? { maxCount: metadata.maxCount } : {}),
    ...(metadata.custom !== undefined ? { custom: metadata.custom } : {}),
  };
}

/** Back to the port's shape; properties written by other tools (ACLs, $tb …) are not ours and are left out. */
export function fromEsdbStreamMetadata(metadata: EsdbStreamMetadata | undefined): StreamMetadata | null {
  if (metadata === undefined) return null;
  const { maxAge, maxCount } = metadata;
  const custom: unknown = metadata.custom;
  return {
    ...(typeof maxAge === 'number' ? { maxAge } : {}),
    ...(typeof maxCount === 'number' ? { maxCount } : {}),
    ...(isJsonObject(custom) ? { custom } : {}),
  };
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Data or metadata as a JSON object; bytes written by other tools are parsed when they hold one, else {} (as SQLite reads a non-object). */
function toJsonObject(value: unknown): JsonObject {
  if (isJsonObject(value)) return value;
  if (!(value instanceof Uint8Array)) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value).toString('utf8'));
    return isJsonObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
