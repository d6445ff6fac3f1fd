import { assertNever } from '../../../domain/shared/errors.js';
import type { FindQuery, Scalar } from '../port.js';
import { decodeCursor } from '../cursor.js';
import { parseFind, type ParsedFilter } from '../find-query.js';
import { collectionLiteral, fieldExpr, jsonTypeGuard } from './fields.js';

export type SqlParam = string | number | null;

export interface CompiledFind {
  readonly sql: string;
  readonly params: SqlParam[];
  readonly sort: { readonly field: string; readonly direction: 'asc' | 'desc' };
  readonly limit: number;
}

interface Clause {
  readonly sql: string;
  readonly params: SqlParam[];
}

/** Equality with JSON-type fidelity: `true` matches only true, `5` only the number 5, `null` null or missing. */
function equals(field: string, value: Scalar): Clause {
  const expr = fieldExpr(field);
  if (value === null) return { sql: `${expr} IS NULL`, params: [] };
  if (typeof value === 'boolean') {
    return field === 'id' ? { sql: '0', params: [] } : { sql: `json_type(doc, '$.${field}') = ?`, params: [String(value)] };
  }
  if (typeof value === 'number') return { sql: `(${expr} = ? AND ${jsonTypeGuard(field, 'number')})`, params: [value] };
  return { sql: `${expr} = ?`, params: [value] };
}

function membership(field: string, values: readonly Scalar[]): Clause {
  if (values.length === 0) return { sql: '0', params: [] };
  const strings = values.filter((v): v is string => typeof v === 'string');
  const others = values.filter((v) => typeof v !== 'string').map((v) => equals(field, v));
  const parts: Clause[] = [];
  if (strings.length > 0) parts.push({ sql: `${fieldExpr(field)} IN (${strings.map(() => '?').join(', ')})`, params: strings });
  parts.push(...others);
  if (parts.length === 1) return parts[0];
  return { sql: `(${parts.map((p) => p.sql).join(' OR ')})`, params: parts.flatMap((p) => p.params) };
}

/** Inclusive range over values of the bounds' JSON type only (a number range never matches strings). */
function range(filter: Extract<ParsedFilter, { kind: 'range' }>): Clause {
  const expr = fieldExpr(filter.field);
  const sql = [jsonTypeGuard(filter.field, filter.type)];
  const params: SqlParam[] = [];
  if (filter.gte !== undefined) (sql.push(`${expr} >= ?`), params.push(filter.gte));
  if (filter.lte !== undefined) (sql.push(`${expr} <= ?`), params.push(filter.lte));
  return { sql: `(${sql.join(' AND ')})`, params };
}

function compileFilter(filter: ParsedFilter): Clause {
  switch (filter.kind) {
    case 'eq':
      return equals(filter.field, filter.value);
    case 'in':
      return membership(filter.field, filter.values);
    case 'range':
      return range(filter);
    default:
      return assertNever(filter, 'read-model filter');
  }
}

/**
 * Keyset condition: rows strictly after (value, id) in the query's order. SQLite sorts
 * NULL first ascending and last descending; both cases are spelled out so a page
 * boundary on a null or missing sort value neither repeats nor skips rows.
 */
function keyset(field: string, direction: 'asc' | 'desc', value: SqlParam, id: string): Clause {
  const expr = fieldExpr(field);
  const op = direction === 'asc' ? '>' : '<';
  if (value === null) {
    const tail = direction === 'asc' ? `${expr} IS NOT NULL OR ` : '';
    return { sql: `(${tail}(${expr} IS NULL AND id ${op} ?))`, params: [id] };
  }
  const nullsAfter = direction === 'desc' ? ` OR ${expr} IS NULL` : '';
  return { sql: `(${expr} ${op} ? OR (${expr} = ? AND id ${op} ?)${nullsAfter})`, params: [value, value, id] };
}

/** Compiles a FindQuery into one parameterised SELECT that fetches limit + 1 rows (the extra one tells whether a next page exists). */
export function compileFind(collection: string, query: FindQuery): CompiledFind {
  const { limit, sort, filters, after } = parseFind(query);
  const clauses: Clause[] = [{ sql: `collection = ${collectionLiteral(collection)}`, params: [] }, ...filters.map(compileFilter)];
  if (after !== undefined) {
    const cursor = decodeCursor(after, sort);
    // Without the booleans option a cursor's value is a string, a number or null: SQL-bindable.
    clauses.push(keyset(sort.field, sort.direction, cursor.value as string | number | null, cursor.id));
  }
  const expr = fieldExpr(sort.field);
  const dir = sort.direction.toUpperCase();
  const sql =
    `SELECT id, doc, ${expr} AS sort_key FROM documents WHERE ${clauses.map((c) => c.sql).join(' AND ')} ` +
    `ORDER BY ${expr} ${dir}, id ${dir} LIMIT ?`;
  return { sql, params: [...clauses.flatMap((c) => c.params), limit + 1], sort, limit };
}
