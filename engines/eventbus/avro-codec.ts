import type avro from 'avsc';
import type { JsonObject, RecordedEvent } from '../eventstore/port.js';
import { knownEventTypes, schemaVersions } from '../../schemas/registry.js';

/**
 * Avro single-object encoding of event data (Avro specification, "Single object encoding"):
 * the two marker bytes C3 01, the 8-byte little-endian CRC-64-AVRO ("Rabin") fingerprint of
 * the writer schema's Parsing Canonical Form, then the Avro binary body. The fingerprint names
 * the exact schema (event type and version) the body was written with, so any reader holding
 * the schema registry can decode a message without a schema-registry service.
 *
 * avsc's own Type#fingerprint hashes with node:crypto algorithms (md5 by default) and has
 * no Rabin, so the fingerprint is computed here, over the canonical form that avsc's
 * Type#schema() returns (checked against the Avro test vectors in test/unit/eventbus).
 */
export const SINGLE_OBJECT_MARKER: Readonly<Buffer> = Buffer.from([0xc3, 0x01]);
const HEADER_BYTES = SINGLE_OBJECT_MARKER.length + 8;

export type AvroCodecFailure =
  | 'bad_marker' // the value is not single-object encoded
  | 'unknown_fingerprint' // no registered schema has the writer's fingerprint
  | 'unknown_schema' // the event's type and version have no registered schema
  | 'invalid_data' // the event's data does not fit its schema
  | 'bad_body' // the body does not decode with the writer schema
  | 'bad_envelope' // a relayed message lacks headers, or they contradict the body
  | 'fingerprint_collision'; // two registered schemas share one canonical form

/** An event could not be encoded, or a message could not be decoded; `reason` says which way. */
export class AvroCodecError extends Error {
  readonly kind = 'avro_codec';
  constructor(
    readonly reason: AvroCodecFailure,
    message: string,
    readonly context: { readonly fingerprint?: string; readonly eventType?: string; readonly version?: number; readonly eventId?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AvroCodecError';
  }
}

const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

/** The CRC-64-AVRO table: for each byte, its fingerprint step (the polynomial is EMPTY). */
const TABLE: readonly bigint[] = Array.from({ length: 256 }, (_, byte) => {
  let fp = BigInt(byte);
  for (let bit = 0; bit < 8; bit++) fp = (fp >> 1n) ^ (fp & 1n ? EMPTY : 0n);
  return fp;
});

/** CRC-64-AVRO of a text's UTF-8 bytes, as an unsigned 64-bit value. BigInt is slow, but this runs once per schema. */
export function rabinFingerprint(text: string): bigint {
  let fp = EMPTY;
  for (const byte of Buffer.from(text, 'utf8')) fp = ((fp >> 8n) ^ TABLE[Number((fp ^ BigInt(byte)) & 0xffn)]) & MASK;
  return fp;
}

/** The Parsing Canonical Form of a schema (full names, only the attributes parsing needs, fixed order). */
export function canonicalForm(type: avro.Type): string {
  return JSON.stringify(type.schema());
}

/** The fingerprint as 16 lowercase hex digits of the 64-bit value (as the Avro docs print it: `"int"` → 7275d51a3f395c8f). */
export function fingerprintHex(fingerprint: bigint): string {
  return fingerprint.toString(16).padStart(16, '0');
}

interface WriterSchema {
  readonly eventType: string;
  readonly version: number;
  readonly type: avro.Type;
  readonly fingerprint: string;
  /** Marker and little-endian fingerprint: the first 10 bytes of every message written with this schema. */
  readonly header: Buffer;
}

function writerSchema(eventType: string, version: number, type: avro.Type): WriterSchema {
  const fingerprint = rabinFingerprint(canonicalForm(type));
  const header = Buffer.alloc(HEADER_BYTES);
  SINGLE_OBJECT_MARKER.copy(header, 0);
  header.writeBigUInt64LE(fingerprint, SINGLE_OBJECT_MARKER.length);
  return { eventType, version, type, fingerprint: fingerprintHex(fingerprint), header };
}

interface SchemaIndex {
  readonly byFingerprint: ReadonlyMap<string, WriterSchema>;
  readonly byTypeAndVersion: ReadonlyMap<string, WriterSchema>;
}

let index: SchemaIndex | null = null;

/**
 * Every registered type and version, by fingerprint. Two versions with the same canonical form
 * (a bump that changed only docs or defaults) would make a message's version ambiguous: refused.
 */
function schemaIndex(): SchemaIndex {
  if (index !== null) return index;
  const byFingerprint = new Map<string, WriterSchema>();
  const byTypeAndVersion = new Map<string, WriterSchema>();
  for (const eventType of knownEventTypes()) {
    for (const entry of schemaVersions(eventType)) {
      const schema = writerSchema(eventType, entry.version, entry.type);
      const clash = byFingerprint.get(schema.fingerprint);
      if (clash) {
        throw new AvroCodecError('fingerprint_collision', `${eventType} v${entry.version} and ${clash.eventType} v${clash.version} have the same Avro canonical form (fingerprint ${schema.fingerprint}): give the new version a real change or drop it`, { fingerprint: schema.fingerprint });
      }
      byFingerprint.set(schema.fingerprint, schema);
      byTypeAndVersion.set(`${eventType}@${entry.version}`, schema);
    }
  }
  index = { byFingerprint, byTypeAndVersion };
  return index;
}

/** The schema version an event was written with: metadata.schemaVersion, 1 when absent (as toDomainEvent reads it). */
export function schemaVersionOf(event: RecordedEvent): number {
  const version = event.metadata.schemaVersion;
  return typeof version === 'number' ? version : 1;
}

export interface EncodedEvent {
  readonly value: Buffer;
  /** The writer schema's fingerprint, 16 hex digits (the `nexus-schema-fingerprint` header). */
  readonly fingerprint: string;
}

/** Encodes the event's data with the schema version it was stored with (never upcast: the bus carries what was written). */
export function encodeEvent(event: RecordedEvent): EncodedEvent {
  const version = schemaVersionOf(event);
  const schema = schemaIndex().byTypeAndVersion.get(`${event.type}@${version}`);
  const context = { eventType: event.type, version, eventId: event.eventId };
  if (schema === undefined) throw new AvroCodecError('unknown_schema', `no Avro schema is registered for ${event.type} v${version} (event ${event.eventId})`, context);
  let body: Buffer;
  try {
    body = schema.type.toBuffer(event.data);
  } catch (error) {
    throw new AvroCodecError('invalid_data', `event ${event.eventId} does not match its Avro schema ${event.type} v${version}`, { ...context, fingerprint: schema.fingerprint }, { cause: error });
  }
  return { value: Buffer.concat([schema.header, body], HEADER_BYTES + body.length), fingerprint: schema.fingerprint };
}

export interface DecodedEvent {
  readonly eventType: string;
  /** The writer's schema version; `upcast` (schemas/registry.ts) turns the data into the current shape. */
  readonly version: number;
  readonly data: JsonObject;
}

/** Reads the fingerprint of a single-object encoded message, refusing anything without the marker. */
export function fingerprintOf(buffer: Buffer): string {
  if (buffer.length < HEADER_BYTES || buffer[0] !== SINGLE_OBJECT_MARKER[0] || buffer[1] !== SINGLE_OBJECT_MARKER[1]) {
    throw new AvroCodecError('bad_marker', `not an Avro single-object message: it must start with C3 01 and a fingerprint (got ${buffer.subarray(0, 2).toString('hex') || 'nothing'}, ${buffer.length} bytes)`);
  }
  return fingerprintHex(buffer.readBigUInt64LE(SINGLE_OBJECT_MARKER.length));
}

export function decodeEvent(buffer: Buffer): DecodedEvent {
  const fingerprint = fingerprintOf(buffer);
  const schema = schemaIndex().byFingerprint.get(fingerprint);
  if (schema === undefined) throw new AvroCodecError('unknown_fingerprint', `no registered event schema has the fingerprint ${fingerprint}`, { fingerprint });
  let data: unknown;
  try {
    data = schema.type.fromBuffer(buffer.subarray(HEADER_BYTES));
  } catch (error) {
    throw new AvroCodecError('bad_body', `the body does not decode with ${schema.eventType} v${schema.version}`, { fingerprint, eventType: schema.eventType, version: schema.version }, { cause: error });
  }
  return { eventType: schema.eventType, version: schema.version, data: plain(data) as JsonObject };
}

/** avsc decodes records into instances of generated classes; readers get plain objects, as the event store gives them. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = plain((value as Record<string, unknown>)[key]);
  return copy;
}
