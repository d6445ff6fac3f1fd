import type { Filter, Sort } from 'mongodb';
import { ValidationError } from '../../../domain/shared/errors.js';
import type { FieldFilter, FindQuery, Scalar } from '../port.js';
import { decodeCursor, type SortValue } from '../cursor.js';
import { assertField } from '../sqlite/fields.js';
import { MAX_LIMIT } from '../sqlite/query.js';

/**
 * FindQuery → MongoDB filter and sort, with the SQLite adapter's semantics (both pass the
 * same contract). Only validated field names ever become keys; values are only ever
 * scalars, so no `$operator` from a caller reaches the server. Stored documents carry
 * `_id` = the port's `id`, so `id` is read from `_id` (unique, indexed, the tie-breaker).
 */
export interface StoredDoc {
  _id: string;
  [field: string]: unknown;
}

export interface CompiledFind {
  readonly filter: Filter<StoredDoc>;
  readonly sort: Sort;
  readonly order: { readonly field: string; readonly direction: 'asc' | 'desc' };
  readonly limit: number;
}

type Condition = Filter<StoredDoc>;

const isScalar = (value: unknown): value is Scalar =>
  value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));

function bad(path: string, message: string): ValidationError {
  return new ValidationError(`invalid query: ${path} ${message}`, [{ path, message }]);
}

/** The stored key of a port field. */
export const key = (field: string): string => (field === 'id' ? '_id' : field);

/**
 * Equality is type-strict in MongoDB already (`5` never matches `'5'` or `true`), and
 * `null` matches null or a missing field, as in the SQLite adapter. `$eq` keeps a string
 * value from ever being read as an operator document.
 */
function equals(field: string, value: Scalar): Condition {
  return scalarOnly(field, { $eq: value });
}

function membership(field: string, values: readonly Scalar[]): Condition {
  return scalarOnly(field, { $in: [...values] });
}

/**
 * MongoDB matches a condition against each element of an array field (`{tags: 'x'}`
 * matches `['x']`); SQLite compares the whole value. The guard keeps arrays out, as there.
 */
function scalarOnly(field: string, condition: Record<string, unknown>): Condition {
  const k = key(field);
  if (k === '_id') return { _id: condition };
  return { $and: [{ [k]: condition }, { [k]: { $not: { $type: 'array' } } }] };
}

/** Inclusive range; MongoDB's type bracketing already keeps a number range off strings and vice versa. */
function range(field: string, path: string, gte: unknown, lte: unknown): Condition {
  const bounds = [gte, lte].filter((b) => b !== undefined);
  if (bounds.length === 0) throw bad(path, 'needs gte or lte');
  const kind = typeof bounds[0];
  const kindOk = (b: unknown) => (typeof b === 'number' && Number.isFinite(b)) || typeof b === 'string';
  if (!bounds.every((b) => kindOk(b) && typeof b === kind)) throw bad(path, 'bounds must both be numbers or both strings');
  const condition: Record<string, string | number> = {};
  if (gte !== undefined) condition.$gte = gte as string | number;
  if (lte !== undefined) condition.$lte = lte as string | number;
  return scalarOnly(field, condition);
}

function compileFilter(field: string, filter: FieldFilter): Condition {
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
 * Keyset condition: documents strictly after (value, id) in the query's order. MongoDB,
 * like SQLite, sorts null and missing first ascending and last descending; both cases are
 * spelled out so a page boundary on a null sort value neither repeats nor skips documents.
 */
function keyset(field: string, direction: 'asc' | 'desc', value: SortValue, id: string): Condition {
  const k = key(field);
  const op = direction === 'asc' ? '$gt' : '$lt';
  if (field === 'id') return { _id: { [op]: id } };
  if (value === null) {
    const tail: Condition[] = direction === 'asc' ? [{ [k]: { $ne: null } }] : [];
    return { $or: [...tail, { [k]: { $eq: null }, _id: { [op]: id } }] };
  }
  const otherTypes: Condition[] = laterTypes(typeof value as 'number' | 'string' | 'boolean', direction).map((t) => ({ [k]: { $type: t } }));
  const nullsAfter: Condition[] = direction === 'desc' ? [{ [k]: { $eq: null } }] : [];
  return { $or: [{ [k]: { [op]: value } }, { [k]: { $eq: value }, _id: { [op]: id } }, ...otherTypes, ...nullsAfter] };
}

/**
 * `$gt`/`$lt` only compare within one BSON type, while the sort spans types (null, then
 * numbers, then strings, then objects, arrays, booleans …). A keyset after a number or a
 * string or a boolean therefore also admits every value of a type that sorts after it in
 * the direction (nulls are handled apart: they sort first).
 */
const TYPE_ORDER = ['number', 'string', 'object', 'array', 'binData', 'objectId', 'bool', 'date', 'timestamp', 'regex'];
const BRACKET = { number: 'number', string: 'string', boolean: 'bool' } as const;

function laterTypes(kind: 'number' | 'string' | 'boolean', direction: 'asc' | 'desc'): string[] {
  const at = TYPE_ORDER.indexOf(BRACKET[kind]);
  return direction === 'asc' ? TYPE_ORDER.slice(at + 1) : TYPE_ORDER.slice(0, at);
}

function checkLimit(limit: unknown): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw bad('limit', `must be an integer between 1 and ${MAX_LIMIT}`);
  }
  return limit;
}

/** Compiles a FindQuery; the caller fetches limit + 1 documents (the extra one tells whether a next page exists). */
export function compileFind(query: FindQuery): CompiledFind {
  const limit = checkLimit(query.limit);
  const order = query.sort ?? { field: 'id', direction: 'asc' as const };
  assertField(order.field, 'sort.field');
  if (order.direction !== 'asc' && order.direction !== 'desc') throw bad('sort.direction', "must be 'asc' or 'desc'");
  const conditions: Condition[] = Object.entries(query.filter ?? {}).map(([field, filter]) => compileFilter(field, filter));
  if (query.after !== undefined) {
    const cursor = decodeCursor(query.after, order, { booleans: true });
    conditions.push(keyset(order.field, order.direction, cursor.value, cursor.id));
  }
  const dir = order.direction === 'asc' ? 1 : -1;
  const sort: Sort = order.field === 'id' ? { _id: dir } : { [key(order.field)]: dir, _id: dir };
  const filter: Condition = conditions.length === 0 ? {} : conditions.length === 1 ? conditions[0] : { $and: conditions };
  return { filter, sort, order, limit };
}
