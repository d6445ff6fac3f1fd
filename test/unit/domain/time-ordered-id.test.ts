import { expect } from 'chai';
import { validate, version } from 'uuid';
import { timeOrderedUuid } from '../../../domain/shared/time-ordered-id.js';

describe('timeOrderedUuid', () => {
  it('is a valid RFC 9562 version 7 UUID carrying the time in milliseconds', () => {
    const at = Date.UTC(2026, 10, 27, 15, 30, 0, 123);
    const id = timeOrderedUuid(at);
    expect(validate(id)).to.equal(true);
    expect(version(id)).to.equal(7);
    expect(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)).to.equal(true);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).to.equal(at);
  });

  it('sorts ids of later milliseconds after earlier ones, as text', () => {
    const ids = [0, 1, 255, 256, 4096, 1_700_000_000_000, 1_800_000_000_001].map((ms) => timeOrderedUuid(ms));
    expect([...ids].sort()).to.deep.equal(ids);
  });

  it('never repeats within one millisecond', () => {
    const at = Date.now();
    const ids = new Set(Array.from({ length: 10_000 }, () => timeOrderedUuid(at)));
    expect(ids.size).to.equal(10_000);
  });
});
