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
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private readonly writeGroup: (group: readonly PendingAppend[], recordedAt: string) => Outcome[];

  constructor(
    db: Database.Database,
    statements: Statements,
    /** Called after a commit that inserted at least one event (wakes live subscriptions). */
    private readonly onCommitted: () => void,
  ) {
    const group = db.transaction((pending: readonly PendingAppend[], recordedAt: string) =>
      pending.map((item) => applyAppend(statements, item.request, recordedAt)),
    );
    // IMMEDIATE takes the write lock up front, so a concurrent writer in another
    // process makes us wait (busy timeout) instead of failing half way.
    this.writeGroup = (pending, recordedAt) => group.immediate(pending, recordedAt);
  }

  enqueue(request: AppendRequest): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes everything queued now, synchronously (also used by close()). */
  flush(): void {
    this.flushScheduled = false;
    const pending = this.queue;
    if (pending.length === 0) return;
    this.queue = [];
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
    this.record(pending.length, outcomes);
    return outcomes;
  }

  private record(groupSize: number, outcomes: readonly Outcome[]): void {
    const written = outcomes.reduce((sum, outcome) => sum + (outcome.ok ? outcome.written : 0), 0);
    this.stats.appends += groupSize;
    this.stats.transactions += 1;
    this.stats.largestGroup = Math.max(this.stats.largestGroup, groupSize);
    this.stats.eventsWritten += written;
    if (written > 0) this.onCommitted();
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
