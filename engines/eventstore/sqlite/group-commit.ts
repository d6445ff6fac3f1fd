import type Database from 'better-sqlite3';
import type { AppendResult } from '../port.js';
import { appendWithRevision, type AppendRequest, type AppliedAppend } from './append.js';
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

type Outcome = { ok: true; applied: AppliedAppend } | { ok: false; error: Error };

/**
 * Group commit: appends issued while a flush is pending are queued and written in ONE
 * SQLite transaction on the next turn of the event loop (setImmediate), so 64
 * concurrent writers pay for one commit instead of 64.
 *
 * Guarantees:
 * - each append runs under its own savepoint and is checked independently (seeing the
 *   earlier appends of its group); a rejected append writes nothing and rejects only
 *   its own promise;
 * - a promise resolves only after the transaction holding its events has committed;
 * - if the commit itself fails, every append of the group rejects and nothing is written.
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
    // Nested better-sqlite3 transactions become savepoints inside the outer one.
    const appendOne = db.transaction((request: AppendRequest, recordedAt: string) =>
      appendWithRevision(statements, request, recordedAt),
    );
    const group = db.transaction((pending: readonly PendingAppend[], recordedAt: string) =>
      pending.map((item) => settle(() => appendOne(item.request, recordedAt))),
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

  /** Writes everything queued now, synchronously (used by close()). */
  flush(): void {
    this.flushScheduled = false;
    const pending = this.queue;
    if (pending.length === 0) return;
    this.queue = [];
    const outcomes = this.commit(pending);
    outcomes.forEach((outcome, index) => {
      const item = pending[index] as PendingAppend;
      if (outcome.ok) item.resolve(outcome.applied.result);
      else item.reject(outcome.error);
    });
  }

  private commit(pending: readonly PendingAppend[]): Outcome[] {
    let outcomes: Outcome[];
    try {
      outcomes = this.writeGroup(pending, new Date().toISOString());
    } catch (error) {
      const failure = toError(error);
      return pending.map(() => ({ ok: false, error: failure }));
    }
    this.record(pending, outcomes);
    return outcomes;
  }

  private record(pending: readonly PendingAppend[], outcomes: readonly Outcome[]): void {
    const before = this.stats.eventsWritten;
    this.stats.appends += pending.length;
    this.stats.transactions += 1;
    this.stats.largestGroup = Math.max(this.stats.largestGroup, pending.length);
    for (const outcome of outcomes) if (outcome.ok) this.stats.eventsWritten += outcome.applied.written;
    if (this.stats.eventsWritten > before) this.onCommitted();
  }
}

function settle(run: () => AppliedAppend): Outcome {
  try {
    return { ok: true, applied: run() };
  } catch (error) {
    return { ok: false, error: toError(error) };
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
