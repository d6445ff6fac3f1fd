import { expect } from 'chai';
import { SearchIndexNotFoundError, SearchQueryError } from '../../engines/search/port.js';
import { MAPPING, TENANT, expectRejection, fresh, scratch, type Scratch, type SearchFixture } from './search.fixture.js';
import { queryCases } from './search.queries.cases.js';

export type { SearchFixture } from './search.fixture.js';

/**
 * The specification of the search port (engines/search/port.ts). Every adapter runs this
 * same suite through nothing but the port; each test works in its own fresh alias (and
 * checkpoint names), so adapters may share one engine, and drops what it created.
 */
export function searchContract(name: string, factory: () => Promise<SearchFixture>): void {
  describe(`Search contract: ${name}`, () => {
    let fixture: SearchFixture | undefined;
    let current: Scratch | undefined;
    const created: string[] = [];
    const get = (): Scratch => current ?? expect.fail('the search fixture is only available inside a test');

    beforeEach(async () => {
      fixture = await factory();
      current = await scratch(fixture.search, created);
    });
    afterEach(async () => {
      for (const index of created.splice(0)) await fixture?.search.dropIndex(index);
      await fixture?.cleanup();
      fixture = undefined;
      current = undefined;
    });

    queryCases(get);

    describe('writes', () => {
      it('overwrites a document indexed again under the same id (idempotent re-index)', async () => {
        await get().put([{ id: 'a', title: 'original words', rank: 1 }]);
        await get().put([{ id: 'a', title: 'replacement text', rank: 2 }]);
        await get().put([{ id: 'a', title: 'replacement text', rank: 2 }]);
        const { hits, total } = await get().search.search(get().alias, { tenantId: TENANT });
        expect(total).to.equal(1);
        expect(hits[0].doc).to.include({ id: 'a', tenantId: TENANT, title: 'replacement text', rank: 2 });
        expect(await get().ids({ text: 'original' }), 'the old words are no longer indexed').to.deep.equal([]);
      });

      it('deletes by id and ignores ids it does not hold', async () => {
        await get().put([{ id: 'a', title: 'one' }, { id: 'b', title: 'two' }]);
        await get().search.delete(get().alias, ['a', 'never-there'], { refresh: true });
        expect(await get().ids({})).to.deep.equal(['b']);
      });

      it('makes writes visible to searches after refresh()', async () => {
        await get().search.index(get().alias, [{ id: 'late', tenantId: TENANT, title: 'eventually' }]);
        await get().search.refresh(get().alias);
        expect(await get().ids({ text: 'eventually' })).to.deep.equal(['late']);
      });

      it('refuses a document with a field outside the mapping, or without a tenant', async () => {
        await expectRejection(() => get().put([{ id: 'a', colour: 'red' }]), SearchQueryError);
        await expectRejection(() => get().search.index(get().alias, [{ id: 'b', tenantId: '' }]), SearchQueryError);
      });

      it('refuses writes and searches on an index that does not exist', async () => {
        const missing = fresh('missing');
        await expectRejection(() => get().put([{ id: 'a' }], missing), SearchIndexNotFoundError);
        await expectRejection(() => get().ids({}, missing), SearchIndexNotFoundError);
      });

      it('refuses index names an engine could misread (upper case, wildcards)', async () => {
        await expectRejection(() => get().search.ensureIndex('Bad*Name', 1, MAPPING), SearchQueryError);
      });
    });

    describe('versioned indexes behind an alias', () => {
      it('creates <alias>-v<N>, points a new alias at it, and is idempotent', async () => {
        const { search, alias } = get();
        expect(await search.resolveAlias(alias)).to.equal(`${alias}-v1`);
        await get().put([{ id: 'kept', title: 'still here' }]);
        expect(await search.ensureIndex(alias, 1, MAPPING)).to.equal(`${alias}-v1`);
        expect(await get().ids({})).to.deep.equal(['kept']);
      });

      it('switches the alias to a new version atomically; the old one can then be dropped', async () => {
        const { search, alias } = get();
        await get().put([{ id: 'old', title: 'version one' }]);
        const next = await search.ensureIndex(alias, 2, MAPPING);
        expect(next).to.equal(`${alias}-v2`);
        expect(await search.resolveAlias(alias), 'an existing alias stays where it was').to.equal(`${alias}-v1`);
        await get().put([{ id: 'new', title: 'version two' }], next);
        expect(await get().ids({})).to.deep.equal(['old']);

        await search.switchAlias(alias, next);
        expect(await search.resolveAlias(alias)).to.equal(next);
        expect(await get().ids({})).to.deep.equal(['new']);
        await search.dropIndex(`${alias}-v1`);
        await search.dropIndex(`${alias}-v1`); // dropping twice is no error
        expect(await get().ids({ text: 'version' })).to.deep.equal(['new']);
        await expectRejection(() => get().ids({}, `${alias}-v1`), SearchIndexNotFoundError);
      });

      it('reports no alias for a name never ensured', async () => {
        expect(await get().search.resolveAlias(fresh('nothing'))).to.equal(null);
      });
    });

    describe('checkpoints', () => {
      it('stores, reads and deletes a checkpoint (0 when never stored)', async () => {
        const { search } = get();
        const name = fresh('cp');
        expect(await search.getCheckpoint(name)).to.equal(0);
        await search.setCheckpoint(name, 42);
        await search.setCheckpoint(name, 4242);
        expect(await search.getCheckpoint(name)).to.equal(4242);
        await search.deleteCheckpoint(name);
        await search.deleteCheckpoint(name);
        expect(await search.getCheckpoint(name)).to.equal(0);
      });
    });
  });
}
