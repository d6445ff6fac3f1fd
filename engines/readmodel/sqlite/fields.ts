import { ValidationError } from '../../../domain/shared/errors.js';

/**
 * Field names end up inside SQL text (json paths and expression indexes cannot be bound
 * parameters), so every field is checked against this pattern before it is interpolated.
 * Nothing else from a query is ever interpolated: values are always bound.
 */
export const FIELD_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Throws ValidationError (at `path`) unless `field` is a plain top-level identifier. */
export function assertField(field: string, path: string): void {
  if (typeof field !== 'string' || !FIELD_PATTERN.test(field)) {
    throw new ValidationError(`invalid field name '${String(field)}'`, [{ path, message: 'must match ' + FIELD_PATTERN.source }]);
  }
}

/**
 * The SQL expression reading a field. `id` is a real column (part of the primary key);
 * every other field is read from the JSON document. The text must stay byte-identical to
 * the one used by the expression indexes, or SQLite will not use them.
 */
export function fieldExpr(field: string): string {
  return field === 'id' ? 'id' : `json_extract(doc, '$.${field}')`;
}

/** Restricts a field to JSON numbers or JSON strings, so `5` never matches `true` or `'5'`. */
export function jsonTypeGuard(field: string, kind: 'number' | 'string'): string {
  if (field === 'id') return kind === 'string' ? '1' : '0';
  return kind === 'number' ? `json_type(doc, '$.${field}') IN ('integer', 'real')` : `json_type(doc, '$.${field}') = 'text'`;
}

/**
 * Physical collection names (`tenants_v2`) are inlined into SQL as literals so SQLite can
 * use the collection's partial indexes (a bound parameter cannot prove a partial index's
 * WHERE clause); so they, too, are checked against a strict pattern first.
 */
export const COLLECTION_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,80}$/;

export function collectionLiteral(collection: string): string {
  if (typeof collection !== 'string' || !COLLECTION_PATTERN.test(collection)) {
    throw new ValidationError(`invalid collection name '${String(collection)}'`, [{ path: 'collection', message: 'must match ' + COLLECTION_PATTERN.source }]);
  }
  return `'${collection}'`;
}
