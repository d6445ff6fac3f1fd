import type { DomainEvent } from '../../domain/shared/decider.js';
import type { CategoryFold } from './category-fold.js';

/** Any category's fold, as GatewayState holds them. */
export type Fold = CategoryFold<DomainEvent, unknown>;

/**
 * Bump whenever the shape of a folded state changes (a domain state gains a field, a fold
 * changes what it keeps): a snapshot is only as valid as the code that took it, and nothing
 * else checks that. A snapshot of another format is refused, so the cache starts from 0.
 */
export const SNAPSHOT_FORMAT = 3; // 3: tenant states gained storeContent

/**
 * The folded state of a GatewayState as of `position`: per category, each stream's
 * aggregate state. Plain data (structured-clonable; budget states hold a Set, so not JSON as is), so it can be stored
 * and a later process started from it (`GatewayStateOptions.from`) reads only the tail of
 * the log. Where and how often to store one is not decided yet; this is the hook.
 */
export interface GatewaySnapshot {
  readonly format: number;
  readonly position: number;
  readonly streams: Readonly<Record<string, ReadonlyArray<readonly [string, unknown]>>>;
}

export function takeSnapshot(position: number, folds: ReadonlyMap<string, Fold>): GatewaySnapshot {
  const streams: Record<string, Array<[string, unknown]>> = {};
  for (const [category, fold] of folds) streams[category] = fold.exportStates();
  // Deep copy: the folds' states must never be reachable from outside.
  return structuredClone({ format: SNAPSHOT_FORMAT, position, streams });
}

/**
 * Installs a snapshot into empty folds; returns its position. Refuses one of another format,
 * and one missing a category these folds cover: starting after its position would leave
 * that category without the events before it. Categories it has that the folds do not
 * (taken by newer code) are ignored.
 */
export function restoreSnapshot(snapshot: GatewaySnapshot, folds: ReadonlyMap<string, Fold>): number {
  if (snapshot.format !== SNAPSHOT_FORMAT) throw new Error(`gateway snapshot format ${snapshot.format} is not ${SNAPSHOT_FORMAT}; start from position 0`);
  if (!Number.isSafeInteger(snapshot.position) || snapshot.position < 0) throw new Error(`gateway snapshot has an invalid position ${snapshot.position}`);
  const copy = structuredClone(snapshot);
  for (const [category, fold] of folds) {
    const states = copy.streams[category];
    if (states === undefined) throw new Error(`gateway snapshot has no '${category}' streams; start from position 0`);
    for (const [streamId, state] of states) fold.restoreState(streamId, state);
  }
  return copy.position;
}
