import { resolve } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { TurnBatch } from '../../shared/turn-batch.js';
import type { CommitNotice } from './group-commit.js';

interface NoticeMessage {
  readonly first: number;
  readonly last: number;
  readonly categories: readonly string[];
}

/** Notices of commits that touch only these categories may wait up to `withinMs` to travel together. */
export interface NoticeCoalescing {
  readonly categories: readonly string[];
  readonly withinMs: number;
}

/**
 * Commit notices shared by every SqliteEventStore on the same file in this process, whatever
 * thread it runs on (a writer in a worker thread, the main thread's subscriptions). Without
 * it, a subscription learns of another thread's commit only at its next poll (250 ms).
 *
 * Notices may arrive out of order with local ones; subscriptions only skip a notice that
 * follows their position without a gap, so a late one costs a read, never a missed event.
 * Other processes on the file are still found by polling.
 *
 * Each message wakes every other thread listening on the file, which on a small VM costs tens of
 * microseconds per thread. Notices of high-volume categories (the data plane's usage events)
 * can therefore be coalesced: held up to `withinMs` and sent as one message. Any other notice
 * is sent at once, after the ones held (order kept), so control-plane commits still wake
 * their followers immediately.
 */
export class CommitChannel {
  private readonly channel: BroadcastChannel;
  /** Notices of the coalesced categories, waiting to travel together; null: every notice goes at once. */
  private readonly held: TurnBatch<NoticeMessage> | null;
  private readonly coalesced: ReadonlySet<string>;

  constructor(path: string, onNotice: (notice: CommitNotice) => void, coalescing: NoticeCoalescing | null = null) {
    this.coalesced = new Set(coalescing?.categories ?? []);
    this.held = coalescing === null ? null : new TurnBatch((messages) => this.channel.postMessage(messages), { holdMs: coalescing.withinMs });
    this.channel = new BroadcastChannel(`nexus:sqlite-event-store:${resolve(path)}`);
    // Listening must never keep the process alive on its own.
    this.channel.unref();
    this.channel.onmessage = (event: unknown) => {
      for (const message of (event as { data: readonly NoticeMessage[] }).data) {
        onNotice({ first: message.first, last: message.last, categories: new Set(message.categories) });
      }
    };
  }

  /** Tells the other stores on the file (never this one: a channel does not hear itself). */
  publish(notice: CommitNotice): void {
    const message: NoticeMessage = { first: notice.first, last: notice.last, categories: [...notice.categories] };
    if (this.held === null) return this.channel.postMessage([message]);
    this.held.add(message);
    // A notice of any other category goes at once, with the held ones ahead of it in the same message (order kept).
    if (!message.categories.every((category) => this.coalesced.has(category))) this.held.send();
  }

  close(): void {
    this.held?.send();
    this.channel.close();
  }
}
