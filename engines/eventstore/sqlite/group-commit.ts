import { TurnBatch } from '../../shared/turn-batch.js';
import type Database from 'better-sqlite3';
import { assertNever } from '../../../domain/shared/errors.js';
import type { AppendResult } from '../port.js';
import { decideAppend, insertEvents, type AppendRequest } from './append.js';
import type { Statements } from './statements.js';

/** Counters that make group commit observable (tests, benchmarks, metrics). */
export interface GroupCommitStats {
  /** Appends that reached a write group (validated ones). */
  appends: number;
  /** Write transactions committed; appends / transactions is the average group size. */
  transactions: number;
  /** Events inserted (idempotent replays and rejected appends insert none). */
  eventsWritten: number;
  /** Size of the largest write group so far. */
  largestGroup: number;
}

interface PendingAppend {
  readonly request: AppendRequest;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: Error) => void;
}

type Outcome = { readonly ok: true; readonly result: AppendResult; readonly written: number } | { readonly ok: false; readonly error: Error };

/**
 * What one committed transaction inserted: positions first..last, all of them, from streams
 * of these categories. Subscriptions filtered to other categories can then move past the
 * commit without reading it.
 */
export interface CommitNotice {
  readonly first: number;
  readonly last: number;
  readonly categories: ReadonlySet<string>;
}

/**
 * Group commit: appends issued while a flush is pending are queued and written in ONE
 * SQLite transaction on the next turn of the event loop (setImmediate), so 64
 * concurrent writers pay for one commit instead of 64.
 *
 * Guarantees:
 * - each append is checked on its own, seeing the earlier appends of its group; a
 *   refused append (revision, duplicate id) writes nothing and rejects only its promise;
 * - a promise resolves only after the transaction holding its events has committed;
 * - if the engine fails (I/O, disk full, lock timeout), the whole group rolls back and
 *   every append of it rejects with that error: none of them wrote anything.
 */
export class GroupCommitter {
  readonly stats: GroupCommitStats = { appends: 0, transactions: 0, eventsWritten: 0, largestGroup: 0 };
  private readonly queue = new TurnBatch<PendingAppend>((pending) => this.settle(pending));
  private readonly writeGroup: (group: readonly PendingAppend[], recordedAt: string) => Outcome[];

  constructor(
    db: Database.Database,
    statements: Statements,
    /** Called after a commit that inserted at least one event (wakes live subscriptions). */
    private readonly onCommitted: (notice: CommitNotice) => void,
  ) {
    const group = db.transaction((pending: readonly PendingAppend[], recordedAt: string) =>
      pending.map((item) => applyAppend(statements, item.request, recordedAt)),
    );
    // IMMEDIATE takes the write lock up front, so a concurrent writer in another
    // process makes us wait (busy timeout) instead of failing half way.
    this.writeGroup = (pending, recordedAt) => group.immediate(pending, recordedAt);
  }

  enqueue(request: AppendRequest): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => this.queue.add({ request, resolve, reject }));
  }

  /** Writes everything queued now, synchronously (also used by close()). */
  flush(): void {
    this.queue.send();
  }

  private settle(pending: readonly PendingAppend[]): void {
    const outcomes = this.commit(pending);
    outcomes.forEach((outcome, index) => {
      const item = pending[index] as PendingAppend;
      if (outcome.ok) item.resolve(outcome.result);
      else item.reject(outcome.error);
    });
  }

  private commit(pending: readonly PendingAppend[]): Outcome[] {
    let outcomes: Outcome[];
    try {
      outcomes = this.writeGroup(pending, new Date().toISOString());
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      return pending.map(() => ({ ok: false, error: failure }));
    }
    this.record(pending, outcomes);
    return outcomes;
  }

  private record(pending: readonly PendingAppend[], outcomes: readonly Outcome[]): void {
    let written = 0;
    let first = Number.MAX_SAFE_INTEGER;
    let last = 0;
    const categories = new Set<string>();
    outcomes.forEach((outcome, index) => {
      if (!outcome.ok || outcome.written === 0) return;
      written += outcome.written;
      // One transaction assigns consecutive positions, so the written appends cover first..last without a gap.
      first = Math.min(first, outcome.result.position - outcome.written + 1);
      last = Math.max(last, outcome.result.position);
      const streamId = (pending[index] as PendingAppend).request.streamId;
      categories.add(streamId.slice(0, Math.max(0, streamId.indexOf('-'))));
    });
    this.stats.appends += pending.length;
    this.stats.transactions += 1;
    this.stats.largestGroup = Math.max(this.stats.largestGroup, pending.length);
    this.stats.eventsWritten += written;
    if (written > 0) this.onCommitted({ first, last, categories });
  }
}

function applyAppend(statements: Statements, request: AppendRequest, recordedAt: string): Outcome {
  const decision = decideAppend(statements, request);
  switch (decision.kind) {
    case 'reject':
      return { ok: false, error: decision.error };
    case 'replay':
      return { ok: true, result: decision.result, written: 0 };
    case 'write':
      return { ok: true, result: insertEvents(statements, request, decision.head, recordedAt), written: request.events.length };
    default:
      return assertNever(decision, 'append decision');
  }
}
