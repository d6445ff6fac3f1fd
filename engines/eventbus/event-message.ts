import type { RecordedEvent } from '../eventstore/port.js';
import { AvroCodecError, decodeEvent, encodeEvent } from './avro-codec.js';
import { EVENT_HEADERS, type BusMessage } from './port.js';

/**
 * How an event-store event travels on the bus, both ways: topic `nexus.<category>` (the
 * stream id before its first '-'), key = stream id (so each stream keeps its order), value =
 * the data in Avro single-object encoding, and five headers (EVENT_HEADERS): event id, type,
 * tenant id and schema fingerprint each on its own, the rest of the envelope (position,
 * revision, recordedAt, metadata) as one JSON header `nexus-envelope`.
 * What a consumer reads back is the RecordedEvent the store holds: same data (written with
 * metadata.schemaVersion; `upcast` brings it to the current shape), same metadata.
 */
export const TOPIC_PREFIX = 'nexus.';

/** Kafka accepts [A-Za-z0-9._-] in topic names; anything else in a category becomes '_' rather than a topic the engine refuses forever. */
export function topicFor(streamId: string, prefix: string = TOPIC_PREFIX): string {
  const dash = streamId.indexOf('-');
  const category = dash < 0 ? streamId : streamId.slice(0, dash);
  return `${prefix}${category.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 200) || '_'}`;
}

export function toBusMessage(event: RecordedEvent, topic: string = topicFor(event.streamId)): BusMessage {
  const { value, fingerprint } = encodeEvent(event);
  const tenantId = event.metadata.tenantId;
  return {
    topic,
    key: event.streamId,
    value,
    headers: {
      [EVENT_HEADERS.eventId]: event.eventId,
      [EVENT_HEADERS.eventType]: event.type,
      [EVENT_HEADERS.tenantId]: typeof tenantId === 'string' ? tenantId : '',
      [EVENT_HEADERS.schemaFingerprint]: fingerprint,
      // One stringify of the metadata; position and revision are integers, recordedAt a string.
      [EVENT_HEADERS.envelope]: `{"position":${event.position},"revision":${event.revision},"recordedAt":${JSON.stringify(event.recordedAt)},"metadata":${JSON.stringify(event.metadata)}}`,
    },
  };
}

/** Rebuilds the stored event from a relayed message; refuses a message whose headers and Avro body disagree. */
export function fromBusMessage(message: BusMessage): RecordedEvent {
  const header = (name: string): string => {
    const found = message.headers[name];
    if (found === undefined) throw new AvroCodecError('bad_envelope', `the message has no '${name}' header: not a relayed event`);
    return found;
  };
  const decoded = decodeEvent(message.value);
  const eventType = header(EVENT_HEADERS.eventType);
  const fingerprint = header(EVENT_HEADERS.schemaFingerprint);
  if (decoded.eventType !== eventType) {
    throw new AvroCodecError('bad_envelope', `header says ${eventType} but the body was written with ${decoded.eventType} v${decoded.version}`, { fingerprint, eventType });
  }
  const envelope = parseEnvelope(header(EVENT_HEADERS.envelope));
  return {
    eventId: header(EVENT_HEADERS.eventId),
    streamId: envelope.streamId ?? message.key,
    revision: envelope.revision,
    position: envelope.position,
    type: eventType,
    data: decoded.data,
    metadata: envelope.metadata,
    recordedAt: envelope.recordedAt,
  };
}

interface Envelope {
  readonly streamId?: string;
  readonly position: number;
  readonly revision: number;
  readonly recordedAt: string;
  readonly metadata: RecordedEvent['metadata'];
}

function parseEnvelope(text: string): Envelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AvroCodecError('bad_envelope', `the '${EVENT_HEADERS.envelope}' header is not JSON`, {}, { cause: error });
  }
  const bad = (what: string): never => {
    throw new AvroCodecError('bad_envelope', `the '${EVENT_HEADERS.envelope}' header ${what}`);
  };
  if (!isObject(parsed)) return bad('is not a JSON object');
  const { streamId, position, revision, recordedAt, metadata } = parsed;
  if (streamId !== undefined && typeof streamId !== 'string') return bad('has a streamId that is not a string');
  if (!Number.isSafeInteger(position) || (position as number) < 0) return bad('has no position (a non-negative integer)');
  if (!Number.isSafeInteger(revision) || (revision as number) < 0) return bad('has no revision (a non-negative integer)');
  if (typeof recordedAt !== 'string') return bad('has no recordedAt (a string)');
  if (!isObject(metadata)) return bad('has no metadata (a JSON object)');
  return {
    ...(streamId === undefined ? {} : { streamId }),
    position: position as number,
    revision: revision as number,
    recordedAt,
    metadata: metadata as RecordedEvent['metadata'],
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
