import type { EventToAppend, ExpectedRevision } from './port.js';

/**
 * Input checks run when an append is issued, before it joins a write group, so a
 * malformed append rejects on its own and never disturbs the group's transaction.
 */
export function validateAppend(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): void {
  if (typeof streamId !== 'string' || streamId.length === 0) throw new TypeError('streamId must be a non-empty string');
  if (!Array.isArray(events)) throw new TypeError('events must be an array');
  validateExpectedRevision(expected);
  const seen = new Set<string>();
  for (const event of events) {
    if (typeof event.eventId !== 'string' || event.eventId.length === 0) throw new TypeError('eventId must be a non-empty string');
    if (typeof event.type !== 'string' || event.type.length === 0) throw new TypeError('event type must be a non-empty string');
    if (seen.has(event.eventId)) throw new Error(`duplicate event id '${event.eventId}' within one append`);
    seen.add(event.eventId);
  }
}

function validateExpectedRevision(expected: ExpectedRevision): void {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return;
  throw new TypeError(`invalid expected revision: ${String(expected)}`);
}

/** SQLite reads LIMIT -1 as "no limit". */
export function limitOf(maxCount: number | undefined): number {
  if (maxCount === undefined) return -1;
  if (!Number.isSafeInteger(maxCount) || maxCount < 0) throw new RangeError(`maxCount must be a non-negative integer, got ${maxCount}`);
  return maxCount;
}
