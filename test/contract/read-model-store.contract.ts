import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { ValidationError } from '../../domain/shared/errors.js';
import type { DeadLetter, Doc, FindQuery, ReadModelStore } from '../../engines/readmodel/port.js';

/**
 * The specification of the ReadModelStore port. Every adapter (embedded SQLite, MongoDB)
 * runs this same suite; it uses nothing but the port. Each test works in fresh
 * collection / checkpoint / projection names so adapters may share one database.
 */
export interface ReadModelStoreFixture {
  readonly store: ReadModelStore;
  cleanup(): Promise<void>;
}

const fresh = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

function doc(id: string, fields: Record<string, unknown> = {}): Doc {
  return { id, tenantId: 't_1', _position: 1, ...fields };
}

async function put(store: ReadModelStore, collection: string, docs: readonly Doc[]): Promise<void> {
  await store.commit(docs.map((d) => ({ collection, id: d.id, doc: d })), { name: fresh('cp'), position: 1 });
}

async function ids(store: ReadModelStore, collection: string, query: FindQuery): Promise<string[]> {
  return (await store.find(collection, query)).items.map((d) => d.id);
}

/** Walks every page of a query; returns the items in the order pages delivered them. */
async function walk(store: ReadModelStore, collection: string, query: FindQuery): Promise<Doc[]> {
  const all: Doc[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await store.find(collection, { ...query, after });
    all.push(...page.items);
    if (page.nextCursor === null) return all;
    after = page.nextCursor;
  }
  throw new Error('pagination did not terminate');
}

async function expectValidationError(action: () => Promise<unknown>, path?: string): Promise<void> {
  try {
    await action();
  } catch (error) {
    expect(error).to.be.instanceOf(ValidationError);
    if (path) expect((error as ValidationError).issues.map((i) => i.path)).to.include(path);
    return;
  }
  expect.fail('expected a ValidationError');
}

export function readModelStoreContract(name: string, factory: () => Promise<ReadModelStoreFixture>): void {
  describe(`ReadModelStore contract: ${name}`, () => {
    let fixture: ReadModelStoreFixture;
    let store: ReadModelStore;
    let collection: string;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
      collection = fresh('c');
    });
    afterEach(async () => fixture.cleanup());

    describe('documents and checkpoints', () => {
      it('returns null for a document that was never written', async () => {
        expect(await store.get(collection, 'nope')).to.equal(null);
      });

      it('stores documents with their checkpoint in one commit', async () => {
        const checkpoint = fresh('cp');
        const written = doc('a', { name: 'Acme', nested: { plan: 'pro', tags: ['x'] }, _position: 7 });
        await store.commit([{ collection, id: 'a', doc: written }], { name: checkpoint, position: 7 });
        expect(await store.get(collection, 'a')).to.deep.equal(written);
        expect(await store.getCheckpoint(checkpoint)).to.equal(7);
      });

      it('replaces a document and deletes it with a null write', async () => {
        await put(store, collection, [doc('a', { v: 1 })]);
        await put(store, collection, [doc('a', { v: 2 })]);
        expect(await store.get(collection, 'a')).to.deep.include({ v: 2 });
        await store.commit([{ collection, id: 'a', doc: null }], { name: fresh('cp'), position: 2 });
        expect(await store.get(collection, 'a')).to.equal(null);
      });

      it('keeps collections apart', async () => {
        const other = fresh('c');
        await put(store, collection, [doc('a', { v: 1 })]);
        await put(store, other, [doc('a', { v: 2 })]);
        expect(await store.get(collection, 'a')).to.deep.include({ v: 1 });
        expect(await store.get(other, 'a')).to.deep.include({ v: 2 });
      });

      it('reports 0 for an unknown checkpoint, moves it and deletes it', async () => {
        const checkpoint = fresh('cp');
        expect(await store.getCheckpoint(checkpoint)).to.equal(0);
        await store.commit([], { name: checkpoint, position: 3 });
        await store.commit([], { name: checkpoint, position: 9 });
        expect(await store.getCheckpoint(checkpoint)).to.equal(9);
        await store.deleteCheckpoint(checkpoint);
        expect(await store.getCheckpoint(checkpoint)).to.equal(0);
      });

      it('drops one collection and leaves the others', async () => {
        const other = fresh('c');
        await put(store, collection, [doc('a'), doc('b')]);
        await put(store, other, [doc('a')]);
        await store.dropCollection(collection);
        expect(await store.get(collection, 'a')).to.equal(null);
        expect((await store.find(collection, { limit: 10 })).items).to.deep.equal([]);
        expect(await store.get(other, 'a')).to.not.equal(null);
      });
    });

    describe('find filters', () => {
      beforeEach(async () => {
        await put(store, collection, [
          doc('a', { status: 'active', plan: 'pro', seats: 5, trial: true, at: '2025-01-01T00:00:00Z', owner: null }),
          doc('b', { status: 'active', plan: 'free', seats: 1, trial: false, at: '2025-02-01T00:00:00Z', owner: 'x' }),
          doc('c', { status: 'suspended', plan: 'pro', seats: 20, trial: false, at: '2025-03-01T00:00:00Z', owner: 'y' }),
          doc('d', { status: 'closed', plan: 'team', seats: '5', at: '2025-04-01T00:00:00Z', owner: 'z' }),
        ]);
      });

      it('filters by equality on strings, numbers, booleans and null', async () => {
        expect(await ids(store, collection, { filter: { status: 'active' }, limit: 10 })).to.deep.equal(['a', 'b']);
        expect(await ids(store, collection, { filter: { seats: 5 }, limit: 10 }), 'the number 5, not the string').to.deep.equal(['a']);
        expect(await ids(store, collection, { filter: { seats: '5' }, limit: 10 })).to.deep.equal(['d']);
        expect(await ids(store, collection, { filter: { trial: false }, limit: 10 })).to.deep.equal(['b', 'c']);
        expect(await ids(store, collection, { filter: { owner: null }, limit: 10 })).to.deep.equal(['a']);
        expect(await ids(store, collection, { filter: { trial: null }, limit: 10 }), 'null matches a missing field').to.deep.equal(['d']);
      });

      it('combines filters with AND', async () => {
        expect(await ids(store, collection, { filter: { status: 'active', plan: 'pro' }, limit: 10 })).to.deep.equal(['a']);
      });

      it('filters by membership', async () => {
        expect(await ids(store, collection, { filter: { plan: { in: ['pro', 'team'] } }, limit: 10 })).to.deep.equal(['a', 'c', 'd']);
        expect(await ids(store, collection, { filter: { plan: { in: [] } }, limit: 10 })).to.deep.equal([]);
        expect(await ids(store, collection, { filter: { seats: { in: [1, 20] } }, limit: 10 })).to.deep.equal(['b', 'c']);
      });

      it('filters by inclusive ranges on numbers and on ISO timestamps', async () => {
        expect(await ids(store, collection, { filter: { seats: { gte: 5 } }, limit: 10 }), 'the string "5" is not a number').to.deep.equal(['a', 'c']);
        expect(await ids(store, collection, { filter: { seats: { gte: 1, lte: 5 } }, limit: 10 })).to.deep.equal(['a', 'b']);
        expect(await ids(store, collection, { filter: { at: { gte: '2025-02-01T00:00:00Z', lte: '2025-03-01T00:00:00Z' } }, limit: 10 })).to.deep.equal(['b', 'c']);
        expect(await ids(store, collection, { filter: { at: { lte: '2025-01-15' } }, limit: 10 })).to.deep.equal(['a']);
      });

      it('filters on id', async () => {
        expect(await ids(store, collection, { filter: { id: { in: ['b', 'd', 'zz'] } }, limit: 10 })).to.deep.equal(['b', 'd']);
      });

      it('rejects field names that are not plain identifiers', async () => {
        await expectValidationError(() => store.find(collection, { filter: { "x') OR 1=1 --": 'a' }, limit: 10 }));
        await expectValidationError(() => store.find(collection, { filter: { $where: 'a' }, limit: 10 }));
        await expectValidationError(() => store.find(collection, { sort: { field: 'a.b', direction: 'asc' }, limit: 10 }));
      });

      it('rejects malformed filters and limits', async () => {
        const bogus = { status: { regex: '.*' } } as unknown as FindQuery['filter'];
        await expectValidationError(() => store.find(collection, { filter: bogus, limit: 10 }));
        await expectValidationError(() => store.find(collection, { filter: { seats: { gte: 1, lte: 'z' } }, limit: 10 }));
        await expectValidationError(() => store.find(collection, { limit: 0 }), 'limit');
      });
    });

    describe('find order and pagination', () => {
      const docs = Array.from({ length: 23 }, (_, i) => doc(`d${String(i).padStart(2, '0')}`, { rank: i % 4, name: `n${(i * 7) % 23}`, even: i % 2 === 0 }));
      beforeEach(async () => put(store, collection, docs));

      it('defaults to id ascending', async () => {
        expect(await ids(store, collection, { limit: 3 })).to.deep.equal(['d00', 'd01', 'd02']);
      });

      it('sorts ascending and descending, breaking ties by id in the same direction', async () => {
        const asc = (await store.find(collection, { sort: { field: 'rank', direction: 'asc' }, limit: 100 })).items;
        expect(asc.map((d) => d.id)).to.deep.equal([...docs].sort((a, b) => Number(a.rank) - Number(b.rank) || a.id.localeCompare(b.id)).map((d) => d.id));
        const desc = (await store.find(collection, { sort: { field: 'rank', direction: 'desc' }, limit: 100 })).items;
        expect(desc.map((d) => d.id)).to.deep.equal(asc.map((d) => d.id).reverse());
        const byName = (await store.find(collection, { sort: { field: 'name', direction: 'desc' }, limit: 100 })).items;
        expect(byName.map((d) => d.name)).to.deep.equal(docs.map((d) => String(d.name)).sort().reverse());
      });

      for (const direction of ['asc', 'desc'] as const) {
        it(`walks every page ${direction} without duplicates or gaps, across ties on the sort field`, async () => {
          const walked = await walk(store, collection, { sort: { field: 'rank', direction }, limit: 4 });
          const walkedIds = walked.map((d) => d.id);
          expect(new Set(walkedIds).size, 'no duplicates').to.equal(walkedIds.length);
          expect([...walkedIds].sort(), 'no gaps').to.deep.equal(docs.map((d) => d.id));
          const ranks = walked.map((d) => Number(d.rank));
          const sorted = [...ranks].sort((a, b) => (direction === 'asc' ? a - b : b - a));
          expect(ranks).to.deep.equal(sorted);
        });
      }

      it('paginates a filtered query and ends with a null cursor', async () => {
        const first = await store.find(collection, { filter: { even: true }, sort: { field: 'name', direction: 'asc' }, limit: 5 });
        expect(first.items).to.have.length(5);
        expect(first.nextCursor).to.be.a('string');
        const walked = await walk(store, collection, { filter: { even: true }, sort: { field: 'name', direction: 'asc' }, limit: 5 });
        expect(walked.map((d) => d.id).sort()).to.deep.equal(docs.filter((d) => d.even).map((d) => d.id));
        const exact = await store.find(collection, { filter: { even: true }, limit: 12 });
        expect(exact.nextCursor, 'a page that holds the rest has no next cursor').to.equal(null);
      });

      it('pages over documents missing the sort field', async () => {
        const extra = fresh('c');
        await put(store, extra, [doc('a', { rank: 2 }), doc('b'), doc('c', { rank: 1 }), doc('d'), doc('e', { rank: 2 })]);
        for (const direction of ['asc', 'desc'] as const) {
          const walked = await walk(store, extra, { sort: { field: 'rank', direction }, limit: 2 });
          expect(walked.map((d) => d.id).sort()).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
        }
      });

      it('rejects an invalid cursor with a ValidationError on cursor', async () => {
        await expectValidationError(() => store.find(collection, { limit: 2, after: 'not a cursor!' }), 'cursor');
        await expectValidationError(() => store.find(collection, { limit: 2, after: Buffer.from('{"x":1}').toString('base64url') }), 'cursor');
        await expectValidationError(() => store.find(collection, { limit: 2, after: 'AAAA' }), 'cursor');
      });

      it('rejects a cursor issued for another sort order', async () => {
        const page = await store.find(collection, { sort: { field: 'rank', direction: 'asc' }, limit: 2 });
        expect(page.nextCursor).to.be.a('string');
        await expectValidationError(() => store.find(collection, { sort: { field: 'name', direction: 'asc' }, limit: 2, after: page.nextCursor ?? '' }), 'cursor');
      });
    });

    describe('indexes', () => {
      it('ensureIndexes is idempotent and queries keep working', async () => {
        await store.ensureIndexes(collection, ['tenantId', 'status', 'createdAt']);
        await store.ensureIndexes(collection, ['tenantId', 'status', 'createdAt']);
        await put(store, collection, [doc('a', { status: 'x', createdAt: '2025' }), doc('b', { status: 'y' })]);
        expect(await ids(store, collection, { filter: { tenantId: 't_1', status: 'x' }, sort: { field: 'createdAt', direction: 'desc' }, limit: 5 })).to.deep.equal(['a']);
      });

      it('rejects index fields that are not plain identifiers', async () => {
        await expectValidationError(() => store.ensureIndexes(collection, ['ok', 'bad field']));
      });
    });

    describe('aliases', () => {
      it('returns null for an unknown alias, then points it and switches it', async () => {
        const alias = fresh('alias');
        expect(await store.getAlias(alias)).to.equal(null);
        await store.setAlias(alias, `${alias}_v1`);
        expect(await store.getAlias(alias)).to.equal(`${alias}_v1`);
        await store.setAlias(alias, `${alias}_v2`);
        expect(await store.getAlias(alias)).to.equal(`${alias}_v2`);
      });
    });

    describe('dead letters', () => {
      const letter = (projection: string, position: number): DeadLetter => ({
        projection,
        position,
        streamId: 'tenant-t_1.x',
        eventId: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
        eventType: 'TenantCreated',
        error: `boom at ${position}`,
        failedAt: '2025-01-01T00:00:00.000Z',
      });

      it('lists a projection’s dead letters oldest first, up to the limit', async () => {
        const projection = fresh('p');
        await store.addDeadLetter(letter(projection, 9));
        await store.addDeadLetter(letter(projection, 4));
        await store.addDeadLetter(letter(fresh('p'), 5));
        expect(await store.listDeadLetters(projection, 10)).to.deep.equal([letter(projection, 4), letter(projection, 9)]);
        expect(await store.listDeadLetters(projection, 1)).to.deep.equal([letter(projection, 4)]);
        expect(await store.listDeadLetters(fresh('p'), 10)).to.deep.equal([]);
      });

      it('records the same failed position once (a re-applied batch does not duplicate it)', async () => {
        const projection = fresh('p');
        await store.addDeadLetter(letter(projection, 4));
        await store.addDeadLetter(letter(projection, 4));
        expect(await store.listDeadLetters(projection, 10)).to.have.length(1);
      });
    });
  });
}
