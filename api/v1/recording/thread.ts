import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { ServiceThread, siblingModule } from '../../threads/client.js';
import type { Rejection } from './record.js';
import { slimRecord, type OutcomeRecord, type OutcomeRecorder } from './recorder.js';
import type { RecorderThreadData } from './worker.js';

const WORKER_MODULE = siblingModule(import.meta.url, 'worker');

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
  private constructor(
    private readonly thread: ServiceThread,
    private readonly fallback: OutcomeRecorder,
  ) {}

  /** Starts the thread and waits until its event store is open; rejects with the thread's own error otherwise. */
  static async start(options: { readonly config: Config; readonly fallback: OutcomeRecorder; readonly logger: Logger }): Promise<ThreadRecorder> {
    const thread = await ServiceThread.start('recorder', WORKER_MODULE, { config: options.config } satisfies RecorderThreadData);
    thread.onLost((error) => options.logger.error({ err: error }, 'the recorder thread stopped; usage events are recorded on the main thread from now on'));
    return new ThreadRecorder(thread, options.fallback);
  }

  outcome(record: OutcomeRecord): Promise<void> {
    if (!this.thread.alive) return this.fallback.outcome(record);
    return this.thread.call('outcome', slimRecord(record));
  }

  rejection(rejection: Rejection, now: Date): Promise<void> {
    if (!this.thread.alive) return this.fallback.rejection(rejection, now);
    return this.thread.call('rejection', rejection, now);
  }

  /** The thread finishes the records it was given, closes its event store connection, then exits. */
  async close(): Promise<void> {
    await this.thread.close();
    await this.fallback.close();
  }
}
