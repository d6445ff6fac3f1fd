import { ValidationError } from '../../../domain/shared/errors.js';
import type { FieldFilter, FindQuery, Scalar } from '../../readmodel/port.js';
import { decodeCursor } from '../cursor.js';
import { assertField, collectionLiteral, fieldExpr, jsonTypeGuard } from './fields.js';

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

export const MAX_LIMIT = 10_000;

const isScalar = (value: unknown): value is Scalar =>
  value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));

function bad(path: string, message: string): ValidationError {
  return new ValidationError(`invalid query: ${path} ${message}`, [{ path, message }]);
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
function range(field: string, path: string, gte: unknown, lte: unknown): Clause {
  const bounds = [gte, lte].filter((b) => b !== undefined);
  if (bounds.length === 0) throw bad(path, 'needs gte or lte');
  const kind = typeof bounds[0];
  const kindOk = (b: unknown) => (typeof b === 'number' && Number.isFinite(b)) || typeof b === 'string';
  if (!bounds.every((b) => kindOk(b) && typeof b === kind)) throw bad(path, 'bounds must both be numbers or both strings');
  const expr = fieldExpr(field);
  const sql = [jsonTypeGuard(field, kind === 'number' ? 'number' : 'string')];
  const params: SqlParam[] = [];
  if (gte !== undefined) (sql.push(`${expr} >= ?`), params.push(gte as string | number));
  if (lte !== undefined) (sql.push(`${expr} <= ?`), params.push(lte as string | number));
  return { sql: `(${sql.join(' AND ')})`, params };
}

function compileFilter(field: string, filter: FieldFilter): Clause {
  const path = `filter.${field}`;
  assertField(field, 'filter');
  if (isScalar(filter)) return equals(field, filter);
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) throw bad(path, 'must be a scalar or an object');
  const keys = Object.keys(filter);
  if ('in' in filter) {
    const values: unknown = filter.in;
    if (keys.length !== 1 || !Array.isArray(values) || !values.every(isScalar)) throw bad(path, 'in must be the only key and list scalars');
    return membership(field, values);
  }
  if (!keys.every((k) => k === 'gte' || k === 'lte')) throw bad(path, 'only in, gte and lte are supported');
  const bounds = filter as { gte?: unknown; lte?: unknown };
  return range(field, path, bounds.gte, bounds.lte);
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

function checkLimit(limit: unknown): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw bad('limit', `must be an integer between 1 and ${MAX_LIMIT}`);
  }
  return limit;
}

/** Compiles a FindQuery into one parameterised SELECT that fetches limit + 1 rows (the extra one tells whether a next page exists). */
export function compileFind(collection: string, query: FindQuery): CompiledFind {
  const limit = checkLimit(query.limit);
  const sort = query.sort ?? { field: 'id', direction: 'asc' as const };
  assertField(sort.field, 'sort.field');
  if (sort.direction !== 'asc' && sort.direction !== 'desc') throw bad('sort.direction', "must be 'asc' or 'desc'");
  const clauses: Clause[] = [{ sql: `collection = ${collectionLiteral(collection)}`, params: [] }];
  for (const [field, filter] of Object.entries(query.filter ?? {})) clauses.push(compileFilter(field, filter));
  if (query.after !== undefined) {
    const cursor = decodeCursor(query.after, sort);
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
