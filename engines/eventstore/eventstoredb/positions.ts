import type { Position } from '@eventstore/db-client';

/**
 * Port positions ↔ EventStoreDB positions.
 *
 * EventStoreDB addresses $all with a pair {commit, prepare} of byte offsets into its
 * transaction log. Since v20 every append is written as self-committing records, so an
 * event's position is {C, C}, C being the offset where its record starts. The server also
 * hands out positions *between* records: a filtered read or subscription that has scanned up
 * to the end of the record before C reports {C, 0}, "everything before the record at C".
 *
 * The port wants one JS number, strictly increasing in commit order, where `after: N` means
 * strictly after N. This mapping interleaves both kinds:
 *
 *   event at C      {C, C}  →  2C + 1
 *   before record C {C, 0}  →  2C
 *
 * It keeps EventStoreDB's order ({C,0} < {C,C} < {C',0} for C < C') and is exactly invertible,
 * so a checkpoint taken from a filtered subscription resumes at the very same place. The
 * server refuses to start a read in the middle of a record; every number handed out here — and
 * an event's position minus one — is a record boundary it accepts, while a number made up
 * otherwise may fall inside a record and be refused.
 *
 * Positions are sparse (byte offsets, doubled): the port promises, and the contract checks,
 * strict increase only, never density. Positions of legacy explicit transactions (TCP API),
 * whose events share a commit and differ by prepare, have no place in one strictly increasing
 * number and are refused.
 */

/** Largest commit offset a port number can carry: 2C + 1 must stay ≤ Number.MAX_SAFE_INTEGER (a 4 PiB log). */
export const MAX_COMMIT_POSITION = (BigInt(Number.MAX_SAFE_INTEGER) - 1n) / 2n;

/** A position that the port's single number cannot represent faithfully. */
export class UnrepresentablePositionError extends RangeError {
  constructor(
    readonly position: Position,
    reason: string,
  ) {
    super(`EventStoreDB position {commit: ${position.commit}, prepare: ${position.prepare}} ${reason}`);
    this.name = 'UnrepresentablePositionError';
  }
}

/** The port number of an event's position ({C, C} → 2C + 1). */
export function eventPositionToPort(position: Position): number {
  if (position.commit !== position.prepare) {
    throw new UnrepresentablePositionError(position, 'belongs to a legacy explicit transaction; such events are not supported');
  }
  return 2 * checkedCommit(position) + 1;
}

/**
 * The port number of any position the server reports as "scanned up to here": an event's
 * position, or the boundary before a record ({C, 0} → 2C).
 */
export function scanPositionToPort(position: Position): number {
  if (position.commit === position.prepare) return eventPositionToPort(position);
  if (position.prepare === 0n && position.commit > 0n) return 2 * checkedCommit(position);
  throw new UnrepresentablePositionError(position, 'is neither an event nor a record boundary');
}

/** Where a read or subscription starts for `after` (0 = the beginning of the log). */
export function portToEsdbPosition(after: number): Position | 'start' {
  if (!Number.isSafeInteger(after) || after < 0) throw new RangeError(`a position must be a non-negative safe integer, got ${after}`);
  if (after === 0) return 'start';
  const commit = BigInt(Math.floor(after / 2));
  return after % 2 === 1 ? { commit, prepare: commit } : { commit, prepare: 0n };
}

function checkedCommit(position: Position): number {
  if (position.commit < 0n) throw new UnrepresentablePositionError(position, 'is negative');
  if (position.commit > MAX_COMMIT_POSITION) {
    throw new UnrepresentablePositionError(position, `is beyond ${MAX_COMMIT_POSITION}, the largest the port's safe-integer positions can carry`);
  }
  return Number(position.commit);
}
