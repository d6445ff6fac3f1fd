import type Database from 'better-sqlite3';
import type {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamMetadata,
  SubscribeToAllOptions,
  Subscription,
} from '../port.js';
import { WalCheckpoints, useBackstopAutocheckpoint } from '../../sqlite/checkpointer.js';
import { parseStreamMetadata, serializeEvent, stringifyObject, toRecordedEvent } from './codec.js';
import { TurnBatch } from '../../shared/turn-batch.js';
import { CommitChannel, type NoticeCoalescing } from './commit-channel.js';
import { GroupCommitter, type CommitNotice, type GroupCommitStats } from './group-commit.js';
import { openDatabase } from './schema.js';
import { prepareReadCategories, prepareStatements, type Statements } from './statements.js';
import { CatchUpSubscription, type ScannedBatch } from './subscription.js';
import { limitOf, validateAppend } from '../validate.js';

export type { GroupCommitStats } from './group-commit.js';

export interface SqliteEventStoreOptions {
  /** Database file (created with its directory if missing), or ':memory:'. */
  readonly path: string;
  /** true → synchronous=FULL: every commit is fsynced (survives power loss, slower). Default false. */
  readonly fsync?: boolean;
  /** How often live subscriptions look for commits made by other processes. Default 250 ms. */
  readonly pollIntervalMs?: number;
  /** How long a write waits for another process's lock on the file. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /**
   * Who checkpoints the WAL. 'background' (default): a worker thread of this store, instead of
   * the commit that crosses SQLite's threshold (keeps append tail latency low). 'shared': another
   * store on this file in this process already does (a second connection, e.g. a writer thread);
   * this one only keeps the high backstop threshold, so its own commits never run a checkpoint.
   * 'automatic': SQLite's own, inside commits. Ignored for ':memory:'.
   */
  readonly checkpoints?: 'background' | 'shared' | 'automatic';
  /**
   * Share commit notices with the other stores on this file in this process (worker threads),
   * so their subscriptions wake at once instead of at the next poll. Default true; tests turn it
   * off to stand in for another process. Ignored for ':memory:'.
   */
  readonly shareCommits?: boolean;
  /**
   * Notices of commits touching only these categories travel to the other threads at most this
   * late, several per message (commit-channel.ts); null (default): every notice at once.
   */
  readonly coalesceNotices?: NoticeCoalescing | null;
}


export interface SqliteSettings {
  readonly journalMode: string;
  /** SQLite's numeric level: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  readonly synchronous: number;
  /** WAL frames after which a commit of this connection runs a checkpoint itself. */
  readonly walAutocheckpointFrames: number;
}

/**
 * The embedded event store: one SQLite file in WAL mode, written through group commit.
 * It is the default adapter of the EventStore port; see port.ts for the guarantees and
 * schema.ts for the tables. Several instances may share a file: in one process (e.g. a writer
 * on a worker thread) their commits wake each other's subscriptions (commit-channel.ts); across
 * processes SQLite serialises the writes and subscriptions poll for the others' commits.
 */
export class SqliteEventStore implements EventStore {
  private closed = false;
  private readonly statements: Statements;
  private readonly committer: GroupCommitter;
  private readonly commitListeners = new Set<(notice: CommitNotice) => void>();
  /**
   * Commits are told to the subscriptions at the end of the turn of the event loop: whoever
   * awaited a local commit (a request about to answer its client) carries on first, among the
   * commit's own microtasks; and another thread's notice, which that thread posts before its
   * acknowledgement, waits for the acknowledgement's answer too. Notices keep their order.
   */
  private readonly announcements = new TurnBatch<CommitNotice>((notices) => {
    for (const notice of notices) this.wakeSubscriptions(notice);
  });
  private readonly subscriptions = new Set<CatchUpSubscription>();
  private checkpointer: WalCheckpoints | null = null;
  /** Commits of the other stores on this file in this process (worker threads), and ours to them. */
  private channel: CommitChannel | null = null;

  private constructor(
    private readonly db: Database.Database,
    private readonly pollIntervalMs: number,
  ) {
    this.statements = prepareStatements(db);
    this.committer = new GroupCommitter(db, this.statements, (notice) => this.notifyCommit(notice));
  }

  static async open(options: SqliteEventStoreOptions): Promise<SqliteEventStore> {
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    const db = openDatabase({ path: options.path, fsync: options.fsync ?? false, busyTimeoutMs });
    const store = new SqliteEventStore(db, options.pollIntervalMs ?? 250);
    const checkpoints = options.path === ':memory:' ? 'automatic' : (options.checkpoints ?? 'background');
    if (checkpoints === 'background') store.checkpointer = new WalCheckpoints(store.db, options.path, busyTimeoutMs);
    if (checkpoints === 'shared') useBackstopAutocheckpoint(store.db);
    if (options.path !== ':memory:' && options.shareCommits !== false) store.channel = new CommitChannel(options.path, (notice) => store.announcements.add(notice), options.coalesceNotices ?? null);
    return store;
  }

  /** Group-commit counters; `appends / transactions` is the average group size. */
  get stats(): Readonly<GroupCommitStats> {
    return { ...this.committer.stats };
  }

  /** The connection's journal mode and synchronous level, as SQLite reports them. */
  settings(): SqliteSettings {
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
      walAutocheckpointFrames: Number(this.db.pragma('wal_autocheckpoint', { simple: true })),
    };
  }

  async appendToStream(streamId: string, events: readonly EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(streamId, events, expectedRevision);
    return this.committer.enqueue({ streamId, events: events.map(serializeEvent), expectedRevision });
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const limit = limitOf(options.maxCount);
    const rows =
      options.direction === 'backwards'
        ? this.statements.readStreamBackwards.all(streamId, options.fromRevision ?? Number.MAX_SAFE_INTEGER, limit)
        : this.statements.readStreamForwards.all(streamId, options.fromRevision ?? 0, limit);
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.readAfter(options.after ?? 0, limitOf(options.maxCount));
  }

  subscribeToAll(options: SubscribeToAllOptions): Subscription {
    this.assertOpen();
    const categories = options.filter?.categories;
    const readFiltered = categories === undefined ? null : this.categoryReader(categories);
    const source = {
      readAfter: (after: number, maxCount: number): ScannedBatch => {
        if (readFiltered !== null) return readFiltered(after, maxCount);
        const events = this.readAfter(after, maxCount);
        return { events, scannedTo: events[events.length - 1]?.position ?? after };
      },
      onCommit: (listener: (notice: CommitNotice) => void) => this.onCommit(listener),
      pollIntervalMs: this.pollIntervalMs,
    };
    const subscription = new CatchUpSubscription(source, options, (ended) => this.subscriptions.delete(ended));
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.statements.headPosition.get()?.position ?? 0;
  }

  async setStreamMetadata(streamId: string, metadata: StreamMetadata): Promise<void> {
    this.assertOpen();
    this.statements.setStreamMetadata.run(streamId, stringifyObject(metadata, 'stream metadata'));
  }

  async getStreamMetadata(streamId: string): Promise<StreamMetadata | null> {
    this.assertOpen();
    const row = this.statements.getStreamMetadata.get(streamId);
    return row === undefined ? null : parseStreamMetadata(row.metadata);
  }

  /** Commits the appends already issued, stops the subscriptions, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.committer.flush();
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.checkpointer?.stop();
    this.channel?.close();
    this.db.close();
  }

  private readAfter(after: number, maxCount: number): RecordedEvent[] {
    return this.statements.readAll.all(after, maxCount).map(toRecordedEvent);
  }

  /**
   * A reader of the given categories: bounded by the head read first, so when fewer than
   * `maxCount` events match, everything up to that head was scanned (and none skipped).
   */
  private categoryReader(categories: readonly string[]): (after: number, maxCount: number) => ScannedBatch {
    if (categories.length === 0) throw new RangeError('a subscription filter needs at least one category');
    const statement = prepareReadCategories(this.db, categories.length);
    return (after, maxCount) => {
      const head = this.statements.headPosition.get()?.position ?? 0;
      if (head <= after) return { events: [], scannedTo: after };
      const events = statement.all(after, head, ...categories, maxCount).map(toRecordedEvent);
      return { events, scannedTo: events.length === maxCount ? events[events.length - 1].position : head };
    };
  }

  private onCommit(listener: (notice: CommitNotice) => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  private notifyCommit(notice: CommitNotice): void {
    this.announcements.add(notice);
    this.channel?.publish(notice);
  }

  private wakeSubscriptions(notice: CommitNotice): void {
    for (const listener of this.commitListeners) listener(notice);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the event store is closed');
  }
}
