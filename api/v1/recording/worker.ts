import { parentPort, workerData } from 'node:worker_threads';
import type { EventStore } from '../../../engines/eventstore/port.js';
import { openEventStore } from '../../event-store.js';
import { serializeError, type FromRecorder, type RecorderWorkerData, type ToRecorder } from './protocol.js';
import { inlineRecorder } from './recorder.js';

/**
 * The recorder thread: decides, seals (hash chain) and appends the data plane's usage events
 * on its own connection to the event store, so none of that work (canonical JSON, SHA-256,
 * the SQLite group commit) runs on the event loop that serves requests. Its commits wake the
 * main thread's subscriptions through the store's commit channel.
 */
async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('the recorder runs in a worker thread');
  const send = (message: FromRecorder) => port.postMessage(message);
  const { config } = workerData as RecorderWorkerData;
  let eventStore: EventStore;
  try {
    // The main thread's store already checkpoints the file's WAL in the background.
    eventStore = await openEventStore(config, { checkpoints: 'shared' });
  } catch (error) {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  const recorder = inlineRecorder(eventStore);
  let closing = false;
  const inFlight = new Set<Promise<void>>();
  const track = (id: number, work: Promise<void>) => {
    const settled = work.then(
      () => send({ type: 'done', id, error: null }),
      (error: unknown) => send({ type: 'done', id, error: serializeError(error) }),
    );
    inFlight.add(settled);
    void settled.finally(() => inFlight.delete(settled));
  };
  port.on('message', (message: ToRecorder) => {
    if (message.type === 'outcome') track(message.id, recorder.outcome(message.record));
    else if (message.type === 'rejection') track(message.id, recorder.rejection(message.rejection, message.now));
    else if (message.type === 'close' && !closing) {
      closing = true;
      void Promise.allSettled([...inFlight])
        .then(() => eventStore.close())
        .finally(() => port.close());
    }
  });
  send({ type: 'ready' });
}

void main();
