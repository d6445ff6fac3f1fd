import type { FieldMapping, IndexMapping, RangeFilter, SearchDoc, SortValue, TermValue } from '../port.js';

/**
 * Filters, ranges, sort keys and cosine similarity of the in-process adapter, with
 * Elasticsearch's semantics where a caller could tell the difference: a multi-valued field
 * matches when any value does; dates compare as instants (sort values are epoch millis);
 * keywords compare as strings; documents missing the sort field come last either way.
 */

type FieldKind = FieldMapping['type'];

export function kindOf(mapping: IndexMapping, field: string): FieldKind | undefined {
  if (field === 'id' || field === 'tenantId') return 'keyword';
  return mapping.fields[field]?.type;
}

const valuesOf = (doc: SearchDoc, field: string): readonly TermValue[] => {
  const value = doc[field];
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value as TermValue];
};

/** A comparable form of a value of the field's type, or null when it has none. */
function comparable(kind: FieldKind | undefined, value: TermValue): string | number | null {
  switch (kind) {
    case 'date': {
      const millis = typeof value === 'number' ? value : Date.parse(String(value));
      return Number.isNaN(millis) ? null : millis;
    }
    case 'long': {
      const number = Number(value);
      return Number.isNaN(number) ? null : number;
    }
    case 'keyword':
      return String(value);
    default:
      return null; // text and vectors are not compared for equality or order
  }
}

export function matchesTerm(doc: SearchDoc, mapping: IndexMapping, field: string, wanted: TermValue | readonly TermValue[]): boolean {
  const kind = kindOf(mapping, field);
  const targets = (Array.isArray(wanted) ? wanted : [wanted as TermValue]).map((value) => comparable(kind, value));
  return valuesOf(doc, field).some((value) => {
    const have = comparable(kind, value);
    return have !== null && targets.includes(have);
  });
}

export function matchesRange(doc: SearchDoc, mapping: IndexMapping, field: string, range: RangeFilter): boolean {
  const kind = kindOf(mapping, field);
  const bound = (value: number | string | undefined) => (value === undefined ? undefined : comparable(kind, value));
  const [gt, gte, lt, lte] = [bound(range.gt), bound(range.gte), bound(range.lt), bound(range.lte)];
  return valuesOf(doc, field).some((raw) => {
    const value = comparable(kind, raw);
    if (value === null) return false;
    return (gt == null || value > gt) && (gte == null || value >= gte) && (lt == null || value < lt) && (lte == null || value <= lte);
  });
}

/** The value a document sorts by: the smallest of a multi-valued field ascending, the largest descending. */
export function sortValue(doc: SearchDoc, mapping: IndexMapping, field: string, direction: 'asc' | 'desc'): SortValue {
  const kind = kindOf(mapping, field);
  const values = valuesOf(doc, field)
    .map((value) => comparable(kind, value))
    .filter((value): value is string | number => value !== null);
  if (values.length === 0) return null;
  return values.reduce((best, value) => ((direction === 'asc' ? value < best : value > best) ? value : best));
}

/** Orders [value, id] keys: value in the given direction with missing values last, then id ascending. */
export function compareKeys(a: readonly SortValue[], b: readonly SortValue[], direction: 'asc' | 'desc'): number {
  const [va, vb] = [a[0], b[0]];
  if (va !== vb) {
    if (va === null) return 1;
    if (vb === null) return -1;
    const order = va < vb ? -1 : va > vb ? 1 : 0;
    if (order !== 0) return direction === 'asc' ? order : -order;
  }
  const [ia, ib] = [String(a[1]), String(b[1])];
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

/** Elasticsearch's cosine score, (1 + cos) / 2, so scores lie in [0, 1] on both adapters. */
export function cosineScore(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return (1 + dot / Math.sqrt(na * nb)) / 2;
}
