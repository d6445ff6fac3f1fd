import { ANY, BACKWARDS, END, FORWARDS, NO_STREAM, START, STREAM_EXISTS, type RecordedEvent as EsdbRecordedEvent } from '@eventstore/db-client';
import { expect } from 'chai';
import { describe, it } from 'mocha';
import { EventStoreUnavailableError } from '../../../engines/eventstore/eventstoredb/errors.js';
import {
  fromEsdbStreamMetadata,
  isSystemEvent,
  toEsdbExpectedRevision,
  toEsdbReadStreamOptions,
  toEsdbStreamMetadata,
  toEventData,
  toRecordedEvent,
} from '../../../engines/eventstore/eventstoredb/translate.js';

const EVENT_ID = '3f1c2a9e-8b4d-4c1e-9f00-0123456789ab';

function stored(overrides: Partial<Record<string, unknown>> = {}): EsdbRecordedEvent {
  return {
    streamId: 'policy-t_1.p_1',
    id: EVENT_ID,
    isJson: true,
    revision: 4n,
    type: 'PolicyVersionPublished',
    created: new Date('2025-03-04T05:06:07.089Z'),
    data: { version: 2, rules: ['a'] },
    metadata: { tenantId: 't_1', schemaVersion: 1 },
    position: { commit: 10_000n, prepare: 10_000n },
    ...overrides,
  } as EsdbRecordedEvent;
}

describe('EventStoreDB translation', () => {
  it('maps every expected revision to the client’s, exact revisions as bigint', () => {
    expect(toEsdbExpectedRevision('any')).to.equal(ANY);
    expect(toEsdbExpectedRevision('no_stream')).to.equal(NO_STREAM);
    expect(toEsdbExpectedRevision('stream_exists')).to.equal(STREAM_EXISTS);
    expect(toEsdbExpectedRevision(0)).to.equal(0n);
    expect(toEsdbExpectedRevision(41)).to.equal(41n);
  });

  it('turns a port event into a JSON event with the same id, type, data and metadata', () => {
    const event = toEventData({ eventId: EVENT_ID, type: 'ApiKeyIssued', data: { keyId: 'k', scopes: ['chat'] }, metadata: { actor: { id: 'u' } } });
    expect(event).to.deep.include({ id: EVENT_ID, contentType: 'application/json', type: 'ApiKeyIssued', data: { keyId: 'k', scopes: ['chat'] }, metadata: { actor: { id: 'u' } } });
  });

  it('refuses event ids that are not UUIDs, system ($) types, and data or metadata that are not JSON objects', () => {
    expect(() => toEventData({ eventId: 'cmd-1:0', type: 'T', data: {}, metadata: {} })).to.throw(TypeError, /UUID/);
    expect(() => toEventData({ eventId: EVENT_ID, type: 'T', data: [] as never, metadata: {} })).to.throw(TypeError, /data/);
    expect(() => toEventData({ eventId: EVENT_ID, type: 'T', data: {}, metadata: null as never })).to.throw(TypeError, /metadata/);
    expect(() => toEventData({ eventId: EVENT_ID, type: '$metadata', data: {}, metadata: {} }), 'it would be hidden as a system event').to.throw(TypeError, /reserves/);
  });

  it('reads a stored event back in the port’s shape: revision as number, odd position, recordedAt from created', () => {
    expect(toRecordedEvent(stored())).to.deep.equal({
      eventId: EVENT_ID,
      streamId: 'policy-t_1.p_1',
      revision: 4,
      position: 20_001,
      type: 'PolicyVersionPublished',
      data: { version: 2, rules: ['a'] },
      metadata: { tenantId: 't_1', schemaVersion: 1 },
      recordedAt: '2025-03-04T05:06:07.089Z',
    });
  });

  it('reads JSON held in binary events, and anything that is not a JSON object as {}', () => {
    const bytes = new TextEncoder().encode('{"from":"another tool"}');
    expect(toRecordedEvent(stored({ isJson: false, data: bytes, metadata: undefined }))).to.deep.include({ data: { from: 'another tool' }, metadata: {} });
    expect(toRecordedEvent(stored({ isJson: false, data: new TextEncoder().encode('not json') }))?.data).to.deep.equal({});
    expect(toRecordedEvent(stored({ data: [1, 2] }))?.data).to.deep.equal({});
  });

  it('hides system events: $-prefixed streams and $-prefixed types', () => {
    expect(toRecordedEvent(stored({ streamId: '$$policy-t_1.p_1', type: '$metadata' }))).to.equal(null);
    expect(toRecordedEvent(stored({ streamId: '$stats-127.0.0.1:2113' }))).to.equal(null);
    expect(toRecordedEvent(stored({ type: '$streamDeleted' }))).to.equal(null);
    expect(isSystemEvent('policy-t_1', 'PolicyCreated')).to.equal(false);
  });

  it('explains that servers older than 22.6 (no positions on stream reads) are not supported', () => {
    expect(() => toRecordedEvent(stored({ position: undefined }))).to.throw(EventStoreUnavailableError, /22\.6/);
  });

  it('maps read options: forwards from the start by default, backwards from the end, revisions as bigint, maxCount 0 as no read', () => {
    expect(toEsdbReadStreamOptions({})).to.deep.equal({ direction: FORWARDS, fromRevision: START });
    expect(toEsdbReadStreamOptions({ direction: 'backwards' })).to.deep.equal({ direction: BACKWARDS, fromRevision: END });
    expect(toEsdbReadStreamOptions({ direction: 'backwards', fromRevision: 3, maxCount: 2 })).to.deep.equal({ direction: BACKWARDS, fromRevision: 3n, maxCount: 2 });
    expect(toEsdbReadStreamOptions({ maxCount: 0 })).to.equal(null);
    expect(() => toEsdbReadStreamOptions({ fromRevision: -1 })).to.throw(RangeError);
    expect(() => toEsdbReadStreamOptions({ maxCount: -5 })).to.throw(RangeError);
  });

  it('stores maxAge/maxCount as EventStoreDB’s own limits and our free-form part under `custom`, and reads them back', () => {
    const metadata = { maxAge: 3600, maxCount: 100, custom: { legalHold: true, owners: ['ü'] } };
    expect(toEsdbStreamMetadata(metadata)).to.deep.equal(metadata);
    expect(toEsdbStreamMetadata({ custom: { legalHold: false } })).to.deep.equal({ custom: { legalHold: false } });
    expect(fromEsdbStreamMetadata({ maxAge: 3600, maxCount: 100, custom: { legalHold: true }, acl: { readRoles: ['$admins'] }, truncateBefore: 3 })).to.deep.equal({
      maxAge: 3600,
      maxCount: 100,
      custom: { legalHold: true },
    });
    expect(fromEsdbStreamMetadata(undefined), 'never set').to.equal(null);
    expect(fromEsdbStreamMetadata({}), 'set, empty').to.deep.equal({});
  });

  it('refuses limits EventStoreDB cannot enforce and custom metadata that is not an object', () => {
    expect(() => toEsdbStreamMetadata({ maxAge: 0 })).to.throw(RangeError, /maxAge/);
    expect(() => toEsdbStreamMetadata({ maxCount: 2.5 })).to.throw(RangeError, /maxCount/);
    expect(() => toEsdbStreamMetadata({ custom: 'gold' as never })).to.throw(TypeError);
  });
});
