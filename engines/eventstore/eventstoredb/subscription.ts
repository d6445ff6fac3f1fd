import { setTimeout as delay } from 'node:timers/promises';
import type { SubscribeToAllOptions, Subscription } from '../port.js';
import { checkpointToReport, planStep, type Step } from './batching.js';
import type { Feed, FeedRequest } from './feed.js';
import { validateCategories } from './filter.js';

export const DEFAULT_MAX_BATCH_SIZE = 500;

export interface SubscriptionWindows {
  /** maxSearchWindow while catching up: large, so the server scans the log in big pages. */
  readonly catchUp: number;
  /** maxSearchWindow once live: small, so skipped events are reported (checkpointed) promptly. */
  readonly live: number;
}

/**
 * A catch-up subscription to $all over EventStoreDB's own subscriptions (server-side filter,
 * checkpoints, caught-up signals).
 *
 * EventStoreDB ties a filtered subscription's checkpoint interval to its search window, and a
 * window good for catching up fast is far too coarse once live (a projection waiting for a
 * position of a category it skips would wait for hundreds of further events). So the
 * subscription runs in generations: it catches up with the large window and, once the server
 * says it is caught up, resubscribes from exactly where it is with the small one; should the
 * live subscription fall behind, it goes back to the large window (an unfiltered subscription,
 * which skips system events only, keeps the large one throughout). The positions are exact
 * (see positions.ts), so a generation change neither skips nor repeats an event.
 *
 * Guarantees, as the SQLite adapter gives them:
 * - events arrive in position order, no gaps, no duplicates, in batches of ≤ maxBatchSize;
 *   the next batch waits for the handler's promise;
 * - onCheckpoint (filtered only) reports how far the server scanned, only past the last
 *   delivered event, only forwards, after the events it covers;
 * - onCaughtUp fires whenever the live subscription has handed over everything it received;
 * - a failure (handler, server, connection) calls onError once and ends the subscription;
 * - stop() resolves after the batch in flight; no batch follows it.
 */
export class EventStoreDbSubscription implements Subscription {
  private stopped = false;
  private feed: Feed | null = null;
  /** Every event up to here was delivered or skipped; a new generation starts after it. */
  private scanned: number;
  private delivered: number;
  private reported: number;
  private announced: number | null = null;
  private readonly maxBatchSize: number;
  private readonly windows: SubscriptionWindows;
  private readonly done: Promise<void>;

  constructor(
    private readonly openFeed: (request: FeedRequest) => Feed,
    private readonly options: SubscribeToAllOptions,
    windows: SubscriptionWindows,
    /** Called once the subscription has ended, whatever the reason. */
    private readonly onEnded: (subscription: EventStoreDbSubscription) => void,
  ) {
    if (!Number.isSafeInteger(options.after) || options.after < 0) throw new RangeError(`after must be a non-negative safe integer, got ${options.after}`);
    this.maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    if (!Number.isSafeInteger(this.maxBatchSize) || this.maxBatchSize < 1) throw new RangeError(`maxBatchSize must be a positive integer, got ${options.maxBatchSize}`);
    if (options.filter !== undefined) validateCategories(options.filter.categories);
    // Without a filter every event but a system one is delivered anyway: frequent checkpoints
    // would tell nothing new, so the subscription keeps one generation, with the large window.
    this.windows = options.filter === undefined ? { catchUp: windows.catchUp, live: windows.catchUp } : windows;
    this.scanned = this.delivered = this.reported = options.after;
    // Start on a later microtask: the handler never runs before subscribeToAll returns.
    this.done = Promise.resolve().then(() => this.run());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.feed?.interrupt();
    await this.done;
  }

  private async run(): Promise<void> {
    try {
      let live = false;
      while (!this.stopped) {
        this.feed = this.openFeed({
          after: this.scanned,
          window: live ? this.windows.live : this.windows.catchUp,
          filter: this.options.filter,
          highWater: Math.max(2 * this.maxBatchSize, 256),
        });
        const next = await this.pump(this.feed, live);
        await this.closeFeed();
        live = next === 'live';
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.stopped = true;
      await this.closeFeed();
      this.onEnded(this);
    }
  }

  /** Delivers from one generation's feed until it should be replaced, or the subscription stops. */
  private async pump(feed: Feed, liveGeneration: boolean): Promise<'live' | 'catch_up' | 'stopped'> {
    const switching = this.windows.catchUp !== this.windows.live;
    let live = false;
    while (!this.stopped) {
      if (feed.items.length === 0) {
        if (feed.failure !== null) throw feed.failure; // only once everything received before it is delivered
        if (live) this.announceCaughtUp();
        await feed.wait();
        if (live && this.options.coalesceMs && !this.stopped && feed.items.length > 0) await delay(this.options.coalesceMs);
        continue;
      }
      const step = planStep(feed.items, this.scanned, this.maxBatchSize);
      feed.drop(step.consumed);
      await this.deliver(step);
      if (step.live === null) continue;
      live = step.live;
      if (switching && live !== liveGeneration) return live ? 'live' : 'catch_up';
    }
    return 'stopped';
  }

  private async deliver(step: Step): Promise<void> {
    const last = step.events[step.events.length - 1];
    if (last !== undefined) {
      await this.options.onEvents(step.events);
      this.delivered = last.position;
    }
    this.scanned = Math.max(this.scanned, step.scannedTo, this.delivered);
    const checkpoint = checkpointToReport(this.options.filter !== undefined, this.scanned, this.delivered, this.reported);
    if (checkpoint !== null && !this.stopped) {
      this.reported = checkpoint;
      await this.options.onCheckpoint?.(checkpoint);
    }
  }

  private announceCaughtUp(): void {
    if (this.announced === this.scanned) return;
    this.announced = this.scanned;
    this.options.onCaughtUp?.(this.scanned);
  }

  private async closeFeed(): Promise<void> {
    const feed = this.feed;
    this.feed = null;
    await feed?.close();
  }

  /** Reports once; without an onError (or if it throws) the failure becomes a process warning, never a crash. */
  private fail(error: unknown): void {
    const report = this.options.onError ?? ((failure: Error) => process.emitWarning(failure));
    try {
      report(error instanceof Error ? error : new Error(String(error)));
    } catch (secondary) {
      process.emitWarning(secondary instanceof Error ? secondary : String(secondary));
    }
  }
}
