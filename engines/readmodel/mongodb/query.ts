import type { Filter, Sort } from 'mongodb';
import { assertNever } from '../../../domain/shared/errors.js';
import type { FindQuery, Scalar } from '../port.js';
import { decodeCursor, type SortValue } from '../cursor.js';
import { parseFind, type ParsedFilter } from '../find-query.js';

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
function range(filter: Extract<ParsedFilter, { kind: 'range' }>): Condition {
  const condition: Record<string, string | number> = {};
  if (filter.gte !== undefined) condition.$gte = filter.gte;
  if (filter.lte !== undefined) condition.$lte = filter.lte;
  return scalarOnly(filter.field, condition);
}

function compileFilter(filter: ParsedFilter): Condition {
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

/** Compiles a FindQuery; the caller fetches limit + 1 documents (the extra one tells whether a next page exists). */
export function compileFind(query: FindQuery): CompiledFind {
  const { limit, sort: order, filters, after } = parseFind(query);
  const conditions: Condition[] = filters.map(compileFilter);
  if (after !== undefined) {
    const cursor = decodeCursor(after, order, { booleans: true });
    conditions.push(keyset(order.field, order.direction, cursor.value, cursor.id));
  }
  const dir = order.direction === 'asc' ? 1 : -1;
  const sort: Sort = order.field === 'id' ? { _id: dir } : { [key(order.field)]: dir, _id: dir };
  const filter: Condition = conditions.length === 0 ? {} : conditions.length === 1 ? conditions[0] : { $and: conditions };
  return { filter, sort, order, limit };
}
