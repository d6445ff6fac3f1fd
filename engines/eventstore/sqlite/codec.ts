import type { EventToAppend, JsonObject, RecordedEvent, StreamMetadata } from '../port.js';
import type { EventRow } from './statements.js';

/** An event already turned into the column values it will be stored as. */
export interface SerializedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

/**
 * Serialises before the event enters the write queue, so a value JSON cannot encode
 * (a BigInt, a cycle) rejects only its own append and never reaches the transaction.
 */
export function serializeEvent(event: EventToAppend): SerializedEvent {
  return {
    eventId: event.eventId,
    type: event.type,
    data: stringifyObject(event.data, 'data'),
    metadata: stringifyObject(event.metadata, 'metadata'),
  };
}

export function stringifyObject(value: unknown, what: string): string {
  if (!isJsonObject(value)) throw new TypeError(`${what} must be a JSON object`);
  return JSON.stringify(value);
}

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    revision: row.revision,
    position: row.position,
    type: row.type,
    data: parseObject(row.data),
    metadata: parseObject(row.metadata),
    recordedAt: row.recorded_at,
  };
}

/** Parses a JSON column; a row edited into a non-object (tampering) reads back as {}. */
export function parseObject(text: string): JsonObject {
  const value: unknown = JSON.parse(text);
  return isJsonObject(value) ? value : {};
}

export function parseStreamMetadata(text: string): StreamMetadata {
  return parseObject(text) as StreamMetadata;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
