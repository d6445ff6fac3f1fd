import type { AcquireResult, ConcurrencyLimits, LeaseRequest } from '../port.js';
import { checkId, checkKey, checkLease } from '../validate.js';
import { attempt, type ScriptedRedis } from './client.js';
import type { RedisKeyspace } from './keys.js';
import { integer, tuple, waitMs } from './replies.js';

/** Leases in one Redis sorted set per key (see scripts/leases.ts). */
export class RedisConcurrency implements ConcurrencyLimits {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: RedisKeyspace,
  ) {}

  async acquire(key: string, request: LeaseRequest): Promise<AcquireResult> {
    checkLease(key, request);
    const operation = 'concurrency.acquire';
    return attempt(
      operation,
      () => this.redis.nexusAcquire(this.keys.leases(key), request.limit, request.leaseId, request.ttlMs),
      (reply) => {
        const [acquired, active, retry] = tuple(operation, reply, 3);
        return { acquired: integer(operation, acquired) === 1, active: integer(operation, active), retryAfterMs: waitMs(operation, retry) };
      },
    );
  }

  async release(key: string, leaseId: string): Promise<boolean> {
    checkKey('concurrency key', key);
    checkId('leaseId', leaseId);
    const operation = 'concurrency.release';
    return attempt(
      operation,
      () => this.redis.nexusReleaseLease(this.keys.leases(key), leaseId),
      (reply) => integer(operation, reply) === 1,
    );
  }
}
