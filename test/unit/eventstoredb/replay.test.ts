import { expect } from 'chai';
import { describe, it } from 'mocha';
import { ConflictError } from '../../../domain/shared/errors.js';
import { expectedRevisionHolds, findStoredAppend } from '../../../engines/eventstore/eventstoredb/replay.js';
import type { EventToAppend, RecordedEvent } from '../../../engines/eventstore/port.js';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const toAppend = (...ids: number[]): EventToAppend[] => ids.map((n) => ({ eventId: id(n), type: 'ThingHappened', data: {}, metadata: {} }));
/** A stream whose event at revision r has id `ids[r]` and position 100 + 2r + 1. */
const stream = (...ids: number[]): RecordedEvent[] =>
  ids.map((n, revision) => ({ eventId: id(n), streamId: 's-1', revision, position: 101 + 2 * revision, type: 'ThingHappened', data: {}, metadata: {}, recordedAt: '' }));

describe('EventStoreDB idempotent appends', () => {
  it('recognises a retry whose events sit in order in the stream, and reports the original result', () => {
    expect(findStoredAppend('s-1', stream(1, 2, 3, 4), toAppend(2, 3))).to.deep.equal({ nextExpectedRevision: 2, position: 105 });
    expect(findStoredAppend('s-1', stream(1, 2, 3, 4), toAppend(1, 2, 3, 4))).to.deep.equal({ nextExpectedRevision: 3, position: 107 });
  });

  it('compares ids case-insensitively (EventStoreDB reads UUIDs back lower-cased)', () => {
    const mixedCase = 'ABCDEF01-2345-4678-9ABC-DEF012345678';
    const stored = stream(7).map((event) => ({ ...event, eventId: mixedCase.toLowerCase() }));
    expect(findStoredAppend('s-1', stored, [{ eventId: mixedCase, type: 'ThingHappened', data: {}, metadata: {} }])).to.deep.equal({ nextExpectedRevision: 0, position: 101 });
  });

  it('finds nothing to replay when no id is stored, or for an append of no events', () => {
    expect(findStoredAppend('s-1', stream(1, 2), toAppend(3, 4))).to.equal(null);
    expect(findStoredAppend('s-1', [], toAppend(1))).to.equal(null);
    expect(findStoredAppend('s-1', stream(1), [])).to.equal(null);
  });

  it('refuses a partial overlap or events out of place with a duplicate-id conflict naming where the id is', () => {
    const refused = (storedIds: number[], appendIds: number[]) => {
      try {
        findStoredAppend('s-1', stream(...storedIds), toAppend(...appendIds));
      } catch (error) {
        return error;
      }
      return expect.fail(`${appendIds} over ${storedIds} was accepted`);
    };
    const partial = refused([1], [1, 2]);
    expect(partial).to.be.instanceOf(ConflictError).and.have.property('message').that.matches(/duplicate event id/i).and.contains('s-1@0');
    expect(refused([1, 2, 3], [3, 2])).to.be.instanceOf(ConflictError);
    expect(refused([1, 2, 3], [1, 3])).to.be.instanceOf(ConflictError);
    expect(refused([1, 2], [9, 2]), 'the first id is new, a later one is not').to.be.instanceOf(ConflictError).and.have.property('message').that.contains(id(2));
  });

  it('checks expected revisions as the port defines them (for appends of zero events)', () => {
    expect(expectedRevisionHolds('any', null) && expectedRevisionHolds('any', 4)).to.equal(true);
    expect([expectedRevisionHolds('no_stream', null), expectedRevisionHolds('no_stream', 0)]).to.deep.equal([true, false]);
    expect([expectedRevisionHolds('stream_exists', null), expectedRevisionHolds('stream_exists', 0)]).to.deep.equal([false, true]);
    expect([expectedRevisionHolds(1, 1), expectedRevisionHolds(1, 2), expectedRevisionHolds(0, null)]).to.deep.equal([true, false, false]);
  });
});
