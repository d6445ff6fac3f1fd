import type { Histogram } from 'prom-client';
import type { AppendResult, EventStore, EventToAppend, ExpectedRevision } from './port.js';

/** Decorates any EventStore adapter with append-latency metrics; behaviour is unchanged. */
export function instrumentEventStore(store: EventStore, appendDuration: Histogram<'outcome'>): EventStore {
  return {
    appendToStream: async (streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> => {
      const stop = appendDuration.startTimer();
      try {
        const result = await store.appendToStream(streamId, events, expected);
        stop({ outcome: 'ok' });
        return result;
      } catch (error) {
        stop({ outcome: 'error' });
        throw error;
      }
    },
    readStream: (streamId, options) => store.readStream(streamId, options),
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    headPosition: () => store.headPosition(),
    setStreamMetadata: (streamId, metadata) => store.setStreamMetadata(streamId, metadata),
    getStreamMetadata: (streamId) => store.getStreamMetadata(streamId),
    close: () => store.close(),
  };
}
