import { expect } from 'chai';
import avro from 'avsc';
import { GENESIS_HASH, sealEvents, verifyChain } from '../../../domain/shared/envelope.js';
import {
  AvroCodecError,
  canonicalForm,
  decodeEvent,
  encodeEvent,
  fingerprintHex,
  rabinFingerprint,
  SINGLE_OBJECT_MARKER,
} from '../../../engines/eventbus/avro-codec.js';
import { fromBusMessage, toBusMessage, topicFor } from '../../../engines/eventbus/event-message.js';
import { EVENT_HEADERS } from '../../../engines/eventbus/port.js';
import type { JsonObject, RecordedEvent } from '../../../engines/eventstore/port.js';
import { knownEventTypes, schemaVersions, upcast } from '../../../schemas/registry.js';

/** Vectors of the Avro project (share/test/data/schema-tests.txt): input schema, canonical form, signed 64-bit fingerprint. */
const AVRO_VECTORS: readonly [input: string, canonical: string, fingerprint: string][] = [
  ['"null"', '"null"', '7195948357588979594'],
  ['{"type":"int"}', '"int"', '8247732601305521295'],
  ['"string"', '"string"', '-8142146995180207161'],
  ['{"fields":[], "type":"record", "name":"foo", "namespace":"x.y"}', '{"name":"x.y.foo","type":"record","fields":[]}', '5916914534497305771'],
  [
    '{"fields":[{"type":"boolean","aliases":[],"name":"f1","default":true},{"order":"descending","name":"f2","doc":"Hello","type":"int"}],"type":"record","name":"foo"}',
    '{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"},{"name":"f2","type":"int"}]}',
    '-4860222112080293046',
  ],
  ['{"namespace":"x.y.z", "type":"enum", "name":"foo", "doc":"foo bar", "symbols":["A1", "A2"]}', '{"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]}', '-4448647247586288245'],
  ['{"name":"PigValue","type":"record","fields":[{"name":"value", "type":["null", "int", "long", "PigValue"]}]}', '{"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]}', '-1759257747318642341'],
];

function recorded(type: string, data: JsonObject, metadata: JsonObject = {}): RecordedEvent {
  return { eventId: 'e-1', streamId: 'tenant-t_1.t_1', revision: 0, position: 7, type, data, metadata, recordedAt: '2025-03-01T00:00:00.000Z' };
}

function expectCodecError(action: () => unknown, reason: string): void {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(AvroCodecError);
    expect((error as AvroCodecError).reason).to.equal(reason);
    return;
  }
  expect.fail(`expected an AvroCodecError (${reason})`);
}

describe('Avro single-object codec', () => {
  it("computes the Avro spec's canonical forms and CRC-64-AVRO fingerprints", () => {
    for (const [input, canonical, signed] of AVRO_VECTORS) {
      const type = avro.Type.forSchema(JSON.parse(input) as avro.Schema);
      expect(canonicalForm(type)).to.equal(canonical);
      expect(rabinFingerprint(canonical)).to.equal(BigInt.asUintN(64, BigInt(signed)), canonical);
    }
    expect(fingerprintHex(rabinFingerprint('"int"'))).to.equal('7275d51a3f395c8f');
  });

  it('gives the single-object header the Avro implementations write for "int"', () => {
    const header = Buffer.alloc(10);
    SINGLE_OBJECT_MARKER.copy(header);
    header.writeBigUInt64LE(rabinFingerprint('"int"'), 2);
    expect(header.toString('hex')).to.equal('c3018f5c393f1ad57572');
  });

  it('writes the marker and the little-endian fingerprint before the body, as the spec lays out', () => {
    const event = recorded('TenantRenamed', { tenantId: 't_1', name: 'Acme' });
    const { value, fingerprint } = encodeEvent(event);
    const type = schemaVersions('TenantRenamed')[0].type;
    expect(value.subarray(0, 2).equals(SINGLE_OBJECT_MARKER)).to.equal(true);
    expect(value.readBigUInt64LE(2)).to.equal(rabinFingerprint(canonicalForm(type)));
    expect(fingerprint).to.equal(fingerprintHex(rabinFingerprint(canonicalForm(type))));
    expect(value.subarray(10).equals(type.toBuffer({ tenantId: 't_1', name: 'Acme' }))).to.equal(true);
  });

  it('round-trips every registered event type and version, and finds the writer schema by fingerprint alone', () => {
    const fingerprints = new Set<string>();
    for (const eventType of knownEventTypes()) {
      for (const entry of schemaVersions(eventType)) {
        const data = JSON.parse(JSON.stringify(entry.type.random())) as JsonObject;
        const { value, fingerprint } = encodeEvent(recorded(eventType, data, { schemaVersion: entry.version }));
        fingerprints.add(fingerprint);
        const decoded = decodeEvent(value);
        expect({ eventType: decoded.eventType, version: decoded.version }).to.deep.equal({ eventType, version: entry.version });
        expect(decoded.data).to.deep.equal(data);
      }
    }
    expect(fingerprints.size).to.equal(knownEventTypes().reduce((sum, type) => sum + schemaVersions(type).length, 0));
  });

  it('encodes an event with the version it was stored with; the reader upcasts', () => {
    const v1 = recorded('TenantRegistered', { tenantId: 't_1', name: 'Acme' }, { schemaVersion: 1 });
    const decoded = decodeEvent(encodeEvent(v1).value);
    expect(decoded.version).to.equal(1);
    expect(upcast(decoded.eventType, decoded.version, decoded.data)).to.deep.equal({ tenantId: 't_1', name: 'Acme', dataRegion: 'global' });
  });

  it('refuses bad markers, unknown fingerprints, truncated bodies, unknown schemas and invalid data with typed errors', () => {
    const good = encodeEvent(recorded('TenantRenamed', { tenantId: 't_1', name: 'Acme' })).value;
    expectCodecError(() => decodeEvent(Buffer.from('{"json":true}')), 'bad_marker');
    expectCodecError(() => decodeEvent(good.subarray(0, 5)), 'bad_marker');
    const unknown = Buffer.from(good);
    unknown.writeBigUInt64LE(rabinFingerprint('"int"'), 2);
    expectCodecError(() => decodeEvent(unknown), 'unknown_fingerprint');
    expectCodecError(() => decodeEvent(good.subarray(0, good.length - 2)), 'bad_body');
    expectCodecError(() => encodeEvent(recorded('NoSuchEvent', {})), 'unknown_schema');
    expectCodecError(() => encodeEvent(recorded('TenantRenamed', {}, { schemaVersion: 9 })), 'unknown_schema');
    expectCodecError(() => encodeEvent(recorded('TenantRenamed', { tenantId: 't_1', name: 42 })), 'invalid_data');
  });
});

describe('relayed event messages', () => {
  const sealed = (): RecordedEvent[] => {
    const context = { tenantId: 't_ü', commandId: 'cmd-1', correlationId: 'corr-1', causationId: 'cmd-1', actor: 'admin', occurredAt: '2025-03-01T00:00:00.000Z' };
    const events = [
      { type: 'TenantRegistered', data: { tenantId: 't_ü', name: 'Ünïcode 🙂', dataRegion: 'eu' } },
      { type: 'TenantRenamed', data: { tenantId: 't_ü', name: 'Renamed' } },
    ];
    return sealEvents('tenant-t_ü.t_ü', events, context, { firstRevision: 0, prevHash: GENESIS_HASH }, (type) => (type === 'TenantRegistered' ? 2 : 1)).map((event, revision) => ({
      ...event,
      streamId: 'tenant-t_ü.t_ü',
      revision,
      position: 40 + revision,
      recordedAt: '2025-03-01T00:00:01.000Z',
    }));
  };

  it('carries the whole stored event: a consumer rebuilds it and can verify its hash chain', () => {
    const events = sealed();
    const messages = events.map((event) => toBusMessage(event));
    expect(messages[0].topic).to.equal('nexus.tenant');
    expect(messages[0].key).to.equal('tenant-t_ü.t_ü');
    expect(messages[0].headers[EVENT_HEADERS.tenantId]).to.equal('t_ü');
    expect(JSON.parse(messages[1].headers[EVENT_HEADERS.envelope]).position).to.equal(41);
    // The four spec headers on their own, the rest in one envelope; the stream id is the key.
    expect(Object.keys(messages[0].headers).sort()).to.deep.equal(
      [EVENT_HEADERS.envelope, EVENT_HEADERS.eventId, EVENT_HEADERS.eventType, EVENT_HEADERS.schemaFingerprint, EVENT_HEADERS.tenantId].sort(),
    );
    const rebuilt = messages.map(fromBusMessage);
    expect(rebuilt).to.deep.equal(events);
    expect(verifyChain(rebuilt)).to.equal(null);
  });

  it('refuses a message whose headers contradict its body, or that lacks them', () => {
    const [message] = sealed().map((event) => toBusMessage(event));
    expectCodecError(() => fromBusMessage({ ...message, headers: { ...message.headers, [EVENT_HEADERS.eventType]: 'TenantRenamed' } }), 'bad_envelope');
    expectCodecError(() => fromBusMessage({ ...message, headers: {} }), 'bad_envelope');
    expectCodecError(() => fromBusMessage({ ...message, headers: { ...message.headers, [EVENT_HEADERS.envelope]: '[1]' } }), 'bad_envelope');
    expectCodecError(() => fromBusMessage({ ...message, headers: { ...message.headers, [EVENT_HEADERS.envelope]: 'not json' } }), 'bad_envelope');
    const envelope = JSON.parse(message.headers[EVENT_HEADERS.envelope]) as Record<string, unknown>;
    for (const broken of [{ metadata: [1] }, { position: '41' }, { revision: -1 }, { recordedAt: null }, { streamId: 7 }]) {
      expectCodecError(() => fromBusMessage({ ...message, headers: { ...message.headers, [EVENT_HEADERS.envelope]: JSON.stringify({ ...envelope, ...broken }) } }), 'bad_envelope');
    }
    // A streamId in the envelope wins over the key (the relay never writes one: it is the key).
    expect(fromBusMessage({ ...message, key: 'other', headers: { ...message.headers, [EVENT_HEADERS.envelope]: JSON.stringify({ ...envelope, streamId: message.key }) } }).streamId).to.equal(message.key);
  });

  it('names topics after the stream category, and keeps them within what Kafka accepts', () => {
    expect(topicFor('policy-t_42.p_7')).to.equal('nexus.policy');
    expect(topicFor('inference-t.r-1')).to.equal('nexus.inference');
    expect(topicFor('nocategory')).to.equal('nexus.nocategory');
    expect(topicFor('wéird cat-x')).to.equal('nexus.w_ird_cat');
    expect(topicFor('-x')).to.equal('nexus._');
  });
});
