import {
  SearchQueryError,
  type FieldMapping,
  type IndexMapping,
  type KnnQuery,
  type SearchDoc,
  type SearchQuery,
  type TermValue,
} from './port.js';

/**
 * Checks both adapters run before touching their engine, so a malformed call fails the same
 * way (SearchQueryError) in process and against Elasticsearch, and nothing reaches the
 * engine that could widen a query (an empty tenant id, a field path like `_source`).
 */

export const DEFAULT_SIZE = 10;
export const MAX_SIZE = 1000;
/** Elasticsearch's default index.max_result_window; the in-process adapter keeps the same bound. */
export const MAX_WINDOW = 10_000;
export const MAX_K = 1000;
export const MAX_DIMS = 4096;

/** Lower-case, no dots or wildcards: valid as an Elasticsearch index, alias and document id alike. */
const NAME = /^[a-z0-9][a-z0-9_-]{0,199}$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_.]{0,99}$/;
export const IMPLICIT_FIELDS = ['id', 'tenantId'] as const;

export function assertName(name: string, what: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw new SearchQueryError(`invalid ${what} '${String(name)}': lower-case letters, digits, '_' and '-', starting with a letter or digit`, what);
  return name;
}

function assertField(field: string, path: string): void {
  if (!FIELD.test(field)) throw new SearchQueryError(`invalid field name '${field}'`, path);
}

export function assertMapping(mapping: IndexMapping): void {
  for (const [field, spec] of Object.entries(mapping.fields)) {
    assertField(field, `mapping.${field}`);
    if ((IMPLICIT_FIELDS as readonly string[]).includes(field)) throw new SearchQueryError(`'${field}' is implicit in every mapping`, `mapping.${field}`);
    if (spec.type === 'dense_vector' && !(Number.isInteger(spec.dims) && spec.dims >= 1 && spec.dims <= MAX_DIMS)) {
      throw new SearchQueryError(`dense_vector '${field}' needs dims in 1..${MAX_DIMS}`, `mapping.${field}`);
    }
  }
}

export function assertVersion(version: number): void {
  if (!Number.isInteger(version) || version < 1) throw new SearchQueryError(`index version must be a positive integer, not ${version}`, 'version');
}

/** Identity and tenant of a document: the part every adapter checks itself. */
export function assertDocIdentity(doc: SearchDoc, index: number): void {
  if (typeof doc.id !== 'string' || doc.id.length === 0 || Buffer.byteLength(doc.id) > 512) throw new SearchQueryError('a document needs an id of 1..512 bytes', `docs.${index}.id`);
  if (typeof doc.tenantId !== 'string' || doc.tenantId.length === 0) throw new SearchQueryError(`document '${doc.id}' has no tenantId`, `docs.${index}.tenantId`);
}

const isTerm = (value: unknown): value is TermValue => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean';

function fitsScalar(type: FieldMapping['type'], value: unknown): boolean {
  switch (type) {
    case 'keyword':
      return isTerm(value);
    case 'text':
      return typeof value === 'string';
    case 'long':
      return Number.isSafeInteger(value);
    case 'date':
      return (typeof value === 'string' && !Number.isNaN(Date.parse(value))) || Number.isSafeInteger(value);
    case 'dense_vector':
      return false;
  }
}

export function assertVector(vector: unknown, dims: number, path: string): asserts vector is readonly number[] {
  if (!Array.isArray(vector) || vector.length !== dims || !vector.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new SearchQueryError(`expected a vector of ${dims} finite numbers`, path);
  }
  if (vector.every((x) => x === 0)) throw new SearchQueryError('a zero vector has no direction (cosine similarity)', path);
}

/** The full document check, for adapters that hold the mapping (Elasticsearch's strict mapping does the same). */
export function assertDocFits(doc: SearchDoc, index: number, mapping: IndexMapping): void {
  assertDocIdentity(doc, index);
  for (const [field, value] of Object.entries(doc)) {
    if ((IMPLICIT_FIELDS as readonly string[]).includes(field) || value === null) continue;
    const path = `docs.${index}.${field}`;
    const spec = mapping.fields[field];
    if (!spec) throw new SearchQueryError(`field '${field}' is not in the index mapping`, path);
    if (spec.type === 'dense_vector') {
      assertVector(value, spec.dims, path);
      continue;
    }
    const values: readonly unknown[] = Array.isArray(value) ? value : [value];
    if (!values.every((v) => fitsScalar(spec.type, v))) throw new SearchQueryError(`field '${field}' does not hold ${spec.type} values`, path);
  }
}

function assertIntIn(value: number | undefined, min: number, max: number, path: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) throw new SearchQueryError(`${path} must be an integer in ${min}..${max}`, path);
}

function assertKnn(knn: KnnQuery): void {
  assertField(knn.field, 'knn.field');
  assertIntIn(knn.k, 1, MAX_K, 'knn.k');
  assertIntIn(knn.numCandidates, knn.k, MAX_WINDOW, 'knn.numCandidates');
  if (!Array.isArray(knn.vector) || knn.vector.length === 0) throw new SearchQueryError('knn.vector must be a non-empty list of numbers', 'knn.vector');
  assertVector(knn.vector, knn.vector.length, 'knn.vector');
}

function assertFilters(query: SearchQuery): void {
  for (const [field, value] of Object.entries(query.filters ?? {})) {
    assertField(field, `filters.${field}`);
    const values: readonly unknown[] = Array.isArray(value) ? value : [value];
    if (values.length === 0 || values.length > MAX_SIZE || !values.every(isTerm)) throw new SearchQueryError(`filter '${field}' needs 1..${MAX_SIZE} strings, numbers or booleans`, `filters.${field}`);
  }
  for (const [field, range] of Object.entries(query.ranges ?? {})) {
    assertField(field, `ranges.${field}`);
    const bounds = [range.gt, range.gte, range.lt, range.lte].filter((b) => b !== undefined);
    if (bounds.length === 0 || !bounds.every((b) => typeof b === 'string' || (typeof b === 'number' && Number.isFinite(b)))) {
      throw new SearchQueryError(`range '${field}' needs at least one bound (number or string)`, `ranges.${field}`);
    }
  }
}

/** Returns the page window the adapters use; throws SearchQueryError on anything malformed. */
export function assertQuery(query: SearchQuery): { readonly size: number; readonly from: number } {
  if (typeof query.tenantId !== 'string' || query.tenantId.length === 0) throw new SearchQueryError('every search is tenant-scoped: tenantId is required', 'tenantId');
  const size = query.size ?? DEFAULT_SIZE;
  const from = query.from ?? 0;
  assertIntIn(size, 0, MAX_SIZE, 'size');
  assertIntIn(from, 0, MAX_WINDOW, 'from');
  if (from + size > MAX_WINDOW) throw new SearchQueryError(`from + size must not exceed ${MAX_WINDOW}; page with sort and searchAfter`, 'from');
  if (query.text !== undefined && (typeof query.text !== 'string' || query.text.length > 4096)) throw new SearchQueryError('text must be a string of at most 4096 characters', 'text');
  assertFilters(query);
  if (query.knn) assertKnn(query.knn);
  if (query.sort) {
    assertField(query.sort.field, 'sort.field');
    if (query.knn) throw new SearchQueryError('kNN results are in nearest-first order: sort is not allowed with knn', 'sort');
  }
  if (query.searchAfter !== undefined) {
    if (!query.sort) throw new SearchQueryError('searchAfter needs sort', 'searchAfter');
    if (query.from) throw new SearchQueryError('give from or searchAfter, not both', 'searchAfter');
    if (!Array.isArray(query.searchAfter) || query.searchAfter.length !== 2) throw new SearchQueryError('searchAfter must be the sort values of a hit', 'searchAfter');
  }
  return { size, from };
}
