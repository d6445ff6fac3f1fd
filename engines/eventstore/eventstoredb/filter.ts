import { excludeSystemEvents, streamNameFilter, type AllStreamSubscription, type Filter, type Position } from '@eventstore/db-client';
import type { SubscriptionFilter } from '../port.js';

/**
 * The server-side filter of a subscription. Every subscription is filtered on the server:
 * a category filter becomes stream-name prefixes ('policy' → 'policy-', so 'pol' never
 * matches 'policy-…'); without one, system events are excluded by type. So EventStoreDB
 * skips what we would drop anyway without sending it, and reports how far it scanned through
 * `checkpointReached`.
 *
 * `window` is EventStoreDB's maxSearchWindow: how many events one server-side page considers,
 * and (with checkpointInterval 1) how many events pass between two checkpoints. A large window
 * makes catching up fast; a window of 1 once live makes the server report every event it skips,
 * so a reader waiting for a position is never held up by a quiet log.
 */
export function buildFilter(
  filter: SubscriptionFilter | undefined,
  window: number,
  checkpointReached: (subscription: AllStreamSubscription, position: Position) => void,
): Filter {
  if (!Number.isSafeInteger(window) || window < 1) throw new RangeError(`the search window must be a positive integer, got ${window}`);
  const options = { maxSearchWindow: window, checkpointInterval: 1, checkpointReached };
  if (filter === undefined) return excludeSystemEvents(options);
  return streamNameFilter({ ...options, prefixes: validateCategories(filter.categories).map((category) => `${category}-`) });
}

/** Categories are what a stream id holds before its first '-': never empty, never with '-', never a system ('$') name. */
export function validateCategories(categories: readonly string[]): string[] {
  if (!Array.isArray(categories) || categories.length === 0) throw new RangeError('a subscription filter needs at least one category');
  for (const category of categories) {
    if (typeof category !== 'string' || category === '' || category.includes('-') || category.startsWith('$')) {
      throw new RangeError(`'${String(category)}' is not a stream category (the part of a stream id before its first '-', not starting with '$')`);
    }
  }
  return [...new Set(categories)];
}
