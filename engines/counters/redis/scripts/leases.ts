import { LUA_COMMON } from './common.js';

/**
 * Leases live in one sorted set per key: member = lease id, score = expiry (Redis ms).
 * Every function first drops expired leases, so a crashed holder's slot frees after its ttl.
 * The key's TTL follows its latest lease, so an idle key disappears.
 *
 * lease_check(key, limit, id, now) → acquired 0|1, active after taking it, retryAfterMs
 * (-1 = never); lease_take(key, id, ttl, now) holds it; lease_release(key, id, now) → 1|0.
 */
export const LEASE_FUNCTIONS = `
local function lease_check(key, limit, id, now)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', int(now))
  local active = redis.call('ZCARD', key)
  local held = redis.call('ZSCORE', key, id)
  if held then return 1, active, 0 end
  if active < limit then return 1, active + 1, 0 end
  if active == 0 then return 0, 0, -1 end
  local earliest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return 0, active, math.max(0, tonumber(earliest[2]) - now)
end
local function lease_take(key, id, ttl, now)
  redis.call('ZADD', key, int(now + ttl), id)
  local latest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  redis.call('PEXPIRE', key, int(tonumber(latest[2]) - now))
end
local function lease_release(key, id, now)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', int(now))
  return redis.call('ZREM', key, id)
end
`;

/** KEYS[1] leases; ARGV limit, leaseId, ttlMs. Replies {acquired 0|1, active, retryAfterMs (-1 = never)}. */
export const ACQUIRE_LUA = `${LUA_COMMON}${LEASE_FUNCTIONS}
local now = now_ms()
local acquired, active, retry = lease_check(KEYS[1], tonumber(ARGV[1]), ARGV[2], now)
if acquired == 1 then lease_take(KEYS[1], ARGV[2], tonumber(ARGV[3]), now) end
return { acquired, active, retry }
`;

/** KEYS[1] leases; ARGV leaseId. Replies 1 when a live lease was freed, else 0. */
export const RELEASE_LEASE_LUA = `${LUA_COMMON}${LEASE_FUNCTIONS}
return lease_release(KEYS[1], ARGV[1], now_ms())
`;
