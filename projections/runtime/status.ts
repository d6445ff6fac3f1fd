import type { Projection } from './projection.js';
import type { ProjectionWorker, WorkerState } from './worker.js';

export interface ProjectionStatus {
  readonly name: string;
  /** Live version: the one the logical collection's alias points at. */
  readonly version: number;
  readonly collection: string;
  readonly checkpoint: number;
  readonly head: number;
  /** head − checkpoint, in events positions. */
  readonly lag: number;
  readonly caughtUp: boolean;
  readonly deadLetters: number;
  /** `paused` while the read-model store is unavailable: the projection waits, loses nothing, and catches up afterwards. */
  readonly state: WorkerState;
  /** The error behind the current pause or retry (null once an attempt succeeded), else the last failed rebuild's. */
  readonly lastError: string | null;
  /** Consecutive failed attempts of the live version (0 when healthy), and since when (ISO-8601). */
  readonly failures: number;
  readonly failingSince: string | null;
  /** The version being built beside the live one, if a rebuild is running. */
  readonly rebuilding: { readonly version: number; readonly checkpoint: number; readonly lag: number; readonly state: WorkerState } | null;
}

/** What the runner knows of one projection. */
export interface ProjectionEntry {
  readonly projection: Projection;
  readonly live: ProjectionWorker;
  readonly building: ProjectionWorker | null;
  readonly rebuildError: Error | null;
}

export function describeEntry(entry: ProjectionEntry, head: number): ProjectionStatus {
  const { live, building } = entry;
  const lastError = live.lastError ?? building?.lastError ?? entry.rebuildError;
  const failures = live.failures;
  return {
    name: entry.projection.name,
    version: live.version,
    collection: live.physical,
    checkpoint: live.checkpoint,
    head,
    lag: Math.max(0, head - live.checkpoint),
    caughtUp: live.checkpoint >= head,
    deadLetters: live.deadLetters,
    // While a rebuild switches, the old version is frozen (stopped) and the new one applies the events.
    state: building !== null && live.state === 'stopped' ? building.state : live.state,
    lastError: lastError ? lastError.message : null,
    failures: failures.count,
    failingSince: failures.since?.toISOString() ?? null,
    rebuilding: building ? { version: building.version, checkpoint: building.checkpoint, lag: Math.max(0, head - building.checkpoint), state: building.state } : null,
  };
}

/** True while a worker is waiting for the store (or resubscribing), for the health gauge. */
export const isStalled = (state: WorkerState): boolean => state === 'paused' || state === 'retrying';
