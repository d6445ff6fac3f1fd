import { z } from 'zod';
import type { IdempotencyStore, StoredResponse } from '../../../commands/idempotency.js';
import { attempt, type ScriptedRedis } from './client.js';
import type { RedisKeyspace } from './keys.js';
import { malformed } from './replies.js';

const storedResponse = z.object({
  fingerprint: z.string(),
  status: z.number().int(),
  body: z.unknown(),
  headers: z.record(z.string(), z.string()),
});

/**
 * Idempotency-Key results in Redis, one JSON string per key with a TTL. SET NX PX: the
 * first result stored for a key wins and later puts change nothing, so when two gateway
 * processes raced on the same key, every replay returns the same, first answer.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: RedisKeyspace,
    private readonly ttlMs: number,
  ) {}

  async get(key: string): Promise<StoredResponse | null> {
    return attempt(
      'idempotency.get',
      () => this.redis.get(this.keys.idempotency(key)),
      (reply) => (reply === null ? null : decode(reply)),
    );
  }

  async put(key: string, response: StoredResponse): Promise<void> {
    const value = JSON.stringify(response);
    await attempt(
      'idempotency.put',
      () => this.redis.set(this.keys.idempotency(key), value, 'PX', this.ttlMs, 'NX'),
      () => undefined,
    );
  }
}

/** A value that is not one of ours (or is corrupt) is an engine fault, not a cache miss. */
function decode(reply: unknown): StoredResponse {
  let parsed: unknown;
  try {
    parsed = typeof reply === 'string' ? JSON.parse(reply) : undefined;
  } catch {
    throw malformed('idempotency.get', reply);
  }
  const result = storedResponse.safeParse(parsed);
  if (!result.success) throw malformed('idempotency.get', reply);
  return { ...result.data, body: result.data.body }; // zod types an unknown field as optional; the port's is required
}
