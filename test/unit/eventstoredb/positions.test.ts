import { expect } from 'chai';
import { describe, it } from 'mocha';
import {
  MAX_COMMIT_POSITION,
  UnrepresentablePositionError,
  eventPositionToPort,
  portToEsdbPosition,
  scanPositionToPort,
} from '../../../engines/eventstore/eventstoredb/positions.js';

const at = (commit: bigint, prepare = commit) => ({ commit, prepare });

describe('EventStoreDB positions ↔ port positions', () => {
  it('maps an event at {C, C} to 2C + 1 and a "before record C" checkpoint {C, 0} to 2C', () => {
    expect(eventPositionToPort(at(1_000n))).to.equal(2_001);
    expect(scanPositionToPort(at(1_000n))).to.equal(2_001);
    expect(scanPositionToPort(at(1_000n, 0n))).to.equal(2_000);
    expect(eventPositionToPort(at(0n)), 'positions are 1-based').to.equal(1);
  });

  it("keeps EventStoreDB's order: {C,0} < {C,C} < {C',0} < {C',C'} for C < C'", () => {
    const ordered = [at(500n, 0n), at(500n), at(612n, 0n), at(612n), at(613n, 0n)].map(scanPositionToPort);
    for (let i = 1; i < ordered.length; i++) expect(ordered[i]).to.be.greaterThan(ordered[i - 1]!);
  });

  it('turns every port number back into the position it came from, so a stored checkpoint resumes exactly there', () => {
    for (const position of [at(1n), at(987_654_321n), at(987_654_321n, 0n), at(MAX_COMMIT_POSITION), at(MAX_COMMIT_POSITION, 0n)]) {
      expect(portToEsdbPosition(scanPositionToPort(position))).to.deep.equal(position);
    }
    expect(portToEsdbPosition(0), '0 reads from the beginning').to.equal('start');
  });

  it("makes one below an event's position the boundary before its record, where a read finds that event first", () => {
    const event = eventPositionToPort(at(4_242n));
    expect(portToEsdbPosition(event - 1)).to.deep.equal(at(4_242n, 0n));
  });

  it('refuses positions beyond what a safe integer can carry instead of rounding them', () => {
    expect(eventPositionToPort(at(MAX_COMMIT_POSITION))).to.equal(Number.MAX_SAFE_INTEGER);
    expect(() => eventPositionToPort(at(MAX_COMMIT_POSITION + 1n))).to.throw(UnrepresentablePositionError, /largest/);
    expect(() => scanPositionToPort(at(MAX_COMMIT_POSITION + 1n, 0n))).to.throw(UnrepresentablePositionError);
  });

  it('refuses events of legacy explicit transactions (shared commit, distinct prepares) and malformed positions', () => {
    expect(() => eventPositionToPort(at(900n, 700n))).to.throw(UnrepresentablePositionError, /explicit transaction/);
    expect(() => scanPositionToPort(at(900n, 700n))).to.throw(UnrepresentablePositionError);
    expect(() => scanPositionToPort(at(-2n))).to.throw(UnrepresentablePositionError, /negative/);
  });

  it('refuses port numbers that are not non-negative safe integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) expect(() => portToEsdbPosition(bad), String(bad)).to.throw(RangeError);
  });
});
