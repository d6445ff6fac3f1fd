import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { deserializeError, type FromRecorder, type RecorderWorkerData, type ToRecorder } from './protocol.js';
import type { Rejection } from './record.js';
import type { OutcomeRecord, OutcomeRecorder } from './recorder.js';

const WORKER_MODULE = new URL('./worker.ts', import.meta.url).href;
/** Resolved here, not in the worker: an eval'd worker resolves bare specifiers from the working directory. */
const TSX_API = import.meta.resolve('tsx/esm/api');
const START_TIMEOUT_MS = 60_000;

/**
 * The worker runs TypeScript like the rest of the process: it registers tsx's loader before
 * importing its module (a worker does not inherit the parent's loader hooks on Node 20).
 */
const BOOTSTRAP_SOURCE = `
import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_MODULE)}); });
`;

interface Pending {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Usage events recorded on a worker thread (worker.ts), so the request loop only posts a
 * message and awaits the acknowledgement of the commit: the answer still never goes out
 * before its record is durable. Uses the machine's second core for what a bare proxy does
 * not do at all (sealing the hash chain, the write transaction).
 *
 * Should the thread die, pending records fail (the pipeline retries them) and every later
 * record goes through `fallback` on the caller's thread: recording never stops.
 */
export class ThreadRecorder implements OutcomeRecorder {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private alive = true;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    private readonly fallback: OutcomeRecorder,
    private readonly logger: Logger,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (message: FromRecorder) => {
      if (message.type !== 'done') return;
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error === null) waiting?.resolve();
      else waiting?.reject(deserializeError(message.error));
    });
    worker.on('error', (error) => this.lost(error));
    worker.once('exit', (code) => this.lost(new Error(`the recorder thread exited (code ${code})`)));
  }

  /** Starts the thread and waits until its event store is open; rejects with the thread's own error otherwise. */
  static async start(options: { readonly config: Config; readonly fallback: OutcomeRecorder; readonly logger: Logger }): Promise<ThreadRecorder> {
    const worker = new Worker(BOOTSTRAP_SOURCE, { eval: true, workerData: { config: options.config } satisfies RecorderWorkerData });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the recorder thread did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
        const settle = (error: Error | null) => {
          clearTimeout(timer);
          worker.off('message', onMessage).off('error', onError).off('exit', onExit);
          if (error === null) resolve();
          else reject(error);
        };
        const onMessage = (message: FromRecorder) => {
          if (message.type === 'ready') settle(null);
          else if (message.type === 'failed') settle(new Error(message.message));
        };
        const onError = (error: Error) => settle(error);
        const onExit = (code: number) => settle(new Error(`the recorder thread exited (code ${code}) while starting`));
        worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      });
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    // Waiting on a record keeps the process alive through its own I/O; the idle thread must not.
    worker.unref();
    return new ThreadRecorder(worker, options.fallback, options.logger);
  }

  outcome(record: OutcomeRecord): Promise<void> {
    if (!this.alive) return this.fallback.outcome(record);
    return this.call((id) => ({ type: 'outcome', id, record }));
  }

  rejection(rejection: Rejection, now: Date): Promise<void> {
    if (!this.alive) return this.fallback.rejection(rejection, now);
    return this.call((id) => ({ type: 'rejection', id, rejection, now }));
  }

  /** The thread finishes the records it was given, closes its event store connection, then exits. */
  async close(): Promise<void> {
    if (this.alive) {
      this.alive = false;
      this.worker.ref();
      this.worker.postMessage({ type: 'close' } satisfies ToRecorder);
      await this.exited;
    }
    await this.fallback.close();
  }

  private call(message: (id: number) => ToRecorder): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(message(id));
    });
  }

  private lost(error: Error): void {
    if (this.alive) this.logger.error({ err: error }, 'the recorder thread stopped; usage events are recorded on the main thread from now on');
    this.alive = false;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
