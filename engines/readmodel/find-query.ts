import { ValidationError } from '../../domain/shared/errors.js';
import type { FieldFilter, FindQuery, Scalar } from './port.js';
import { assertField } from './sqlite/fields.js';

/**
 * The validation every read-model adapter applies to a FindQuery before compiling it into
 * its engine's language, so both answer bad input with the same 400 (field named) and
 * compile only well-formed filters.
 */
export const MAX_LIMIT = 10_000;

/** One filter, validated: equality, membership, or an inclusive range over one JSON type. */
export type ParsedFilter =
  | { readonly kind: 'eq'; readonly field: string; readonly value: Scalar }
  | { readonly kind: 'in'; readonly field: string; readonly values: readonly Scalar[] }
  | { readonly kind: 'range'; readonly field: string; readonly type: 'number' | 'string'; readonly gte?: string | number; readonly lte?: string | number };

export interface ParsedFind {
  readonly limit: number;
  readonly sort: { readonly field: string; readonly direction: 'asc' | 'desc' };
  readonly filters: readonly ParsedFilter[];
  readonly after: string | undefined;
}

export const isScalar = (value: unknown): value is Scalar =>
  value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));

function bad(path: string, message: string): ValidationError {
  return new ValidationError(`invalid query: ${path} ${message}`, [{ path, message }]);
}

function parseRange(field: string, path: string, gte: unknown, lte: unknown): ParsedFilter {
  const bounds = [gte, lte].filter((b) => b !== undefined);
  if (bounds.length === 0) throw bad(path, 'needs gte or lte');
  const kind = typeof bounds[0];
  const kindOk = (b: unknown) => (typeof b === 'number' && Number.isFinite(b)) || typeof b === 'string';
  if (!bounds.every((b) => kindOk(b) && typeof b === kind)) throw bad(path, 'bounds must both be numbers or both strings');
  return {
    kind: 'range',
    field,
    type: kind === 'number' ? 'number' : 'string',
    ...(gte !== undefined ? { gte: gte as string | number } : {}),
    ...(lte !== undefined ? { lte: lte as string | number } : {}),
  };
}

function parseFilter(field: string, filter: FieldFilter): ParsedFilter {
  const path = `filter.${field}`;
  assertField(field, 'filter');
  if (isScalar(filter)) return { kind: 'eq', field, value: filter };
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) throw bad(path, 'must be a scalar or an object');
  const keys = Object.keys(filter);
  if ('in' in filter) {
    const values: unknown = filter.in;
    if (keys.length !== 1 || !Array.isArray(values) || !values.every(isScalar)) throw bad(path, 'in must be the only key and list scalars');
    return { kind: 'in', field, values };
  }
  if (!keys.every((k) => k === 'gte' || k === 'lte')) throw bad(path, 'only in, gte and lte are supported');
  const bounds = filter as { gte?: unknown; lte?: unknown };
  return parseRange(field, path, bounds.gte, bounds.lte);
}

function checkLimit(limit: unknown): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw bad('limit', `must be an integer between 1 and ${MAX_LIMIT}`);
  }
  return limit;
}

export function parseFind(query: FindQuery): ParsedFind {
  const limit = checkLimit(query.limit);
  const sort = query.sort ?? { field: 'id', direction: 'asc' as const };
  assertField(sort.field, 'sort.field');
  if (sort.direction !== 'asc' && sort.direction !== 'desc') throw bad('sort.direction', "must be 'asc' or 'desc'");
  const filters = Object.entries(query.filter ?? {}).map(([field, filter]) => parseFilter(field, filter));
  return { limit, sort, filters, after: query.after };
}
