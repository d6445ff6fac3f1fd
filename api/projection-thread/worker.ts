import { ALL_PROJECTIONS } from '../../projections/index.js';
import { ProjectionRunner } from '../../projections/runtime/index.js';
import type { Config } from '../config.js';
import { openReadModelStore, projectionBatchSize } from '../read-model-store.js';
import { openEventStore } from '../event-store.js';
import { serveThread } from '../threads/serve.js';

/** What the projection thread is started with. */
export interface ProjectionThreadData {
  /** The process's configuration: the thread opens the same event store and read-model store. */
  readonly config: Config;
}

/**
 * The projection thread: runs every read-model projection on its own connections to the event
 * store and the read-model store, so applying events (the usage projection applies one per
 * request) never runs on the event loop that serves requests. The main thread's queries read
 * the same read-model store through their own connection.
 */
serveThread(async (data) => {
  const { config } = data as ProjectionThreadData;
  const batchSize = projectionBatchSize(config);
  // It only reads events; the main thread's store checkpoints the file's WAL.
  const eventStore = await openEventStore(config, { checkpoints: 'shared' });
  const store = await openReadModelStore(config).catch(async (error: unknown) => {
    await eventStore.close();
    throw error;
  });
  const runner = new ProjectionRunner({ eventStore, store, projections: ALL_PROJECTIONS, ...(batchSize ? { batchSize } : {}) });
  const close = async () => {
    await runner.stop();
    await store.close();
    await eventStore.close();
  };
  await runner.start().catch(async (error: unknown) => {
    await close();
    throw error;
  });
  return {
    methods: {
      status: () => runner.status(),
      rebuild: (name: string) => runner.rebuild(name),
      waitForPosition: (position: number, timeoutMs: number | undefined) => runner.waitForPosition(position, timeoutMs === undefined ? {} : { timeoutMs }),
      lagSamples: () => runner.lagSamples(),
      healthSamples: () => runner.healthSamples(),
    },
    close,
  };
});
