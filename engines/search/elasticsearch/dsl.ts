import type { estypes } from '@elastic/elasticsearch';
import type { FieldMapping, IndexMapping, SearchQuery, SortValue } from '../port.js';

/**
 * The port's mappings and queries in Elasticsearch's dialect, as pure functions (no I/O),
 * within the core modules the test distribution ships (no analysis-common, painless,
 * reindex): the standard analyzer, term / terms / range / multi_match and top-level kNN.
 */

/**
 * The default field of text queries when the mapping has no text field: a name no
 * document can hold (mappings are strict), so a text query matches nothing, as in process.
 */
const NO_TEXT_FIELD = '_nexus_no_text_field';

function property(spec: FieldMapping): estypes.MappingProperty {
  switch (spec.type) {
    case 'dense_vector':
      return { type: 'dense_vector', dims: spec.dims, similarity: 'cosine', index: true };
    case 'keyword':
      return { type: 'keyword' };
    case 'text':
      return { type: 'text' };
    case 'date':
      return { type: 'date' };
    case 'long':
      return { type: 'long' };
  }
}

export interface IndexLayout {
  readonly shards: number;
  readonly replicas: number;
}

export function indexBody(mapping: IndexMapping, layout: IndexLayout): Pick<estypes.IndicesCreateRequest, 'settings' | 'mappings'> {
  const textFields = Object.entries(mapping.fields).filter(([, spec]) => spec.type === 'text').map(([field]) => field);
  const properties: Record<string, estypes.MappingProperty> = { id: { type: 'keyword' }, tenantId: { type: 'keyword' } };
  for (const [field, spec] of Object.entries(mapping.fields)) properties[field] = property(spec);
  return {
    settings: {
      number_of_shards: layout.shards,
      number_of_replicas: layout.replicas,
      // multi_match without `fields` searches exactly these: the declared text fields.
      'index.query.default_field': textFields.length > 0 ? textFields : [NO_TEXT_FIELD],
    },
    // strict: a field outside the mapping is refused, as the in-process adapter refuses it.
    mappings: { dynamic: 'strict', properties },
  };
}

/**
 * The filter clauses of every request. The tenant term comes first and is built here, from
 * the query's required tenantId, for every kind of request — there is no code path that
 * searches without it.
 */
export function filterClauses(query: SearchQuery): estypes.QueryDslQueryContainer[] {
  const clauses: estypes.QueryDslQueryContainer[] = [{ term: { tenantId: query.tenantId } }];
  for (const [field, value] of Object.entries(query.filters ?? {})) {
    clauses.push(Array.isArray(value) ? { terms: { [field]: [...value] } } : { term: { [field]: value as string | number | boolean } });
  }
  for (const [field, range] of Object.entries(query.ranges ?? {})) {
    const bounds = Object.fromEntries(Object.entries(range).filter(([, bound]) => bound !== undefined));
    clauses.push({ range: { [field]: bounds } });
  }
  return clauses;
}

const textClause = (query: SearchQuery): estypes.QueryDslQueryContainer => ({
  multi_match: { query: query.text ?? '', operator: query.textOperator ?? 'or' },
});

/** Full text, filters only, or field order: one request. `from`/`size` are the caller's window. */
export function textRequest(index: string, query: SearchQuery, window: { size: number; from: number }): estypes.SearchRequest {
  const filter = filterClauses(query);
  const bool: estypes.QueryDslBoolQuery = query.text === undefined ? { filter } : { must: [textClause(query)], filter };
  // Ties are broken by id, as in process (Elasticsearch would otherwise use index order).
  const sort: estypes.SortCombinations[] = query.sort
    ? [{ [query.sort.field]: { order: query.sort.direction, missing: '_last' } }, { id: 'asc' }]
    : query.text !== undefined
      ? ['_score', { id: 'asc' }]
      : [{ id: 'asc' }];
  return {
    index,
    query: { bool },
    sort,
    size: window.size,
    from: window.from,
    track_total_hits: true,
    ...(query.searchAfter ? { search_after: [...query.searchAfter] as estypes.SortResults } : {}),
  };
}

/** The kNN half: the same filter clauses go into knn.filter, which applies them before the neighbours are chosen. */
export function knnRequest(index: string, query: SearchQuery, window: { size: number; from: number }): estypes.SearchRequest {
  const knn = query.knn;
  if (!knn) throw new Error('knnRequest needs a knn query');
  return {
    index,
    knn: {
      field: knn.field,
      query_vector: [...knn.vector],
      k: knn.k,
      num_candidates: knn.numCandidates ?? Math.min(10_000, Math.max(100, 2 * knn.k)),
      filter: filterClauses(query),
    },
    size: window.size,
    from: window.from,
    track_total_hits: true,
  };
}

/** Sort values as the port states them: numbers and strings, null for anything else. */
export const sortValues = (values: estypes.SortResults | undefined): SortValue[] | undefined =>
  values?.map((value: unknown) => (typeof value === 'number' || typeof value === 'string' ? value : null));
