import canonicalize from 'canonicalize';
import type { Doc, ReadModelStore } from '../../engines/readmodel/port.js';

export interface CollectionDiff {
  readonly equal: boolean;
  readonly counts: { readonly left: number; readonly right: number };
  /** Ids present on one side only, and ids whose documents differ (first `maxReported` of each). */
  readonly onlyLeft: string[];
  readonly onlyRight: string[];
  readonly different: string[];
}

/** A physical collection of a store: both sides of a comparison may live in different stores (a live one, a fresh rebuild). */
export interface CollectionRef {
  readonly store: ReadModelStore;
  readonly collection: string;
}

export interface CompareOptions {
  readonly pageSize?: number;
  readonly maxReported?: number;
}

/** Every document of a physical collection in id order, page by page. */
async function* documents(store: ReadModelStore, collection: string, pageSize: number): AsyncGenerator<Doc> {
  let after: string | undefined;
  do {
    const page = await store.find(collection, { limit: pageSize, after });
    yield* page.items;
    after = page.nextCursor ?? undefined;
  } while (after !== undefined);
}

/** Ids are compared the way the store sorts them (binary, which both adapters use for plain ids). */
const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Compares two physical collections document by document (canonical JSON, so key order
 * does not matter; `_position` included). Walks both in id order with constant memory,
 * so it can check a rebuilt version against the live one in production as well as in tests.
 */
export function compareCollections(store: ReadModelStore, left: string, right: string, options: CompareOptions = {}): Promise<CollectionDiff> {
  return compareAcross({ store, collection: left }, { store, collection: right }, options);
}

/** compareCollections for collections of two stores (e.g. a store that lived through an outage and a fresh rebuild). */
export async function compareAcross(left: CollectionRef, right: CollectionRef, options: CompareOptions = {}): Promise<CollectionDiff> {
  const pageSize = options.pageSize ?? 500;
  const max = options.maxReported ?? 20;
  const diff = { counts: { left: 0, right: 0 }, onlyLeft: [] as string[], onlyRight: [] as string[], different: [] as string[] };
  const note = (list: string[], id: string) => void (list.length < max && list.push(id));
  const l = documents(left.store, left.collection, pageSize);
  const r = documents(right.store, right.collection, pageSize);
  let a = await l.next();
  let b = await r.next();
  while (!a.done || !b.done) {
    const order = a.done ? 1 : b.done ? -1 : compareIds(a.value.id, b.value.id);
    if (order < 0 && !a.done) note(diff.onlyLeft, a.value.id);
    if (order > 0 && !b.done) note(diff.onlyRight, b.value.id);
    if (order === 0 && !a.done && !b.done && canonicalize(a.value) !== canonicalize(b.value)) note(diff.different, a.value.id);
    if (order <= 0 && !a.done) (diff.counts.left++, (a = await l.next()));
    if (order >= 0 && !b.done) (diff.counts.right++, (b = await r.next()));
  }
  const equal = diff.counts.left === diff.counts.right && diff.onlyLeft.length + diff.onlyRight.length + diff.different.length === 0;
  return { equal, ...diff };
}
