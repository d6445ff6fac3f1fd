import { serveThread } from '../../threads/serve.js';
import { openEventStore } from '../../event-store.js';
import type { Config } from '../../config.js';
import type { Rejection } from './record.js';
import { inlineRecorder, type OutcomeRecord } from './recorder.js';

/** What the recorder thread is started with: the process's configuration, so it opens the same event store (file or server). */
export interface RecorderThreadData {
  readonly config: Config;
}

/**
 * The recorder thread: decides, seals (hash chain) and appends the data plane's usage events
 * on its own connection to the event store, so none of that work (canonical JSON, SHA-256,
 * the SQLite group commit) runs on the event loop that serves requests. Its commits wake the
 * main thread's subscriptions through the store's commit channel.
 */
serveThread(async (data) => {
  const { config } = data as RecorderThreadData;
  // The main thread's store already checkpoints the file's WAL in the background.
  const eventStore = await openEventStore(config, { checkpoints: 'shared' });
  const recorder = inlineRecorder(eventStore);
  return {
    methods: {
      outcome: (record: OutcomeRecord) => recorder.outcome(record),
      rejection: (rejection: Rejection, now: Date) => recorder.rejection(rejection, now),
    },
    close: () => eventStore.close(),
  };
});
