import { setTimeout as delay } from 'node:timers/promises';
import type { RecordedEvent, SubscribeToAllOptions, Subscription } from '../port.js';
import type { CommitNotice } from './group-commit.js';

export const DEFAULT_MAX_BATCH_SIZE = 500;
/** Beyond this many unread notices a read is cheaper than walking them (and memory stays bounded). */
const MAX_NOTICES = 1_000;

/** Where a subscription reads from and how it learns that something new was committed. */
/** One read: the events found, and how far the log was scanned to find them. */
export interface ScannedBatch {
  readonly events: readonly RecordedEvent[];
  /** Every event up to here was considered (for an unfiltered read: the last event's position). */
  readonly scannedTo: number;
}

export interface SubscriptionSource {
  /** Events with a position strictly greater than `after`, in position order (filtered when the subscription has a filter). */
  readAfter(after: number, maxCount: number): ScannedBatch;
  /** Registers a listener called after each local commit; returns the unregister function. */
  onCommit(listener: (notice: CommitNotice) => void): () => void;
  /** Fallback wake-up period, for commits made by other processes on the same file. */
  readonly pollIntervalMs: number;
}

/**
 * A catch-up subscription to $all: reads from the checkpoint in batches, then waits
 * for commits and keeps reading.
 *
 * Guarantees:
 * - events arrive in position order with no gaps and no duplicates: each batch starts
 *   strictly after the last delivered position, and positions are committed in order;
 * - one batch at a time: the next read waits for the handler's promise;
 * - onCaughtUp(position) fires each time a read finds nothing new after a delivery
 *   (and once at the start if there was nothing to catch up);
 * - if the handler (or the store) fails, onError fires once and the subscription stops;
 * - stop() resolves after the batch in flight, if any, has been handled.
 */
export class CatchUpSubscription implements Subscription {
  private stopped = false;
  /** Set by a commit notification; cleared before each read so no wake-up is lost. */
  private commitSeen = true;
  private wake: (() => void) | null = null;
  /** Local commits not yet read; a filtered subscription moves past those of other categories without reading. */
  private notices: CommitNotice[] = [];
  private readonly categories: ReadonlySet<string> | null;
  private readonly unsubscribe: () => void;
  private readonly done: Promise<void>;

  constructor(
    private readonly source: SubscriptionSource,
    private readonly options: SubscribeToAllOptions,
    /** Called once the subscription has ended, whatever the reason. */
    private readonly onEnded: (subscription: CatchUpSubscription) => void,
  ) {
    this.categories = options.filter ? new Set(options.filter.categories) : null;
    this.unsubscribe = source.onCommit((notice) => this.nudge(notice));
    // Start on a later microtask: the handler never runs before subscribeToAll returns.
    this.done = Promise.resolve().then(() => this.run());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.done;
  }

  private nudge(notice: CommitNotice): void {
    if (this.categories !== null && this.notices.length < MAX_NOTICES) this.notices.push(notice);
    this.commitSeen = true;
    this.wake?.();
  }

  /**
   * Moves `position` past local commits of no wanted category, when they follow it without a
   * gap (a gap may hold another process's commit, which only a read can judge). Returns the new
   * position and whether a read is still needed.
   */
  private skipUnwanted(position: number): { position: number; needsRead: boolean } {
    const categories = this.categories;
    if (categories === null) return { position, needsRead: true };
    const notices = this.notices;
    this.notices = [];
    let at = position;
    for (let i = 0; i < notices.length; i++) {
      const notice = notices[i] as CommitNotice;
      if (notice.last <= at) continue;
      const wanted = notice.first !== at + 1 || [...notice.categories].some((category) => categories.has(category));
      if (wanted) return { position: at, needsRead: true };
      at = notice.last;
    }
    return { position: at, needsRead: false };
  }

  private async run(): Promise<void> {
    try {
      await this.deliverUntilStopped();
    } catch (error) {
      this.fail(error);
    } finally {
      this.stopped = true;
      this.unsubscribe();
      this.onEnded(this);
    }
  }

  private async deliverUntilStopped(): Promise<void> {
    const maxBatchSize = this.options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    let position = this.options.after;
    let announced: number | null = null;
    let mustRead = true;
    while (!this.stopped) {
      this.commitSeen = false;
      if (!mustRead) {
        const skipped = this.skipUnwanted(position);
        if (skipped.position > position) {
          position = skipped.position;
          await this.options.onCheckpoint?.(position);
        }
        if (!skipped.needsRead) {
          if (announced !== position) {
            announced = position;
            this.options.onCaughtUp?.(position);
          }
          await this.waitForCommit();
          if (this.options.coalesceMs && !this.stopped) await delay(this.options.coalesceMs);
          mustRead = this.notices.length === 0; // the poll timer (or stop) woke it: look for other processes' commits
          continue;
        }
      }
      mustRead = true;
      this.notices = [];
      const { events, scannedTo } = this.source.readAfter(position, maxBatchSize);
      const last = events[events.length - 1];
      if (last !== undefined) await this.options.onEvents(events);
      if (scannedTo > position) {
        // A filtered read may have skipped events after the last one delivered: say how far it looked.
        if (scannedTo > (last?.position ?? position)) await this.options.onCheckpoint?.(scannedTo);
        position = scannedTo;
        continue;
      }
      if (announced !== position) {
        announced = position;
        this.options.onCaughtUp?.(position);
      }
      await this.waitForCommit();
      if (this.options.coalesceMs && !this.stopped) await delay(this.options.coalesceMs);
      // Woken by local commits only (not the poll timer): they may be skippable without a read.
      mustRead = this.categories === null || this.notices.length === 0;
    }
  }

  /** Resolves on a local commit notification, on stop(), or after the poll interval. */
  private waitForCommit(): Promise<void> {
    if (this.commitSeen || this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake?.(), this.source.pollIntervalMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  /** Reports once; a failure with no onError (or inside onError) becomes a process warning, never a crash. */
  private fail(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    try {
      if (this.options.onError) this.options.onError(failure);
      else process.emitWarning(failure);
    } catch (secondary) {
      process.emitWarning(secondary instanceof Error ? secondary : String(secondary));
    }
  }
}
