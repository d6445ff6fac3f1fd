import type { RecordedEvent } from '../port.js';

/**
 * What a subscription receives from EventStoreDB, in the order the server sent it, already in
 * the port's terms. Checkpoints and caught-up signals travel in the same queue as events, so
 * each is acted on only after everything the server sent before it.
 */
export type FeedItem =
  /** `event` is null for a system event the server let through: never delivered, but scanned past. */
  | { readonly kind: 'event'; readonly position: number; readonly event: RecordedEvent | null }
  /** The server has considered every event up to `position` (a filtered subscription's progress). */
  | { readonly kind: 'checkpoint'; readonly position: number }
  /** The subscription has read everything committed so far and is now live. */
  | { readonly kind: 'caught_up' }
  /** A live subscription fell behind and the server is catching up again. */
  | { readonly kind: 'fell_behind' };

/** What to do with the head of the queue: deliver `events`, drop `consumed` items, note `scannedTo` and liveness. */
export interface Step {
  readonly events: RecordedEvent[];
  readonly consumed: number;
  /** Every event up to here has been considered (delivered in this or an earlier batch, or skipped). */
  readonly scannedTo: number;
  /** true after a caught-up signal, false after fell-behind, null when the step held neither. */
  readonly live: boolean | null;
}

/**
 * Plans the next batch from the queued items, purely. A batch holds at most `maxBatchSize`
 * events, all strictly after `scanned` (a repeat of an event already delivered is dropped, so
 * delivery never goes backwards). A liveness signal ends the step, so the subscription reacts
 * to it after delivering the events that preceded it and before any that follow.
 */
export function planStep(items: readonly FeedItem[], scanned: number, maxBatchSize: number): Step {
  const events: RecordedEvent[] = [];
  let scannedTo = scanned;
  let consumed = 0;
  for (const item of items) {
    if (item.kind === 'caught_up' || item.kind === 'fell_behind') {
      return { events, consumed: consumed + 1, scannedTo, live: item.kind === 'caught_up' };
    }
    if (item.kind === 'event' && item.event !== null && item.position > scannedTo) {
      if (events.length >= maxBatchSize) break;
      events.push(item.event);
    }
    scannedTo = Math.max(scannedTo, item.position);
    consumed += 1;
  }
  return { events, consumed, scannedTo, live: null };
}

/**
 * The position to report through onCheckpoint after a step, or null: only for filtered
 * subscriptions, only past the last delivered event, and only forwards.
 */
export function checkpointToReport(filtered: boolean, scanned: number, delivered: number, lastReported: number): number | null {
  return filtered && scanned > delivered && scanned > lastReported ? scanned : null;
}
