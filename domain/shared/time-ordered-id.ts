import { randomUUID } from 'node:crypto';

/**
 * A UUID version 7 (RFC 9562): the first 48 bits are the Unix time in milliseconds, the rest
 * random. Ids issued later sort later, so the streams named by them (one per inference
 * request) land at the right end of the event store's stream index instead of on a random
 * page of it: a group commit of N usage events dirties one index page, not N
 * (ops/bench/RESULTS.md, "Time-ordered request ids"). Unique like a v4 (74 random bits per
 * millisecond); it reveals when the id was issued, which the events carry anyway.
 *
 * Built from node:crypto's pooled randomUUID (the `uuid` package's v7 measured ~40× slower
 * here): its version nibble becomes 7; its variant bits are already RFC 9562's.
 */
export function timeOrderedUuid(nowMs: number = Date.now()): string {
  const random = randomUUID();
  const time = Math.trunc(nowMs).toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
