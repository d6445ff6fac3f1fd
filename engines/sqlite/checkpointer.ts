import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CheckpointerOptions {
  readonly path: string;
  readonly busyTimeoutMs: number;
  /** How often the worker copies committed WAL frames into the database file. */
  readonly intervalMs: number;
}

/**
 * Runs in a worker thread with its own connection (plain JS, so it needs no TypeScript
 * loader). PASSIVE never takes the write lock and never waits: it copies the frames
 * committed so far into the database file and fsyncs it, off the event loop. Blocking
 * modes (RESTART, TRUNCATE) were tried and rejected: they make the writer sleep in
 * SQLite's busy handler for tens of milliseconds.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
const checkpoint = () => db.pragma('wal_checkpoint(PASSIVE)');
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Moves most WAL checkpoint work off the append path. With SQLite's automatic checkpoint
 * (every 1000 frames), the commit that crosses the threshold copies megabytes and fsyncs
 * the database file while every appender of the next groups waits. Here a worker thread
 * checkpoints in parallel.
 *
 * The worker alone cannot reset the WAL under a steady write load (a reset needs every
 * frame copied, and new ones keep arriving), so the writer keeps a high automatic
 * threshold as a backstop: when it fires, nearly everything is already copied, and the
 * next write transaction starts the WAL over. The WAL thus stays bounded (~64 MiB).
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

/** SQLite's own threshold (1000 frames) when nobody else checkpoints; a backstop otherwise. */
const AUTOCHECKPOINT_FRAMES = 1000;
const BACKSTOP_AUTOCHECKPOINT_FRAMES = 16384;
const CHECKPOINT_INTERVAL_MS = 100;

/**
 * For a second connection to a file whose checkpoints another connection's WalCheckpoints
 * runs: without it, this connection's commits would run SQLite's automatic checkpoint
 * (1000 frames) themselves, fsync included — a stall for every append waiting on them.
 */
export function useBackstopAutocheckpoint(db: { pragma(source: string): unknown }): void {
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_FRAMES}`);
}

/**
 * Background checkpoints for one database file, with SQLite's automatic checkpoints as the
 * fallback should the worker die. Both SQLite engines (event store, read models) use it: an
 * automatic checkpoint runs inside the commit that crosses the threshold, on the event loop,
 * fsync included — a stall of tens to hundreds of milliseconds for every request in flight.
 */
export class WalCheckpoints {
  private checkpointer: BackgroundCheckpointer | null;

  constructor(
    private readonly db: { pragma(source: string): unknown; readonly open: boolean },
    path: string,
    busyTimeoutMs: number,
  ) {
    useBackstopAutocheckpoint(db);
    this.checkpointer = BackgroundCheckpointer.start({ path, busyTimeoutMs, intervalMs: CHECKPOINT_INTERVAL_MS }, (error) => {
      // Durability never depended on the worker; only WAL growth does. Fall back to SQLite's own checkpoints.
      this.checkpointer = null;
      if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_FRAMES}`);
      process.emitWarning(error);
    });
  }

  async stop(): Promise<void> {
    await this.checkpointer?.stop();
    this.checkpointer = null;
  }
}
