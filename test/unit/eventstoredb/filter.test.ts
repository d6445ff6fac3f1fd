import { EVENT_TYPE, STREAM_NAME, type Position, type PrefixesFilter, type RegexFilter } from '@eventstore/db-client';
import { expect } from 'chai';
import { describe, it } from 'mocha';
import { buildFilter, validateCategories } from '../../../engines/eventstore/eventstoredb/filter.js';

const reached = (_subscription: unknown, _position: Position) => undefined;

describe('EventStoreDB subscription filters', () => {
  it("filters categories on the server by stream-name prefix, with the '-' that ends a category", () => {
    const filter = buildFilter({ categories: ['apikey', 'policy', 'apikey'] }, 500, reached) as PrefixesFilter;
    expect(filter).to.deep.include({ filterOn: STREAM_NAME, prefixes: ['apikey-', 'policy-'], maxSearchWindow: 500, checkpointInterval: 1 });
    expect(filter.checkpointReached).to.equal(reached);
    // 'pol' must not match 'policy-…': the prefix carries the dash.
    expect(buildFilter({ categories: ['pol'] }, 1, reached)).to.deep.include({ prefixes: ['pol-'] });
  });

  it('without categories, still filters on the server: system events are excluded by type', () => {
    const filter = buildFilter(undefined, 1, reached) as RegexFilter;
    expect(filter).to.deep.include({ filterOn: EVENT_TYPE, maxSearchWindow: 1, checkpointInterval: 1 });
    const excluded = new RegExp(filter.regex);
    expect(excluded.test('PolicyCreated')).to.equal(true);
    expect(excluded.test('$metadata')).to.equal(false);
    expect(excluded.test('$streamDeleted')).to.equal(false);
  });

  it('refuses what is not a category, and a window the server would refuse', () => {
    expect(() => validateCategories([])).to.throw(RangeError, /at least one/);
    for (const bad of ['', 'policy-t_1', '$ce']) expect(() => validateCategories([bad]), bad).to.throw(RangeError, /not a stream category/);
    expect(() => buildFilter(undefined, 0, reached)).to.throw(RangeError, /window/);
    expect(() => buildFilter(undefined, 1.5, reached)).to.throw(RangeError, /window/);
  });
});
