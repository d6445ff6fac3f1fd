import { Client, errors, type estypes } from '@elastic/elasticsearch';
import { hybridTextWindow, reciprocalRankFusion } from '../fusion.js';
import {
  SearchIndexNotFoundError,
  SearchUnavailableError,
  physicalIndexName,
  type IndexMapping,
  type SearchDoc,
  type SearchHit,
  type SearchPort,
  type SearchQuery,
  type SearchResult,
  type WriteOptions,
} from '../port.js';
import { assertDocIdentity, assertMapping, assertName, assertQuery, assertVersion } from '../validate.js';
import { indexBody, knnRequest, sortValues, textRequest, type IndexLayout } from './dsl.js';
import { describeEngineError, errorForStatus, toSearchError } from './errors.js';

export interface ElasticsearchSearchOptions {
  /** e.g. http://127.0.0.1:19200 (NEXUS_ELASTICSEARCH_URL). */
  readonly node: string;
  /** Per request; default 30 s (a large bulk on a busy node takes seconds). */
  readonly requestTimeoutMs?: number;
  /** Where indexer checkpoints are kept; default `nexus-search-meta`. */
  readonly metaIndex?: string;
  /** Shards per index (default 1: one shard scores with whole-index statistics) and replicas (default 0: a single node stays green). */
  readonly layout?: Partial<IndexLayout>;
}

/** The URL without credentials, for error messages. */
function printable(node: string): string {
  try {
    const url = new URL(node);
    return url.origin;
  } catch {
    return JSON.stringify(node);
  }
}

/**
 * The Elasticsearch adapter (@elastic/elasticsearch 8.19). Read-after-write comes from
 * `refresh: true` on writes (or `refresh()`); everything else follows the engine's refresh
 * interval. Hybrid queries run the text and kNN halves as two requests and fuse them here.
 */
export class ElasticsearchSearch implements SearchPort {
  /** Targets known to exist: a bulk write to a missing name would auto-create an index with guessed mappings. */
  private readonly existing = new Set<string>();

  private constructor(
    private readonly client: Client,
    private readonly metaIndex: string,
    private readonly layout: IndexLayout,
  ) {}

  /**
   * Connects and checks `_cluster/health` (GET / is not allowed on every distribution), so
   * a wrong or unreachable URL is a start-up error naming the URL, not a later surprise.
   */
  static async connect(options: ElasticsearchSearchOptions): Promise<ElasticsearchSearch> {
    let client: Client;
    try {
      client = new Client({ node: options.node, requestTimeout: options.requestTimeoutMs ?? 30_000, maxRetries: 1 });
    } catch (error) {
      throw new SearchUnavailableError('connect', 'connection', { cause: error, detail: `invalid Elasticsearch URL ${printable(options.node)}` });
    }
    const metaIndex = assertName(options.metaIndex ?? 'nexus-search-meta', 'metaIndex');
    const search = new ElasticsearchSearch(client, metaIndex, { shards: options.layout?.shards ?? 1, replicas: options.layout?.replicas ?? 0 });
    try {
      await search.call('connect', undefined, () => client.cluster.health({ wait_for_status: 'yellow', timeout: '10s' }));
      await search.ensureMetaIndex();
    } catch (error) {
      await client.close();
      // The client's own message (ECONNREFUSED, timeout…), not our wrapper's, so the URL is named once.
      const root = error instanceof SearchUnavailableError && error.cause instanceof Error ? error.cause : error;
      const reason = root instanceof Error ? root.message : String(root);
      throw new SearchUnavailableError('connect', error instanceof SearchUnavailableError ? error.failure : 'server', {
        cause: error,
        detail: `Elasticsearch at ${printable(options.node)} did not answer _cluster/health: ${reason}`,
      });
    }
    return search;
  }

  async ensureIndex(alias: string, version: number, mapping: IndexMapping): Promise<string> {
    assertName(alias, 'alias');
    assertVersion(version);
    assertMapping(mapping);
    const physical = physicalIndexName(alias, version);
    await this.createIfMissing(physical, indexBody(mapping, this.layout));
    if ((await this.resolveAlias(alias)) === null) {
      await this.call('ensureIndex', physical, () => this.client.indices.updateAliases({ actions: [{ add: { index: physical, alias } }] }));
    }
    this.existing.add(alias);
    return physical;
  }

  async index(target: string, docs: readonly SearchDoc[], options: WriteOptions = {}): Promise<void> {
    docs.forEach(assertDocIdentity);
    const operations = docs.flatMap((doc) => [{ index: { _index: target, _id: doc.id } }, doc]);
    await this.bulk('index', target, operations, options);
  }

  async delete(target: string, ids: readonly string[], options: WriteOptions = {}): Promise<void> {
    await this.bulk('delete', target, ids.map((id) => ({ delete: { _index: target, _id: id } })), options);
  }

  async refresh(target: string): Promise<void> {
    await this.call('refresh', target, () => this.client.indices.refresh({ index: target }));
  }

  async search(target: string, query: SearchQuery): Promise<SearchResult> {
    const { size, from } = assertQuery(query);
    const run = (request: estypes.SearchRequest) => this.call('search', target, () => this.client.search<SearchDoc>(request));
    if (query.knn && query.text !== undefined) {
      const [text, knn] = await Promise.all([
        run(textRequest(target, query, { size: hybridTextWindow(query, size, from), from: 0 })),
        run(knnRequest(target, query, { size: query.knn.k, from: 0 })),
      ]);
      const fused = reciprocalRankFusion([hitsOf(text, 'relevance'), hitsOf(knn, 'relevance')]);
      return { hits: fused.slice(from, from + size), total: fused.length };
    }
    const response = await run(query.knn ? knnRequest(target, query, { size, from }) : textRequest(target, query, { size, from }));
    const order = query.sort ? 'field' : query.text !== undefined || query.knn ? 'relevance' : 'id';
    return { hits: hitsOf(response, order), total: totalOf(response) };
  }

  async resolveAlias(alias: string): Promise<string | null> {
    const indices = await this.aliasTargets(assertName(alias, 'alias'));
    return indices[0] ?? null;
  }

  async switchAlias(alias: string, physical: string): Promise<void> {
    assertName(alias, 'alias');
    const current = await this.aliasTargets(alias);
    const removals = current.filter((index) => index !== physical).map((index) => ({ remove: { index, alias } }));
    // One request: Elasticsearch applies all actions atomically, so no search sees no index or two.
    await this.call('switchAlias', physical, () => this.client.indices.updateAliases({ actions: [...removals, { add: { index: physical, alias } }] }));
    this.existing.add(alias);
  }

  async dropIndex(physical: string): Promise<void> {
    assertName(physical, 'index');
    this.existing.clear(); // aliases of the dropped index vanish with it
    await this.call('dropIndex', physical, () => this.client.indices.delete({ index: physical })).catch((error: unknown) => {
      if (!(error instanceof SearchIndexNotFoundError)) throw error;
    });
  }

  async getCheckpoint(name: string): Promise<number> {
    assertName(name, 'checkpoint');
    try {
      const found = await this.call('getCheckpoint', this.metaIndex, () => this.client.get<{ position: number }>({ index: this.metaIndex, id: name }));
      return found._source?.position ?? 0;
    } catch (error) {
      if (error instanceof SearchIndexNotFoundError) return 0; // 404: document (or meta index) not there
      throw error;
    }
  }

  async setCheckpoint(name: string, position: number): Promise<void> {
    assertName(name, 'checkpoint');
    await this.call('setCheckpoint', this.metaIndex, () => this.client.index({ index: this.metaIndex, id: name, document: { position } }));
  }

  async deleteCheckpoint(name: string): Promise<void> {
    assertName(name, 'checkpoint');
    await this.call('deleteCheckpoint', this.metaIndex, () => this.client.delete({ index: this.metaIndex, id: name })).catch((error: unknown) => {
      if (!(error instanceof SearchIndexNotFoundError)) throw error;
    });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async call<T>(operation: string, target: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toSearchError(operation, error, target);
    }
  }

  private async ensureMetaIndex(): Promise<void> {
    await this.createIfMissing(this.metaIndex, {
      settings: { number_of_shards: 1, number_of_replicas: this.layout.replicas },
      mappings: { dynamic: 'strict', properties: { position: { type: 'long' } } },
    });
  }

  private async createIfMissing(index: string, body: Pick<estypes.IndicesCreateRequest, 'settings' | 'mappings'>): Promise<void> {
    try {
      await this.client.indices.create({ index, ...body });
    } catch (error) {
      const exists = error instanceof errors.ResponseError && describeEngineError(error.body)?.type === 'resource_already_exists_exception';
      if (!exists) throw toSearchError('ensureIndex', error, index);
    }
    this.existing.add(index);
  }

  private async aliasTargets(alias: string): Promise<string[]> {
    try {
      return Object.keys(await this.call('resolveAlias', alias, () => this.client.indices.getAlias({ name: alias }))).sort();
    } catch (error) {
      if (error instanceof SearchIndexNotFoundError) return []; // 404 aliases_not_found
      throw error;
    }
  }

  private async assertExists(target: string): Promise<void> {
    if (this.existing.has(target)) return;
    const exists = await this.call('exists', target, () => this.client.indices.exists({ index: target }));
    if (!exists) throw new SearchIndexNotFoundError(target);
    this.existing.add(target);
  }

  /** One _bulk request; item failures are typed like whole-request failures (the worst one wins). */
  private async bulk(operation: string, target: string, operations: estypes.BulkRequest['operations'], options: WriteOptions): Promise<void> {
    if (!operations || operations.length === 0) return;
    await this.assertExists(target);
    const response = await this.call(operation, target, () => this.client.bulk({ operations, refresh: options.refresh === true }));
    if (!response.errors) return;
    const failed = response.items.flatMap((item) => Object.values(item)).filter((result) => result?.error !== undefined);
    const worst = failed.find((result) => result.status >= 500 || result.status === 429) ?? failed[0];
    if (!worst) return;
    throw errorForStatus(operation, worst.status, describeEngineError({ error: worst.error }), target);
  }
}

/** Scores only where relevance orders the hits; sort values only where a field does. */
function hitsOf(response: estypes.SearchResponse<SearchDoc>, order: 'relevance' | 'field' | 'id'): SearchHit[] {
  const relevance = order === 'relevance';
  return response.hits.hits.flatMap((hit): SearchHit[] => {
    if (hit._id === undefined || hit._source === undefined) return [];
    const sort = order === 'field' ? sortValues(hit.sort) : undefined;
    return [{ id: hit._id, score: relevance ? (hit._score ?? null) : null, doc: hit._source, ...(sort ? { sort } : {}) }];
  });
}

const totalOf = (response: estypes.SearchResponse<SearchDoc>): number => {
  const total = response.hits.total;
  return typeof total === 'number' ? total : (total?.value ?? 0);
};
