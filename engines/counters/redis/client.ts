import { Redis, type RedisOptions } from 'ioredis';
import { CountersUnavailableError, type CountersFailure } from '../port.js';
import { ADMIT_LUA, CONCLUDE_LUA } from './scripts/admissions.js';
import { RELEASE_RESERVATION_LUA, RESERVE_LUA, RESET_SPENT_LUA, SETTLE_LUA, SNAPSHOT_LUA } from './scripts/budgets.js';
import { ACQUIRE_LUA, RELEASE_LEASE_LUA } from './scripts/leases.js';
import { CONSUME_LUA } from './scripts/rate-limit.js';

type Arg = string | number;

/** The Lua scripts as client methods (EVALSHA, falling back to EVAL once per script after a server restart). */
export interface CounterScripts {
  /** numKeys first: consumeAll has one key per limit. */
  nexusConsume(numKeys: number, ...keysAndArgs: Arg[]): Promise<unknown>;
  nexusAcquire(key: string, ...args: Arg[]): Promise<unknown>;
  nexusReleaseLease(key: string, leaseId: string): Promise<unknown>;
  nexusReserve(...keysAndArgs: Arg[]): Promise<unknown>;
  nexusSettle(...keysAndArgs: Arg[]): Promise<unknown>;
  nexusReleaseReservation(...keysAndArgs: Arg[]): Promise<unknown>;
  nexusSnapshot(...keys: string[]): Promise<unknown>;
  nexusResetSpent(...keysAndArgs: Arg[]): Promise<unknown>;
  /** numKeys first, like nexusConsume. */
  nexusAdmit(numKeys: number, ...keysAndArgs: Arg[]): Promise<unknown>;
  nexusConclude(numKeys: number, ...keysAndArgs: Arg[]): Promise<unknown>;
}

export type ScriptedRedis = Redis & CounterScripts;

export interface ConnectionOptions {
  /** redis://[user:password@]host:port[/db] or rediss://…; defaults to redis://127.0.0.1:6379. */
  readonly url?: string;
  /** Extra ioredis options (TLS, sentinels …). The fail-fast settings below override them. */
  readonly redisOptions?: RedisOptions;
  readonly connectTimeoutMs?: number;
  readonly commandTimeoutMs?: number;
  readonly maxRetriesPerRequest?: number;
  /** Batches commands issued in the same tick into one write (more throughput under load). */
  readonly autoPipelining?: boolean;
}

/**
 * A client that never queues: while disconnected every command fails at once
 * (enableOfflineQueue false), a command on a dying connection is retried at most
 * `maxRetriesPerRequest` times, and none waits longer than the command timeout. The
 * client keeps reconnecting in the background, so calls succeed again as soon as Redis is back.
 */
export function createClient(options: ConnectionOptions): ScriptedRedis {
  const redis = new Redis(options.url ?? 'redis://127.0.0.1:6379', {
    ...options.redisOptions,
    lazyConnect: true,
    enableOfflineQueue: false,
    connectTimeout: options.connectTimeoutMs ?? 500,
    commandTimeout: options.commandTimeoutMs ?? 500,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 1,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
    enableAutoPipelining: options.autoPipelining ?? false,
    stringNumbers: true,
    protocol: 2,
  });
  redis.defineCommand('nexusConsume', { lua: CONSUME_LUA });
  redis.defineCommand('nexusAcquire', { lua: ACQUIRE_LUA, numberOfKeys: 1 });
  redis.defineCommand('nexusReleaseLease', { lua: RELEASE_LEASE_LUA, numberOfKeys: 1 });
  redis.defineCommand('nexusReserve', { lua: RESERVE_LUA, numberOfKeys: 2 });
  redis.defineCommand('nexusSettle', { lua: SETTLE_LUA, numberOfKeys: 2 });
  redis.defineCommand('nexusReleaseReservation', { lua: RELEASE_RESERVATION_LUA, numberOfKeys: 2 });
  redis.defineCommand('nexusSnapshot', { lua: SNAPSHOT_LUA, numberOfKeys: 2 });
  redis.defineCommand('nexusResetSpent', { lua: RESET_SPENT_LUA, numberOfKeys: 2 });
  redis.defineCommand('nexusAdmit', { lua: ADMIT_LUA });
  redis.defineCommand('nexusConclude', { lua: CONCLUDE_LUA });
  return redis as ScriptedRedis;
}

/**
 * Starts connecting. Resolves when the client is ready, or rejects with
 * CountersUnavailableError after the connect timeout; either way the client keeps
 * reconnecting in the background until closed.
 */
export function startConnecting(redis: Redis, timeoutMs: number): Promise<void> {
  let lastError: unknown;
  redis.on('error', (error: unknown) => {
    lastError = error; // surfaced through the calls that fail; without a listener ioredis logs it
  });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CountersUnavailableError('connect', 'connection', { cause: lastError })), timeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  redis.connect().catch(() => undefined); // failures arrive as 'error' events and retries
  return ready;
}

/** Runs one Redis call; anything it throws becomes CountersUnavailableError. */
export async function attempt<T>(operation: string, call: () => Promise<unknown>, parse: (reply: unknown) => T): Promise<T> {
  let reply: unknown;
  try {
    reply = await call();
  } catch (error) {
    throw new CountersUnavailableError(operation, classify(error), { cause: error });
  }
  return parse(reply);
}

function classify(error: unknown): CountersFailure {
  if (!(error instanceof Error)) return 'connection';
  if (/timed out/i.test(error.message)) return 'timeout';
  return error.name === 'ReplyError' ? 'server' : 'connection';
}
