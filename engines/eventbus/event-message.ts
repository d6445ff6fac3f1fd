import type { RecordedEvent } from '../eventstore/port.js';
import { AvroCodecError, decodeEvent, encodeEvent } from './avro-codec.js';
import { EVENT_HEADERS, type BusMessage } from './port.js';

/**
 * How an event-store event travels on the bus, both ways: topic `nexus.<category>` (the
 * stream id before its first '-'), key = stream id (so each stream keeps its order), value =
 * the data in Avro single-object encoding, and the envelope in headers (EVENT_HEADERS).
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
      [EVENT_HEADERS.streamId]: event.streamId,
      [EVENT_HEADERS.position]: String(event.position),
      [EVENT_HEADERS.revision]: String(event.revision),
      [EVENT_HEADERS.metadata]: JSON.stringify(event.metadata),
      [EVENT_HEADERS.recordedAt]: event.recordedAt,
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
  const metadata = parseObject(header(EVENT_HEADERS.metadata));
  return {
    eventId: header(EVENT_HEADERS.eventId),
    streamId: header(EVENT_HEADERS.streamId),
    revision: Number(header(EVENT_HEADERS.revision)),
    position: Number(header(EVENT_HEADERS.position)),
    type: eventType,
    data: decoded.data,
    metadata,
    recordedAt: header(EVENT_HEADERS.recordedAt),
  };
}

function parseObject(text: string): RecordedEvent['metadata'] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AvroCodecError('bad_envelope', `the '${EVENT_HEADERS.metadata}' header is not JSON`, {}, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new AvroCodecError('bad_envelope', `the '${EVENT_HEADERS.metadata}' header is not a JSON object`);
  return parsed as RecordedEvent['metadata'];
}
