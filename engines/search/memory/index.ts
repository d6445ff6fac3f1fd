import { hybridTextWindow, reciprocalRankFusion } from '../fusion.js';
import {
  SearchIndexNotFoundError,
  SearchQueryError,
  physicalIndexName,
  type IndexMapping,
  type SearchDoc,
  type SearchHit,
  type SearchPort,
  type SearchQuery,
  type SearchResult,
  type SortValue,
  type WriteOptions,
} from '../port.js';
import { assertDocFits, assertMapping, assertName, assertQuery, assertVersion, assertVector } from '../validate.js';
import { compareKeys, cosineScore, kindOf, matchesRange, matchesTerm, sortValue } from './matching.js';
import { TextIndex } from './text-index.js';

interface PhysicalIndex {
  readonly mapping: IndexMapping;
  readonly docs: Map<string, SearchDoc>;
  readonly text: TextIndex;
}

const byScoreThenId = (a: SearchHit, b: SearchHit): number => (b.score ?? 0) - (a.score ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The embedded search engine: everything in this process's memory, nothing on disk. That
 * is enough because a search index is a projection: on start the indexer finds no
 * checkpoint (they live here too, see SearchPort.getCheckpoint) and rebuilds it from
 * position 0 of the event store. Writes are visible at once, so `refresh` is a no-op.
 * Search is exact: kNN is brute-force cosine over the tenant's filtered documents.
 */
export class MemorySearch implements SearchPort {
  private readonly indices = new Map<string, PhysicalIndex>();
  private readonly aliases = new Map<string, string>();
  private readonly checkpoints = new Map<string, number>();

  async ensureIndex(alias: string, version: number, mapping: IndexMapping): Promise<string> {
    assertName(alias, 'alias');
    assertVersion(version);
    assertMapping(mapping);
    const physical = physicalIndexName(alias, version);
    if (!this.indices.has(physical)) {
      const textFields = Object.entries(mapping.fields).filter(([, spec]) => spec.type === 'text').map(([field]) => field);
      this.indices.set(physical, { mapping: structuredClone(mapping), docs: new Map(), text: new TextIndex(textFields) });
    }
    if (!this.aliases.has(alias)) this.aliases.set(alias, physical);
    return physical;
  }

  /** Writes are visible at once, so `options.refresh` changes nothing here. */
  async index(target: string, docs: readonly SearchDoc[], _options?: WriteOptions): Promise<void> {
    const index = this.resolve(target);
    // Checked in full before the first write: in process, a refused batch writes nothing.
    docs.forEach((doc, i) => assertDocFits(doc, i, index.mapping));
    for (const doc of docs) {
      const copy = structuredClone(doc);
      index.docs.set(copy.id, copy);
      index.text.add(copy.id, copy);
    }
  }

  async delete(target: string, ids: readonly string[], _options?: WriteOptions): Promise<void> {
    const index = this.resolve(target);
    for (const id of ids) {
      index.docs.delete(id);
      index.text.remove(id);
    }
  }

  async refresh(target: string): Promise<void> {
    this.resolve(target);
  }

  async search(target: string, query: SearchQuery): Promise<SearchResult> {
    const { size, from } = assertQuery(query);
    const index = this.resolve(target);
    const candidates = [...index.docs.values()].filter((doc) => this.admits(index, doc, query));
    const textHits = query.text === undefined ? null : this.textHits(index, candidates, query);
    const knnHits = query.knn ? this.knnHits(index, candidates, query) : null;
    if (textHits && knnHits) {
      const fused = reciprocalRankFusion([textHits.slice(0, hybridTextWindow(query, size, from)), knnHits]);
      return { hits: fused.slice(from, from + size).map(copyHit), total: fused.length };
    }
    if (knnHits) return { hits: knnHits.slice(from, from + size).map(copyHit), total: knnHits.length };
    if (query.sort) return this.sorted(index, textHits?.map((hit) => hit.doc) ?? candidates, query, size, from);
    const hits = textHits ?? candidates.map((doc): SearchHit => ({ id: doc.id, score: null, doc })).sort(byScoreThenId);
    return { hits: hits.slice(from, from + size).map(copyHit), total: hits.length };
  }

  async resolveAlias(alias: string): Promise<string | null> {
    return this.aliases.get(assertName(alias, 'alias')) ?? null;
  }

  async switchAlias(alias: string, physical: string): Promise<void> {
    assertName(alias, 'alias');
    if (!this.indices.has(physical)) throw new SearchIndexNotFoundError(physical);
    this.aliases.set(alias, physical);
  }

  async dropIndex(physical: string): Promise<void> {
    this.indices.delete(physical);
    for (const [alias, target] of this.aliases) if (target === physical) this.aliases.delete(alias);
  }

  async getCheckpoint(name: string): Promise<number> {
    return this.checkpoints.get(assertName(name, 'checkpoint')) ?? 0;
  }

  async setCheckpoint(name: string, position: number): Promise<void> {
    this.checkpoints.set(assertName(name, 'checkpoint'), position);
  }

  async deleteCheckpoint(name: string): Promise<void> {
    this.checkpoints.delete(assertName(name, 'checkpoint'));
  }

  async close(): Promise<void> {
    this.indices.clear();
    this.aliases.clear();
    this.checkpoints.clear();
  }

  private resolve(target: string): PhysicalIndex {
    const index = this.indices.get(this.aliases.get(target) ?? target);
    if (!index) throw new SearchIndexNotFoundError(target);
    return index;
  }

  /** The tenant filter comes first and is not optional: it is this adapter's half of the isolation guarantee. */
  private admits(index: PhysicalIndex, doc: SearchDoc, query: SearchQuery): boolean {
    if (doc.tenantId !== query.tenantId) return false;
    for (const [field, wanted] of Object.entries(query.filters ?? {})) if (!matchesTerm(doc, index.mapping, field, wanted)) return false;
    for (const [field, range] of Object.entries(query.ranges ?? {})) if (!matchesRange(doc, index.mapping, field, range)) return false;
    return true;
  }

  private textHits(index: PhysicalIndex, candidates: readonly SearchDoc[], query: SearchQuery): SearchHit[] {
    const scores = index.text.search(query.text ?? '', query.textOperator ?? 'or');
    return candidates
      .filter((doc) => scores.has(doc.id))
      .map((doc): SearchHit => ({ id: doc.id, score: scores.get(doc.id) ?? 0, doc }))
      .sort(byScoreThenId);
  }

  private knnHits(index: PhysicalIndex, candidates: readonly SearchDoc[], query: SearchQuery): SearchHit[] {
    const knn = query.knn;
    if (!knn) return [];
    const spec = index.mapping.fields[knn.field];
    if (spec?.type !== 'dense_vector') throw new SearchQueryError(`'${knn.field}' is not a dense_vector field`, 'knn.field');
    assertVector(knn.vector, spec.dims, 'knn.vector');
    return candidates
      .filter((doc) => Array.isArray(doc[knn.field]))
      .map((doc): SearchHit => ({ id: doc.id, score: cosineScore(knn.vector, doc[knn.field] as readonly number[]), doc }))
      .sort(byScoreThenId)
      .slice(0, knn.k);
  }

  private sorted(index: PhysicalIndex, docs: readonly SearchDoc[], query: SearchQuery, size: number, from: number): SearchResult {
    const { field, direction } = query.sort ?? { field: 'id', direction: 'asc' };
    const kind = kindOf(index.mapping, field);
    if (kind === 'text' || kind === 'dense_vector') throw new SearchQueryError(`cannot sort on ${kind} field '${field}'`, 'sort.field');
    const keyed = docs.map((doc) => ({ doc, key: [sortValue(doc, index.mapping, field, direction), doc.id] as SortValue[] }));
    keyed.sort((a, b) => compareKeys(a.key, b.key, direction));
    const after = query.searchAfter;
    const page = (after ? keyed.filter(({ key }) => compareKeys(key, after, direction) > 0) : keyed).slice(from, from + size);
    return { hits: page.map(({ doc, key }) => ({ id: doc.id, score: null, doc: structuredClone(doc), sort: key })), total: keyed.length };
  }
}

const copyHit = (hit: SearchHit): SearchHit => ({ ...hit, doc: structuredClone(hit.doc) });
