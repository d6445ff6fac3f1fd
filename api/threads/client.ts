import { Worker } from 'node:worker_threads';
import { TurnBatch } from '../../engines/shared/turn-batch.js';
import { deserializeError, type Answer, type Call, type FromThread, type ToThread } from './protocol.js';

const START_TIMEOUT_MS = 60_000;
/** Resolved here, not in the worker: an eval'd worker resolves bare specifiers from the working directory. */
const TSX_API = import.meta.resolve('tsx/esm/api');

/**
 * The URL of a module next to `importerUrl` (pass `import.meta.url`), with the importer's own
 * extension: `.ts` when the process runs the sources under tsx, `.js` in the compiled build
 * (`npm run build`, dist/).
 */
export function siblingModule(importerUrl: string, name: string): string {
  const extension = /\.[cm]?[jt]s$/.exec(new URL(importerUrl).pathname)?.[0] ?? '.js';
  return new URL(`./${name}${extension}`, importerUrl).href;
}

/**
 * A TypeScript module runs like the rest of the process: the worker registers tsx's loader
 * before importing it (a worker does not inherit the parent's loader hooks on Node 20). The
 * compiled build's JavaScript is imported as it is, with no loader at all.
 */
function bootstrapSource(moduleUrl: string): string {
  if (!moduleUrl.endsWith('.ts')) return `import(${JSON.stringify(moduleUrl)});`;
  return `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl)}); });`;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The main thread's side of a service thread (a module that calls serveThread, serve.ts):
 * started with the data it needs, then called by method name; each call resolves with the
 * thread's answer or rejects with its error (the domain's kind kept). If the thread dies,
 * calls in flight reject and `alive` turns false; listeners given to onLost hear why.
 *
 * The thread never keeps the process alive on its own (unref'd): whoever waits on a call has
 * its own reason to be running, and close() holds the process until the thread has finished.
 */
export class ServiceThread {
  private readonly pending = new Map<number, Pending>();
  private readonly lostListeners: Array<(error: Error) => void> = [];
  private nextId = 1;
  private aliveValue = true;
  private readonly exited: Promise<void>;
  private readonly outgoing: TurnBatch<Call>;

  private constructor(
    private readonly worker: Worker,
    readonly name: string,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    this.outgoing = new TurnBatch((calls) => worker.postMessage({ type: 'calls', calls } satisfies ToThread));
    worker.on('message', (message: FromThread) => {
      if (message.type === 'answers') for (const answer of message.answers) this.answer(answer);
    });
    worker.on('error', (error) => this.lost(error));
    worker.once('exit', (code) => this.lost(new Error(`the ${name} thread exited (code ${code})`)));
  }

  /** Starts `moduleUrl` on a worker thread and waits until it serves; rejects with the thread's own error otherwise. */
  static async start(name: string, moduleUrl: string, workerData: unknown): Promise<ServiceThread> {
    const worker = new Worker(bootstrapSource(moduleUrl), { eval: true, workerData, name });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the ${name} thread did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
        const settle = (error: Error | null) => {
          clearTimeout(timer);
          worker.off('message', onMessage).off('error', onError).off('exit', onExit);
          if (error === null) resolve();
          else reject(error);
        };
        const onMessage = (message: FromThread) => {
          if (message.type === 'ready') settle(null);
          else if (message.type === 'failed') settle(new Error(message.message));
        };
        const onError = (error: Error) => settle(error);
        const onExit = (code: number) => settle(new Error(`the ${name} thread exited (code ${code}) while starting`));
        worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      });
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    worker.unref();
    return new ServiceThread(worker, name);
  }

  get alive(): boolean {
    return this.aliveValue;
  }

  call<T>(method: string, ...args: unknown[]): Promise<T> {
    if (!this.aliveValue) return Promise.reject(new Error(`the ${this.name} thread is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.outgoing.add({ id, method, args });
    });
  }

  /** A call that gives up (rejects) after `timeoutMs`: for callers that must answer even when the thread is stuck. */
  callWithin<T>(timeoutMs: number, method: string, ...args: unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the ${this.name} thread did not answer '${method}' within ${timeoutMs} ms`)), timeoutMs);
      this.call<T>(method, ...args).then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  onLost(listener: (error: Error) => void): void {
    this.lostListeners.push(listener);
  }

  /** The thread finishes the calls it was given, closes what it opened, then exits. */
  async close(): Promise<void> {
    if (!this.aliveValue) return;
    this.aliveValue = false;
    this.worker.ref();
    this.outgoing.send();
    this.worker.postMessage({ type: 'close' } satisfies ToThread);
    await this.exited;
  }

  /** Stops the thread at once, as a crash would (tests). */
  async kill(): Promise<void> {
    await this.worker.terminate();
  }

  private answer(answer: Answer): void {
    const waiting = this.pending.get(answer.id);
    this.pending.delete(answer.id);
    if ('error' in answer) waiting?.reject(deserializeError(answer.error));
    else waiting?.resolve(answer.value);
  }

  private lost(error: Error): void {
    const wasAlive = this.aliveValue;
    this.aliveValue = false;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
    if (wasAlive) for (const listener of this.lostListeners) listener(error);
  }
}
