import { z } from 'zod';
import { ValidationError } from '../../domain/shared/errors.js';
import type { SearchDoc, SearchPort, SearchQuery, SortValue } from '../../engines/search/port.js';
import { AUDIT_SEARCH_ALIAS } from './document.js';

/** One page of an audit search, as the API asks for it. The tenant is already decided by the caller's scope. */
export interface AuditSearchParams {
  readonly tenantId: string;
  /** Words that must all occur in the event's data (any field). With it, hits come by relevance; without, newest first. */
  readonly q?: string;
  readonly type?: string;
  readonly category?: string;
  readonly streamId?: string;
  /** Inclusive bounds on the event's domain time (ISO-8601). */
  readonly from?: string;
  readonly to?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/** A hit without its flattened data text (read the stream for the event itself); score is relevance when `q` was given, else null. */
export type AuditSearchItem = Omit<SearchDoc, 'text'> & { readonly score: number | null };

export interface AuditSearchPage {
  readonly items: AuditSearchItem[];
  readonly total: number;
  readonly nextCursor: string | null;
}

/**
 * The cursor is opaque to clients: an offset for relevance order (Elasticsearch pages scores
 * by offset), the last hit's sort key for time order (keyset pagination, stable while new
 * events arrive).
 */
const Cursor = z.union([z.strictObject({ offset: z.number().int().min(0) }), z.strictObject({ after: z.tuple([z.union([z.string(), z.number(), z.null()]), z.string()]) })]);
type Cursor = z.infer<typeof Cursor>;

const encode = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

export function decodeAuditCursor(cursor: string): Cursor {
  try {
    return Cursor.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new ValidationError('invalid cursor: pass the nextCursor of the previous page', [{ path: 'query.cursor', message: 'not a cursor this endpoint issued' }]);
  }
}

export function auditSearchQuery(params: AuditSearchParams): SearchQuery {
  const cursor = params.cursor === undefined ? undefined : decodeAuditCursor(params.cursor);
  const filters = Object.fromEntries(
    Object.entries({ type: params.type, category: params.category, streamId: params.streamId }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const occurredAt = { ...(params.from ? { gte: params.from } : {}), ...(params.to ? { lte: params.to } : {}) };
  const base: SearchQuery = {
    tenantId: params.tenantId,
    filters,
    ...(Object.keys(occurredAt).length > 0 ? { ranges: { occurredAt } } : {}),
    size: params.limit,
  };
  if (params.q !== undefined && params.q.trim() !== '') {
    const offset = cursor && 'offset' in cursor ? cursor.offset : 0;
    return { ...base, text: params.q, textOperator: 'and', from: offset };
  }
  const after: readonly SortValue[] | undefined = cursor && 'after' in cursor ? cursor.after : undefined;
  return { ...base, sort: { field: 'position', direction: 'desc' }, ...(after ? { searchAfter: after } : {}) };
}

/** Runs one page of an audit search against the alias the indexer maintains. */
export async function searchAudit(search: SearchPort, params: AuditSearchParams, alias = AUDIT_SEARCH_ALIAS): Promise<AuditSearchPage> {
  const query = auditSearchQuery(params);
  const result = await search.search(alias, query);
  const items = result.hits.map(({ doc, score }): AuditSearchItem => {
    const { text: _text, ...fields } = doc;
    return { ...fields, score };
  });
  const last = result.hits[result.hits.length - 1];
  let nextCursor: string | null = null;
  if (query.text !== undefined) {
    const next = (query.from ?? 0) + result.hits.length;
    if (result.hits.length === params.limit && next < result.total) nextCursor = encode({ offset: next });
  } else if (last?.sort && result.hits.length === params.limit) {
    nextCursor = encode({ after: [last.sort[0] ?? null, String(last.sort[1])] });
  }
  return { items, total: result.total, nextCursor };
}
