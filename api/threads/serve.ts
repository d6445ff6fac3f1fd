import { parentPort, workerData } from 'node:worker_threads';
import { TurnBatch } from '../../engines/shared/turn-batch.js';
import { serializeError, type Answer, type FromThread, type ToThread } from './protocol.js';

/** What a service thread offers: its methods, and how to let go of what it opened. */
export interface ThreadService {
  // Arguments arrive structured-cloned from the caller, typed by the client's wrapper.
  readonly methods: Readonly<Record<string, (...args: never[]) => unknown>>;
  close(): Promise<void>;
}

/**
 * The worker side of client.ts's ServiceThread: opens the service from the thread's data
 * (reporting 'failed' with the reason if it cannot), answers calls by id, and on 'close'
 * finishes the calls in flight, closes the service and ends the thread.
 */
export function serveThread(open: (data: unknown) => Promise<ThreadService>): void {
  const port = parentPort;
  if (port === null) throw new Error('serveThread runs in a worker thread');
  const send = (message: FromThread) => port.postMessage(message);
  void open(workerData).then(
    (service) => {
      let closing = false;
      const inFlight = new Set<Promise<void>>();
      const answers = new TurnBatch<Answer>((batch) => send({ type: 'answers', answers: batch }));
      port.on('message', (message: ToThread) => {
        if (message.type === 'calls') {
          for (const { id, method, args } of message.calls) {
            const settled = answer(service, method, args).then(
              (value) => answers.add({ id, value }),
              (error: unknown) => answers.add({ id, error: serializeError(error) }),
            );
            inFlight.add(settled);
            void settled.finally(() => inFlight.delete(settled));
          }
        } else if (message.type === 'close' && !closing) {
          closing = true;
          void Promise.allSettled([...inFlight])
            .then(() => answers.send())
            .then(() => service.close())
            .finally(() => port.close());
        }
      });
      send({ type: 'ready' });
    },
    (error: unknown) => send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
}

async function answer(service: ThreadService, method: string, args: readonly unknown[]): Promise<unknown> {
  const handler = Object.hasOwn(service.methods, method) ? service.methods[method] : undefined;
  if (handler === undefined) throw new Error(`no method '${method}' on this thread`);
  return (handler as (...given: readonly unknown[]) => unknown)(...args);
}
