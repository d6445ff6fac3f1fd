import { resolve } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import type { CommitNotice } from './group-commit.js';

interface NoticeMessage {
  readonly first: number;
  readonly last: number;
  readonly categories: readonly string[];
}

/**
 * Commit notices shared by every SqliteEventStore on the same file in this process, whatever
 * thread it runs on (a writer in a worker thread, the main thread's subscriptions). Without
 * it, a subscription learns of another thread's commit only at its next poll (250 ms).
 *
 * Notices may arrive out of order with local ones; subscriptions only skip a notice that
 * follows their position without a gap, so a late one costs a read, never a missed event.
 * Other processes on the file are still found by polling.
 */
export class CommitChannel {
  private readonly channel: BroadcastChannel;

  constructor(path: string, onNotice: (notice: CommitNotice) => void) {
    this.channel = new BroadcastChannel(`nexus:sqlite-event-store:${resolve(path)}`);
    // Listening must never keep the process alive on its own.
    this.channel.unref();
    this.channel.onmessage = (event: unknown) => {
      const message = (event as { data: NoticeMessage }).data;
      onNotice({ first: message.first, last: message.last, categories: new Set(message.categories) });
    };
  }

  /** Tells the other stores on the file (never this one: a channel does not hear itself). */
  publish(notice: CommitNotice): void {
    this.channel.postMessage({ first: notice.first, last: notice.last, categories: [...notice.categories] } satisfies NoticeMessage);
  }

  close(): void {
    this.channel.close();
  }
}
