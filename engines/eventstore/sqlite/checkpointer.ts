import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CheckpointerOptions {
  readonly path: string;
  readonly busyTimeoutMs: number;
  /** How often the worker copies committed WAL frames into the database file. */
  readonly intervalMs: number;
  /** WAL length (frames) past which a fully copied WAL is reset so the file stops growing. */
  readonly restartFrames: number;
}

/**
 * Runs in a worker thread with its own connection. PASSIVE never blocks the writer: it
 * copies the frames committed so far and fsyncs the database file off the event loop.
 * Once the WAL is long and fully copied, RESTART makes the next writer start the WAL
 * from the beginning; it holds the write lock only for that instant, as nothing is
 * left to copy.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
const checkpoint = () => {
  const [state] = db.pragma('wal_checkpoint(PASSIVE)');
  if (state && state.log >= workerData.restartFrames && state.checkpointed === state.log) db.pragma('wal_checkpoint(RESTART)');
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Moves WAL checkpoints off the append path. With SQLite's automatic checkpoint, the
 * commit that crosses the threshold copies megabytes and fsyncs the database file while
 * every appender of the next groups waits — the cause of multi-millisecond tail
 * latencies. Here a worker thread checkpoints in parallel; the writer connection keeps
 * a high automatic-checkpoint threshold only as a backstop should the worker fall behind.
 */
export class BackgroundCheckpointer {
  private readonly exited: Promise<void>;

  private constructor(private readonly worker: Worker) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
  }

  /** `onFailure` runs if the worker dies, so the caller can fall back to automatic checkpoints. */
  static start(options: CheckpointerOptions, onFailure: (error: Error) => void): BackgroundCheckpointer {
    const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ...options, betterSqlite3 } });
    worker.on('error', onFailure);
    // A background checkpoint must never keep the process alive on its own.
    worker.unref();
    return new BackgroundCheckpointer(worker);
  }

  /** Lets a running checkpoint finish, then closes the worker's connection. */
  async stop(): Promise<void> {
    // Keep the process alive until the worker has closed its connection.
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.exited;
  }
}
