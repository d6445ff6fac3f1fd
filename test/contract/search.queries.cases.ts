import { expect } from 'chai';
import { SearchQueryError, type SortValue } from '../../engines/search/port.js';
import { expectRejection, type Doc, type Scratch, twinOf } from './search.fixture.js';

/** Full text, filters and ranges, kNN, hybrid and pagination (search.contract.ts runs these per adapter). */
export function queryCases(get: () => Scratch): void {
  describe('full text', () => {
    const docs: Doc[] = [
      { id: 'short', title: 'solar panel' },
      { id: 'long', title: 'solar panel installation guide for beginners experts and everyone else in between' },
      { id: 'both', title: 'wind and solar farms' },
      { id: 'wind', title: 'wind turbines' },
      { id: 'none', title: 'hydro dams', body: 'rivers and reservoirs' },
    ];

    it('finds matching words case-insensitively and leaves out documents without them', async () => {
      await get().put(docs);
      expect(await get().ids({ text: 'SOLAR' })).to.have.members(['short', 'long', 'both']);
      expect(await get().ids({ text: 'reservoirs' }), 'every text field is searched').to.deep.equal(['none']);
    });

    it('ranks a match in a short field above the same match in a long one', async () => {
      await get().put(docs);
      const ids = await get().ids({ text: 'panel' });
      expect(ids).to.deep.equal(['short', 'long']);
    });

    it('ranks a document matching more of the words first, and "and" requires them all', async () => {
      await get().put(docs);
      expect((await get().ids({ text: 'wind solar' }))[0]).to.equal('both');
      expect(await get().ids({ text: 'wind solar', textOperator: 'and' })).to.deep.equal(['both']);
    });

    it('reports relevance scores in descending order', async () => {
      await get().put(docs);
      const { hits, total } = await get().search.search(get().alias, { tenantId: 't_alpha', text: 'solar' });
      expect(total).to.equal(3);
      const scores = hits.map((hit) => hit.score ?? -1);
      expect(scores.every((score) => score > 0)).to.equal(true);
      expect([...scores].sort((a, b) => b - a)).to.deep.equal(scores);
    });
  });

  describe('filters and ranges', () => {
    const docs: Doc[] = [
      { id: 'a', title: 'alpha report', kind: 'report', tags: ['red', 'blue'], rank: 1, at: '2025-03-01T00:00:00.000Z' },
      { id: 'b', title: 'beta report', kind: 'report', tags: ['green'], rank: 5, at: '2025-03-05T00:00:00.000Z' },
      { id: 'c', title: 'gamma memo', kind: 'memo', tags: ['blue'], rank: 10, at: '2025-03-10T00:00:00.000Z' },
      { id: 'd', title: 'delta memo', kind: 'memo', rank: 20 },
    ];

    it('matches exact terms, any of a list, and any value of a multi-valued field', async () => {
      await get().put(docs);
      expect(await get().ids({ filters: { kind: 'memo' } })).to.deep.equal(['c', 'd']);
      expect(await get().ids({ filters: { kind: ['memo', 'report'], tags: 'blue' } })).to.deep.equal(['a', 'c']);
      expect(await get().ids({ filters: { kind: 'Memo' } }), 'keywords are exact').to.deep.equal([]);
    });

    it('applies numeric and date ranges, bounds inclusive or exclusive as asked', async () => {
      await get().put(docs);
      expect(await get().ids({ ranges: { rank: { gte: 5, lt: 20 } } })).to.deep.equal(['b', 'c']);
      expect(await get().ids({ ranges: { at: { gt: '2025-03-01T00:00:00.000Z', lte: '2025-03-10T00:00:00.000Z' } } })).to.deep.equal(['b', 'c']);
    });

    it('combines text with filters and ranges', async () => {
      await get().put(docs);
      expect(await get().ids({ text: 'report memo', filters: { tags: 'blue' }, ranges: { rank: { lte: 10 } } })).to.have.members(['a', 'c']);
    });
  });

  const vectors: Doc[] = [
    { id: 'v1', kind: 'x', embedding: [1, 0, 0] },
    { id: 'v2', kind: 'y', embedding: [0.9, 0.2, 0] },
    { id: 'v3', kind: 'x', embedding: [0.6, 0.8, 0] },
    { id: 'v4', kind: 'x', embedding: [0, 0, 1] },
    { id: 'v5', kind: 'x', title: 'no vector at all' },
  ];

  describe('kNN', () => {
    it('returns the k nearest documents, nearest first', async () => {
      await get().put(vectors);
      const { hits } = await get().search.search(get().alias, { tenantId: 't_alpha', knn: { field: 'embedding', vector: [1, 0, 0], k: 3 } });
      expect(hits.map((hit) => hit.id)).to.deep.equal(['v1', 'v2', 'v3']);
      expect(hits[0].score).to.be.closeTo(1, 1e-3);
    });

    it('chooses the neighbours among documents that pass the filters', async () => {
      await get().put(vectors);
      expect(await get().ids({ knn: { field: 'embedding', vector: [1, 0, 0], k: 2 }, filters: { kind: 'x' } })).to.deep.equal(['v1', 'v3']);
    });

    it('refuses a vector of the wrong length and a field that holds no vectors', async () => {
      await get().put(vectors);
      await expectRejection(() => get().ids({ knn: { field: 'embedding', vector: [1, 0], k: 1 } }), SearchQueryError);
      await expectRejection(() => get().ids({ knn: { field: 'title', vector: [1, 0, 0], k: 1 } }), SearchQueryError);
    });
  });

  describe('hybrid (text + kNN, reciprocal rank fusion)', () => {
    it('puts the document that is strong in both lists first', async () => {
      await get().put([
        { id: 'textual', title: 'quarterly budget budget budget report', embedding: [0, 0, 1] },
        { id: 'balanced', title: 'budget report for the quarter and other matters', embedding: [0.95, 0.3, 0] },
        { id: 'vectorish', title: 'unrelated words', embedding: [1, 0, 0] },
      ]);
      const both = await get().ids({ text: 'budget', knn: { field: 'embedding', vector: [1, 0, 0], k: 2 } });
      expect(both[0]).to.equal('balanced');
      expect(both).to.have.members(['balanced', 'textual', 'vectorish']);
    });
  });

  describe('pagination', () => {
    const ranked: Doc[] = [3, 1, 4, 1.5, 5, 9, 2, 6].map((n, i) => ({ id: `p${i}`, title: 'page', rank: Math.round(n * 10) }));

    it('walks a field order page by page with searchAfter, ties broken by id', async () => {
      await get().put([...ranked, { id: 'p8', title: 'page', rank: 40 }]);
      const seen: string[] = [];
      let after: readonly SortValue[] | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await get().search.search(get().alias, { tenantId: 't_alpha', sort: { field: 'rank', direction: 'desc' }, size: 2, searchAfter: after });
        expect(result.total).to.equal(9);
        seen.push(...result.hits.map((hit) => hit.id));
        if (result.hits.length < 2) break;
        after = result.hits[result.hits.length - 1].sort;
      }
      expect(seen).to.deep.equal(['p5', 'p7', 'p4', 'p2', 'p8', 'p0', 'p6', 'p3', 'p1']);
    });

    it('puts documents without the sort field last, in either direction', async () => {
      await get().put([{ id: 'a', rank: 1 }, { id: 'b' }, { id: 'c', rank: 2 }]);
      expect(await get().ids({ sort: { field: 'rank', direction: 'asc' } })).to.deep.equal(['a', 'c', 'b']);
      expect(await get().ids({ sort: { field: 'rank', direction: 'desc' } })).to.deep.equal(['c', 'a', 'b']);
    });

    it('pages a relevance order with from and size', async () => {
      await get().put(ranked);
      const all = await get().ids({ text: 'page', size: 8 });
      const pages = [...(await get().ids({ text: 'page', size: 3 })), ...(await get().ids({ text: 'page', size: 3, from: 3 })), ...(await get().ids({ text: 'page', size: 3, from: 6 }))];
      expect(pages).to.deep.equal(all);
      expect(all).to.have.length(8);
    });

    it('refuses searchAfter without sort, and sort with knn', async () => {
      await get().put(ranked);
      await expectRejection(() => get().ids({ searchAfter: [1, 'p0'] }), SearchQueryError);
      await expectRejection(() => get().ids({ sort: { field: 'rank', direction: 'asc' }, knn: { field: 'embedding', vector: [1, 0, 0], k: 1 } }), SearchQueryError);
    });
  });

  describe('tenant isolation on every kind of query', () => {
    const mine: Doc[] = [
      { id: 'm1', title: 'budget alert raised', kind: 'alert', rank: 3, at: '2025-03-02T00:00:00.000Z', embedding: [1, 0, 0] },
      { id: 'm2', title: 'budget limit set', kind: 'limit', rank: 7, at: '2025-03-04T00:00:00.000Z', embedding: [0.8, 0.6, 0] },
    ];
    const queries = {
      'everything (filters only)': {},
      text: { text: 'budget' },
      'term filter': { filters: { kind: ['alert', 'limit'] } },
      range: { ranges: { rank: { gte: 0 }, at: { gte: '2025-01-01T00:00:00.000Z' } } },
      sorted: { sort: { field: 'rank', direction: 'asc' } },
      knn: { knn: { field: 'embedding', vector: [1, 0, 0], k: 10 } },
      hybrid: { text: 'budget', knn: { field: 'embedding', vector: [1, 0, 0], k: 10 } },
    } as const;

    for (const [kind, query] of Object.entries(queries)) {
      it(`${kind}: a tenant sees only its own documents, whatever the other tenant holds`, async () => {
        await get().put([...mine, ...twinOf(mine)]);
        expect(await get().ids(query)).to.have.members(['m1', 'm2']);
        expect(await get().ids({ ...query, tenantId: 't_beta' })).to.have.members(['xm1', 'xm2']);
        expect(await get().ids({ ...query, tenantId: 't_gamma' })).to.deep.equal([]);
      });
    }

    it('refuses a search without a tenant', async () => {
      await get().put(mine);
      await expectRejection(() => get().ids({ tenantId: '' }), SearchQueryError);
      const unscoped = { text: 'budget' } as unknown as Parameters<Scratch['search']['search']>[1];
      await expectRejection(() => get().search.search(get().alias, unscoped), SearchQueryError);
    });
  });
}
