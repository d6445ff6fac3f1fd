import { NotFoundError, ValidationError } from '../../domain/shared/errors.js';

/**
 * The search port: full text, exact filters, ranges and vector (kNN) search over
 * tenant-owned documents. The in-process adapter (engines/search/memory) and the
 * Elasticsearch adapter (engines/search/elasticsearch) both implement it and both pass
 * test/contract/search.contract.ts.
 *
 * Guarantees every adapter gives:
 * - every search is tenant-scoped: `SearchQuery.tenantId` is required (and must be
 *   non-empty), and the adapter adds the tenant filter itself to every part of the query —
 *   text, filters, kNN and both halves of a hybrid — so a caller cannot forget it;
 * - every document carries a non-empty `tenantId` and only the fields its mapping declares
 *   (plus `id` and `tenantId`, which every mapping has as keywords); a document that does
 *   not fit is refused with SearchQueryError (the rest of its batch may have been written);
 * - indexing is idempotent by id: the same id overwrites, so replaying a batch after a crash
 *   is harmless. A failed `index` call may have written part of its batch;
 * - with `refresh: true` (or after `refresh()`), a write is visible to the next search
 *   (read-after-write); without it, visibility follows the engine's own refresh cycle;
 * - indexes are versioned: an alias `a` names the live physical index `a-v<N>`; searches
 *   and writes accept either name, and `switchAlias` moves the alias in one atomic step, so
 *   a reader sees version N or N+1, never a mix and never nothing;
 * - when the engine cannot answer (down, timed out, 5xx) a call rejects with
 *   SearchUnavailableError; a request the engine refuses as malformed rejects with
 *   SearchQueryError (HTTP 400); a missing index with SearchIndexNotFoundError (404).
 *
 * Text analysis is the engine's own (Elasticsearch's standard analyzer; a lowercase, Unicode
 * word split in process), so scores differ between adapters; the order of clearly better
 * and worse matches does not, and that is all the contract relies on.
 */

export type FieldType = 'keyword' | 'text' | 'date' | 'long' | 'dense_vector';

export type FieldMapping =
  | { readonly type: 'keyword' | 'text' | 'date' | 'long' }
  /** Compared by cosine similarity; a zero vector has no direction and is refused. */
  | { readonly type: 'dense_vector'; readonly dims: number };

/** Declared fields of an index; `id` and `tenantId` are implicit keywords. Field names: letters, digits, `_`, `.`. */
export interface IndexMapping {
  readonly fields: Readonly<Record<string, FieldMapping>>;
}

export type TermValue = string | number | boolean;

/** A document field: a scalar, a list of scalars (matched when any element matches), a vector, or null. */
export type FieldValue = TermValue | readonly TermValue[] | null;

export interface SearchDoc {
  readonly id: string;
  readonly tenantId: string;
  readonly [field: string]: FieldValue;
}

export interface RangeFilter {
  readonly gt?: number | string;
  readonly gte?: number | string;
  readonly lt?: number | string;
  readonly lte?: number | string;
}

export interface KnnQuery {
  /** A dense_vector field of the mapping. */
  readonly field: string;
  readonly vector: readonly number[];
  /** How many nearest documents (after filters) take part in the result. */
  readonly k: number;
  /** Candidates the engine examines per shard (≥ k); approximate engines trade recall for speed with it. Default: max(100, 2k). */
  readonly numCandidates?: number;
}

export type SortValue = string | number | null;

export interface SearchQuery {
  /** The tenant whose documents are searched. Required: there is no unscoped search. */
  readonly tenantId: string;
  /** Full text over the mapping's text fields (best field wins). */
  readonly text?: string;
  /** 'or' (default): one of the words suffices, more of them rank higher; 'and': every word must match. */
  readonly textOperator?: 'and' | 'or';
  /** Exact matches on keyword / long / date fields; a list matches any of its values. */
  readonly filters?: Readonly<Record<string, TermValue | readonly TermValue[]>>;
  readonly ranges?: Readonly<Record<string, RangeFilter>>;
  /**
   * Nearest neighbours under the same tenant, filters and ranges. With `text` as well the
   * search is hybrid: both result lists are fused by reciprocal rank (see fusion.ts).
   */
  readonly knn?: KnnQuery;
  /** Page size, 0..1000; default 10. */
  readonly size?: number;
  /** Offset pagination (from + size ≤ 10,000). */
  readonly from?: number;
  /**
   * Field order instead of relevance (not with knn); ties are broken by id ascending.
   * Documents without the field come last in both directions.
   */
  readonly sort?: { readonly field: string; readonly direction: 'asc' | 'desc' };
  /** Keyset pagination with `sort`: the `sort` values of the previous page's last hit. */
  readonly searchAfter?: readonly SortValue[];
}

export interface SearchHit {
  readonly id: string;
  /** Relevance (higher is better); null when the result is in field order. */
  readonly score: number | null;
  readonly doc: SearchDoc;
  /** With `sort`: the values to pass as `searchAfter` to continue after this hit. */
  readonly sort?: readonly SortValue[];
}

export interface SearchResult {
  readonly hits: readonly SearchHit[];
  /** Matching documents in all (for knn: among the k nearest; hybrid: in the fused list). */
  readonly total: number;
}

export interface WriteOptions {
  /** Make the writes visible to searches before the call returns (read-after-write). */
  readonly refresh?: boolean;
}

export interface SearchPort {
  /**
   * Creates the physical index `<alias>-v<version>` with the mapping unless it exists (a
   * changed mapping needs a new version), and points the alias at it if the alias does not
   * exist yet. Returns the physical name.
   */
  ensureIndex(alias: string, version: number, mapping: IndexMapping): Promise<string>;
  /** Writes (or overwrites, by id) documents into an alias or a physical index. */
  index(target: string, docs: readonly SearchDoc[], options?: WriteOptions): Promise<void>;
  /** Removes documents by id; unknown ids are ignored. */
  delete(target: string, ids: readonly string[], options?: WriteOptions): Promise<void>;
  /** Makes every write so far visible to searches. */
  refresh(target: string): Promise<void>;
  search(target: string, query: SearchQuery): Promise<SearchResult>;
  /** The physical index the alias names, or null. */
  resolveAlias(alias: string): Promise<string | null>;
  /** Points the alias at `physical` (and nothing else), atomically. */
  switchAlias(alias: string, physical: string): Promise<void>;
  /** Deletes a physical index; a missing one is no error. */
  dropIndex(physical: string): Promise<void>;
  /**
   * Indexer checkpoints live in the search engine itself, beside the documents they
   * describe: an engine that loses its data loses its checkpoints with it, and the indexer
   * then rebuilds from position 0 instead of trusting progress the engine no longer holds.
   * 0 when never stored.
   */
  getCheckpoint(name: string): Promise<number>;
  setCheckpoint(name: string, position: number): Promise<void>;
  deleteCheckpoint(name: string): Promise<void>;
  close(): Promise<void>;
}

export const physicalIndexName = (alias: string, version: number): string => `${alias}-v${version}`;

/** The version in `<alias>-v<N>`, or null when `physical` is not a version of `alias`. */
export function versionOfIndex(alias: string, physical: string): number | null {
  const prefix = `${alias}-v`;
  if (!physical.startsWith(prefix)) return null;
  const digits = physical.slice(prefix.length);
  return /^[1-9][0-9]{0,8}$/.test(digits) ? Number(digits) : null;
}

export type SearchFailure = 'connection' | 'timeout' | 'server';

/** The search engine could not answer. Retrying later is safe: writes are idempotent by id. */
export class SearchUnavailableError extends Error {
  readonly kind = 'search_unavailable' as const;

  constructor(
    readonly operation: string,
    readonly failure: SearchFailure,
    options: { readonly cause?: unknown; readonly detail?: string } = {},
  ) {
    const reason = options.detail ?? (options.cause instanceof Error ? options.cause.message : '');
    super(`search engine unavailable (${failure}) during ${operation}${reason ? `: ${reason}` : ''}`, { cause: options.cause });
    this.name = 'SearchUnavailableError';
  }
}

/** A query, document or name the engine refuses (HTTP 400 through the shared error middleware). */
export class SearchQueryError extends ValidationError {
  constructor(message: string, path = 'query') {
    super(message, [{ path, message }]);
  }
}

export class SearchIndexNotFoundError extends NotFoundError {
  constructor(index: string) {
    super('search index', index);
  }
}
