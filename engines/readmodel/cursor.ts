import { ValidationError } from '../../domain/shared/errors.js';

/**
 * Keyset-pagination cursors shared by the read-model adapters: opaque to clients, base64url
 * of the JSON tuple [field, direction, value, id]; the sort travels with it so a cursor cannot
 * be replayed against another ordering. Boolean sort values exist only on MongoDB (SQLite
 * reads a JSON boolean as 0/1; MongoDB keeps it a boolean, which sorts after every string),
 * so an adapter opts in to them.
 */
export type SortValue = string | number | boolean | null;

export interface CursorPosition {
  readonly field: string;
  readonly direction: 'asc' | 'desc';
  readonly value: SortValue;
  readonly id: string;
}

export function encodeCursor(position: CursorPosition): string {
  const tuple = [position.field, position.direction, position.value, position.id];
  return Buffer.from(JSON.stringify(tuple), 'utf8').toString('base64url');
}

function invalid(message: string): ValidationError {
  return new ValidationError('invalid cursor', [{ path: 'cursor', message }]);
}

function parseTuple(cursor: string): unknown {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{1,4096}$/.test(cursor)) throw invalid('not a cursor returned by this API');
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a cursor returned by this API');
  }
}

/** Decodes a cursor and checks it belongs to the query's sort; throws ValidationError otherwise. */
export function decodeCursor(cursor: string, sort: { readonly field: string; readonly direction: 'asc' | 'desc' }, options: { readonly booleans?: boolean } = {}): CursorPosition {
  const tuple = parseTuple(cursor);
  if (!Array.isArray(tuple) || tuple.length !== 4) throw invalid('not a cursor returned by this API');
  const [field, direction, value, id] = tuple as unknown[];
  const valueOk = value === null || typeof value === 'string' || (options.booleans === true && typeof value === 'boolean') || (typeof value === 'number' && Number.isFinite(value));
  if (typeof field !== 'string' || (direction !== 'asc' && direction !== 'desc') || !valueOk || typeof id !== 'string') {
    throw invalid('not a cursor returned by this API');
  }
  if (field !== sort.field || direction !== sort.direction) throw invalid('cursor was issued for another sort order');
  return { field, direction, value: value as SortValue, id };
}
