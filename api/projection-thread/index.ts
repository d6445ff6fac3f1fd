import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { registerHealthGauges, registerLagGauge, type HealthSample, type LagSample, type ProjectionStatus, type RebuildResult } from '../../projections/runtime/index.js';
import type { Config } from '../config.js';
import { ServiceThread, siblingModule } from '../threads/client.js';
import type { ProjectionThreadData } from './worker.js';

const WORKER_MODULE = siblingModule(import.meta.url, 'worker');
const STATUS_TIMEOUT_MS = 5_000;

/** What the process needs of its projection runner, wherever it runs (this thread or the projection thread). */
export interface ProjectionHost {
  status(): Promise<ProjectionStatus[]>;
  rebuild(name: string): Promise<RebuildResult>;
  waitForPosition(position: number, options?: { readonly timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The projection runner on its own thread (worker.ts), seen from the main thread: status,
 * rebuilds and read-your-writes waits are calls to it, and its gauges (lag, paused, failures)
 * are sampled from it at scrape time into this process's registry.
 *
 * If the thread dies, its calls fail: status() rejects, so /readyz reports the process not
 * ready (an orchestrator restarts it), and commands stop waiting for their read models.
 */
export class ProjectionThread implements ProjectionHost {
  private constructor(private readonly thread: ServiceThread) {}

  static async start(options: { readonly config: Config; readonly registry: Registry; readonly logger: Logger }): Promise<ProjectionThread> {
    const thread = await ServiceThread.start('projection', WORKER_MODULE, { config: options.config } satisfies ProjectionThreadData);
    thread.onLost((error) => options.logger.error({ err: error }, 'the projection thread stopped; read models no longer follow the event store'));
    const host = new ProjectionThread(thread);
    // A scrape never fails because the thread is gone or closing: no samples then.
    registerLagGauge(options.registry, () => thread.call<LagSample[]>('lagSamples').catch(() => []));
    registerHealthGauges(options.registry, () => thread.call<HealthSample[]>('healthSamples').catch(() => []));
    return host;
  }

  /** Bounded: /readyz and the admin API answer even if the thread is stuck in a long step. */
  status(): Promise<ProjectionStatus[]> {
    return this.thread.callWithin(STATUS_TIMEOUT_MS, 'status');
  }

  rebuild(name: string): Promise<RebuildResult> {
    return this.thread.call('rebuild', name);
  }

  waitForPosition(position: number, options: { readonly timeoutMs?: number } = {}): Promise<void> {
    return this.thread.call('waitForPosition', position, options.timeoutMs);
  }

  /** Stops the projections where they are (their checkpoints kept), closes the thread's connections, ends it. */
  stop(): Promise<void> {
    return this.thread.close();
  }
}
