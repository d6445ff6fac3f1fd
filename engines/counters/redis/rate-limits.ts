import type { ConsumeAllResult, ConsumeResult, KeyedRateLimit, RateLimit, RateLimits } from '../port.js';
import { windowShape } from '../sliding-window.js';
import { type LimitOutcome, summarizeConsume } from '../summarize.js';
import { checkConsumeAll } from '../validate.js';
import { attempt, type ScriptedRedis } from './client.js';
import type { RedisKeyspace } from './keys.js';
import { integer, tuple, waitMs } from './replies.js';

/** Sliding windows in Redis hashes: one script call per consume / consumeAll, atomic across processes. */
export class RedisRateLimits implements RateLimits {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: RedisKeyspace,
  ) {}

  async consume(key: string, limit: RateLimit): Promise<ConsumeResult> {
    const { results } = await this.consumeAll([{ key, limit: limit.limit, windowMs: limit.windowMs, cost: limit.cost }]);
    return results[0] as ConsumeResult;
  }

  async consumeAll(limits: readonly KeyedRateLimit[]): Promise<ConsumeAllResult> {
    checkConsumeAll(limits);
    if (limits.length === 0) return { allowed: true, retryAfterMs: 0, results: [] };
    const keys = limits.map((l) => this.keys.rateLimit(l.key));
    const args = limits.flatMap((l) => {
      const shape = windowShape(l.windowMs);
      return [l.limit, shape.granularityMs, shape.subWindows, l.cost];
    });
    return attempt(
      'rateLimits.consumeAll',
      () => this.redis.nexusConsume(keys.length, ...keys, ...args),
      (reply) => parseConsume(reply, limits),
    );
  }
}

export function parseConsume(reply: unknown, limits: readonly KeyedRateLimit[]): ConsumeAllResult {
  const operation = 'rateLimits.consumeAll';
  const outcomes: LimitOutcome[] = tuple(operation, reply, limits.length).map((item, index) => {
    const [allowed, counted, retry] = tuple(operation, item, 3);
    const limit = limits[index] as KeyedRateLimit;
    return { limit: limit.limit, cost: limit.cost, allowed: integer(operation, allowed) === 1, counted: integer(operation, counted), retryAfterMs: waitMs(operation, retry) };
  });
  return summarizeConsume(outcomes, outcomes.every((o) => o.allowed));
}
