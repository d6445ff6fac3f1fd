import { performance } from 'node:perf_hooks';
import type { Rejection } from './record.js';
import type { OutcomeRecord, OutcomeRecorder } from './recorder.js';

/**
 * How busy this thread's event loop has been lately: the share of the last sampling period it
 * spent running code (event-loop utilization), sampled on an unref'd timer.
 */
export class LoopLoad {
  private last = performance.eventLoopUtilization();
  private utilization = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(periodMs = 100) {
    this.timer = setInterval(() => {
      const now = performance.eventLoopUtilization();
      this.utilization = performance.eventLoopUtilization(now, this.last).utilization;
      this.last = now;
    }, periodMs);
    this.timer.unref();
  }

  /** 0 (idle) to 1 (saturated), over the last complete period. */
  get current(): number {
    return this.utilization;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Below this event-loop utilization the request thread records its own usage events. The
 * inline path costs it ~0.3–0.4 ms of CPU more per record than a hand-off, which a loop at
 * this load absorbs without queueing requests behind it (ops/bench/RESULTS.md, Gateway).
 */
export const INLINE_BELOW_UTILIZATION = 0.75;

type Path = 'offloaded' | 'inline';

/**
 * Chooses, record by record, between recording on a worker thread (`offloaded`) and on the
 * calling thread (`inline`). The hand-off to a thread costs latency (two thread wake-ups,
 * ~0.25–0.3 ms per record on a quiet machine) and saves the request loop CPU, which only
 * matters once that loop is busy. So: inline while the loop has headroom, offloaded under
 * load. Both paths acknowledge only committed records, so the answer still never goes out
 * before its record whichever path took it.
 *
 * The two paths are two connections to one event store. A record joins whichever path still
 * has records in flight, so the two never hold write transactions at once (on SQLite, a
 * writer waiting for the other's lock sleeps on its thread).
 */
export class LoadAwareRecorder implements OutcomeRecorder {
  private readonly inFlight: Record<Path, number> = { offloaded: 0, inline: 0 };

  constructor(
    private readonly paths: { readonly offloaded: OutcomeRecorder; readonly inline: OutcomeRecorder },
    private readonly loopUtilization: () => number,
    private readonly onClose: () => void = () => undefined,
  ) {}

  outcome(record: OutcomeRecord): Promise<void> {
    return this.through(this.choose(), (recorder) => recorder.outcome(record));
  }

  rejection(rejection: Rejection, now: Date): Promise<void> {
    return this.through(this.choose(), (recorder) => recorder.rejection(rejection, now));
  }

  /** Which path the next record takes (exposed for tests and metrics). */
  choose(): Path {
    if (this.inFlight.offloaded > 0) return 'offloaded';
    if (this.inFlight.inline > 0) return 'inline';
    return this.loopUtilization() < INLINE_BELOW_UTILIZATION ? 'inline' : 'offloaded';
  }

  async close(): Promise<void> {
    this.onClose();
    await this.paths.offloaded.close();
    await this.paths.inline.close();
  }

  private async through(path: Path, call: (recorder: OutcomeRecorder) => Promise<void>): Promise<void> {
    this.inFlight[path]++;
    try {
      await call(this.paths[path]);
    } finally {
      this.inFlight[path]--;
    }
  }
}
