import type { IdempotencyStore } from '../../../commands/idempotency.js';
import { COUNTERS_DEFAULTS } from '../defaults.js';
import type { Admissions, BudgetReservations, ConcurrencyLimits, Counters, RateLimits } from '../port.js';
import { RedisAdmissions } from './admissions.js';
import { RedisBudgets } from './budgets.js';
import { type ConnectionOptions, createClient, type ScriptedRedis, startConnecting } from './client.js';
import { RedisConcurrency } from './concurrency.js';
import { RedisIdempotencyStore } from './idempotency.js';
import { RedisKeyspace } from './keys.js';
import { RedisRateLimits } from './rate-limits.js';

export interface RedisCountersOptions extends ConnectionOptions {
  /** Prepended to every key (no braces), so several deployments can share one Redis. Default 'nexus:'. */
  readonly keyPrefix?: string;
  readonly settledRetentionMs?: number;
  readonly budgetIdleTtlMs?: number;
  readonly idempotencyTtlMs?: number;
}

/**
 * The production adapter: ioredis and Lua scripts, one atomic round trip per operation,
 * Redis's clock for all time. Works on a single Redis or a Redis Cluster slot-wise (keys
 * are hash-tagged; see port.ts), though this class opens a single-node client.
 * When Redis cannot answer, calls reject with CountersUnavailableError within the
 * connect/command timeouts (500 ms by default) instead of queueing.
 */
export class RedisCounters implements Counters {
  readonly rateLimits: RateLimits;
  readonly concurrency: ConcurrencyLimits;
  readonly budgets: BudgetReservations;
  readonly idempotency: IdempotencyStore;
  readonly admissions: Admissions;

  private constructor(
    private readonly redis: ScriptedRedis,
    keys: RedisKeyspace,
    options: RedisCountersOptions,
  ) {
    this.rateLimits = new RedisRateLimits(redis, keys);
    this.concurrency = new RedisConcurrency(redis, keys);
    const settledRetentionMs = options.settledRetentionMs ?? COUNTERS_DEFAULTS.settledRetentionMs;
    const budgetIdleTtlMs = options.budgetIdleTtlMs ?? COUNTERS_DEFAULTS.budgetIdleTtlMs;
    this.budgets = new RedisBudgets(redis, keys, { settledRetentionMs, budgetIdleTtlMs });
    this.admissions = new RedisAdmissions(redis, keys, budgetIdleTtlMs, settledRetentionMs);
    this.idempotency = new RedisIdempotencyStore(redis, keys, options.idempotencyTtlMs ?? COUNTERS_DEFAULTS.idempotencyTtlMs);
  }

  /**
   * Connects and waits until Redis answers; rejects with CountersUnavailableError (and
   * releases the client) when it does not within the connect timeout. For startup checks.
   */
  static async connect(options: RedisCountersOptions = {}): Promise<RedisCounters> {
    const keys = keyspace(options);
    const redis = createClient(options);
    try {
      await startConnecting(redis, options.connectTimeoutMs ?? 500);
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    return new RedisCounters(redis, keys, options);
  }

  /**
   * Returns at once and connects in the background: calls fail with
   * CountersUnavailableError until Redis answers, then succeed. For a gateway that must
   * start (and fail closed per request) while Redis is down.
   */
  static create(options: RedisCountersOptions = {}): RedisCounters {
    const keys = keyspace(options);
    const redis = createClient(options);
    startConnecting(redis, options.connectTimeoutMs ?? 500).catch(() => undefined);
    return new RedisCounters(redis, keys, options);
  }

  /** The underlying client, for operations tooling and tests (key inspection). */
  get client(): ScriptedRedis {
    return this.redis;
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') {
      await this.redis.quit().catch(() => this.redis.disconnect());
    } else {
      this.redis.disconnect();
    }
  }
}

/** Validated before any connection is opened, so a bad prefix leaks no client. */
function keyspace(options: RedisCountersOptions): RedisKeyspace {
  return new RedisKeyspace(options.keyPrefix ?? 'nexus:');
}
