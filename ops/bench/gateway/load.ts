/**
 * The load generator, forked by gateway.bench.ts into its own process: it receives a target
 * and a list of phases over IPC, runs them in order on one undici Pool, and sends back each
 * phase's figures.
 *
 * - Open-loop phases send request i at start + i / rate whether or not earlier ones were
 *   answered, and measure latency from that scheduled time, so a stalled target is charged
 *   for the requests it delayed (no coordinated omission, as wrk2 does).
 * - Closed-loop phases keep `connections` requests in flight for their duration: the maximum
 *   throughput, with latency from each actual send.
 * Percentiles come from HDR histograms (microsecond resolution, 3 significant digits) over
 * 2xx answers only; non-2xx answers and transport errors are counted separately.
 */
import { performance } from 'node:perf_hooks';
import { build, type Histogram } from 'hdr-histogram-js';
import { Pool } from 'undici';
import type { LoadMessage, LoadTarget, MaxPhase, ParentMessage, Percentiles, Phase, PhaseResult, RatePhase, RunMessage } from './protocol.js';

/** No answer within this is an error (timeouts are what a stalled target looks like). */
const TIMEOUT_MS = 10_000;
/** Enough sockets that the pool never queues at the fixed rates (a queue would be the generator's, not the target's). */
const CONNECTIONS = 256;

const histogram = (): Histogram => build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });

function percentiles(h: Histogram): Percentiles {
  const ms = (micros: number) => micros / 1000;
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    count: h.totalCount,
  };
}

const micros = (ms: number): number => Math.max(1, Math.round(ms * 1000));

/** One phase's counts and histograms. */
class Tally {
  private readonly latency = histogram();
  private readonly service = histogram();
  private readonly lag = histogram();
  private readonly non2xx: Record<string, number> = {};
  private sent = 0;
  private ok = 0;
  private errors = 0;
  private firstFailure: string | null = null;

  /** Sends one request; never rejects (a failure is counted). */
  async exchange(pool: Pool, target: LoadTarget, scheduled: number): Promise<void> {
    const sentAt = performance.now();
    this.sent++;
    if (sentAt > scheduled) this.lag.recordValue(micros(sentAt - scheduled));
    try {
      const res = await pool.request({ method: 'POST', path: target.path, headers: target.headers, body: target.body, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
      const text = await res.body.text();
      const done = performance.now();
      if (res.statusCode >= 200 && res.statusCode < 300) {
        this.ok++;
        this.latency.recordValue(micros(done - scheduled));
        this.service.recordValue(micros(done - sentAt));
      } else {
        this.non2xx[res.statusCode] = (this.non2xx[res.statusCode] ?? 0) + 1;
        this.firstFailure ??= `HTTP ${res.statusCode}: ${text.slice(0, 300)}`;
      }
    } catch (error) {
      this.errors++;
      this.firstFailure ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }

  result(phase: Phase, elapsedSeconds: number): PhaseResult {
    return {
      phase,
      elapsedSeconds,
      sent: this.sent,
      ok: this.ok,
      non2xx: { ...this.non2xx },
      errors: this.errors,
      firstFailure: this.firstFailure,
      throughput: this.ok / elapsedSeconds,
      latency: percentiles(this.latency),
      service: percentiles(this.service),
      sendLag: phase.kind === 'rate' ? percentiles(this.lag) : null,
    };
  }
}

async function runRate(pool: Pool, target: LoadTarget, phase: RatePhase): Promise<PhaseResult> {
  const tally = new Tally();
  const total = Math.round(phase.rate * phase.seconds);
  const intervalMs = 1000 / phase.rate;
  const exchanges: Promise<void>[] = [];
  const start = performance.now();
  await new Promise<void>((resolve) => {
    // Wakes at each due time (timers fire late, never early) and sends everything due by then.
    const tick = () => {
      const now = performance.now();
      while (exchanges.length < total && start + exchanges.length * intervalMs <= now) {
        exchanges.push(tally.exchange(pool, target, start + exchanges.length * intervalMs));
      }
      if (exchanges.length >= total) resolve();
      else setTimeout(tick, Math.max(0, start + exchanges.length * intervalMs - performance.now()));
    };
    tick();
  });
  await Promise.all(exchanges);
  return tally.result(phase, (performance.now() - start) / 1000);
}

async function runMax(pool: Pool, target: LoadTarget, phase: MaxPhase): Promise<PhaseResult> {
  const tally = new Tally();
  const start = performance.now();
  const deadline = start + phase.seconds * 1000;
  const caller = async () => {
    while (performance.now() < deadline) await tally.exchange(pool, target, performance.now());
  };
  await Promise.all(Array.from({ length: phase.connections }, caller));
  return tally.result(phase, (performance.now() - start) / 1000);
}

/** Resolves once the message is handed to the IPC channel, so an exit right after cannot drop it. */
function send(message: LoadMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send) process.send(message, () => resolve());
    else resolve();
  });
}

let proceed: (() => void) | null = null;
/** Resolves on the parent's `next`: it waits until the target is idle again, so one phase's backlog does not land in the next. */
const nextPhase = () => new Promise<void>((resolve) => (proceed = resolve));

async function run({ target, phases }: RunMessage): Promise<void> {
  const pool = new Pool(target.origin, { connections: CONNECTIONS, keepAliveTimeout: 30_000 });
  try {
    for (const [index, phase] of phases.entries()) {
      if (index > 0) await nextPhase();
      await send({ type: 'started', phase: phase.name });
      const result = phase.kind === 'rate' ? await runRate(pool, target, phase) : await runMax(pool, target, phase);
      await send({ type: 'phase', result });
    }
    await send({ type: 'done' });
  } finally {
    await pool.close();
  }
}

// The parent reads every process's CPU figures once 'done' arrives, then disconnects: this
// process must still exist by then, so it waits for the disconnect instead of exiting.
process.on('message', (message: ParentMessage) => {
  if (message.type === 'next') {
    proceed?.();
    return;
  }
  run(message).catch(async (error: unknown) => {
    await send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
