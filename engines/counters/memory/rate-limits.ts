import type { ConsumeAllResult, ConsumeResult, KeyedRateLimit, RateLimit, RateLimits } from '../port.js';
import { checkWindow, forgetAt, oldestCounted, windowShape, type WindowCheck, type WindowShape } from '../sliding-window.js';
import { summarizeConsume } from '../summarize.js';
import { checkConsumeAll } from '../validate.js';
import type { Claim } from './claim.js';

interface WindowState {
  readonly granularityMs: number;
  /** Charged cost per sub-window index. */
  readonly counts: Map<number, number>;
  forgetAt: number;
}

const SWEEP_EVERY = 4096;

/**
 * In-process sliding windows. Each call runs synchronously between two awaits, so it is
 * atomic with respect to every other call of this process.
 */
export class MemoryRateLimits implements RateLimits {
  private readonly windows = new Map<string, WindowState>();
  private charges = 0;

  constructor(private readonly clock: () => number) {}

  async consume(key: string, limit: RateLimit): Promise<ConsumeResult> {
    const { results } = await this.consumeAll([{ key, limit: limit.limit, windowMs: limit.windowMs, cost: limit.cost }]);
    return results[0] as ConsumeResult;
  }

  async consumeAll(limits: readonly KeyedRateLimit[]): Promise<ConsumeAllResult> {
    checkConsumeAll(limits);
    const claim = this.claim(limits);
    if (claim.result.allowed) claim.take();
    return claim.result;
  }

  /**
   * Checks every limit now and reports what consumeAll would; `take` charges them. Synchronous,
   * so an admission can check several kinds of counters and take them in one atomic step.
   */
  claim(limits: readonly KeyedRateLimit[]): Claim<ConsumeAllResult> {
    const now = this.clock();
    const checks = limits.map((limit) => {
      const shape = windowShape(limit.windowMs);
      const counts = this.liveCounts(limit.key, shape, now);
      return { limit, shape, check: checkWindow(counts, shape, limit.limit, limit.cost, now) };
    });
    const allowed = checks.every(({ check }) => check.allowed);
    const result = summarizeConsume(
      checks.map(({ limit, check }) => ({ limit: limit.limit, cost: limit.cost, ...check })),
      allowed,
    );
    return {
      result,
      take: () => {
        for (const { limit, shape, check } of checks) this.charge(limit, shape, check);
        if (++this.charges % SWEEP_EVERY === 0) this.sweep(now);
      },
    };
  }

  /** The key's counts with sub-windows that no longer count dropped; a changed window restarts the count. */
  private liveCounts(key: string, shape: WindowShape, now: number): ReadonlyMap<number, number> {
    const state = this.windows.get(key);
    if (state === undefined) return new Map();
    if (state.granularityMs !== shape.granularityMs) {
      this.windows.delete(key);
      return new Map();
    }
    const oldest = oldestCounted(shape, now);
    for (const index of state.counts.keys()) if (index < oldest) state.counts.delete(index);
    return state.counts;
  }

  private charge(limit: KeyedRateLimit, shape: WindowShape, check: WindowCheck): void {
    if (limit.cost === 0) return;
    let state = this.windows.get(limit.key);
    if (state === undefined) {
      state = { granularityMs: shape.granularityMs, counts: new Map(), forgetAt: 0 };
      this.windows.set(limit.key, state);
    }
    state.counts.set(check.current, (state.counts.get(check.current) ?? 0) + limit.cost);
    state.forgetAt = forgetAt(shape, check.current);
  }

  /** Drops keys whose every sub-window has slid out, so idle keys do not accumulate. */
  private sweep(now: number): void {
    for (const [key, state] of this.windows) if (state.forgetAt <= now) this.windows.delete(key);
  }
}
