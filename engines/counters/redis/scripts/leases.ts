import { LUA_COMMON } from './common.js';

/**
 * Leases live in one sorted set per key: member = lease id, score = expiry (Redis ms).
 * Both scripts first drop expired leases, so a crashed holder's slot frees after its ttl.
 * The key's TTL follows its latest lease, so an idle key disappears.
 */

/** KEYS[1] leases; ARGV limit, leaseId, ttlMs. Replies {acquired 0|1, active, retryAfterMs (-1 = never)}. */
export const ACQUIRE_LUA = `${LUA_COMMON}
local now = now_ms()
local key, limit, id, ttl = KEYS[1], tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', int(now))
local active = redis.call('ZCARD', key)
local held = redis.call('ZSCORE', key, id)
if held or active < limit then
  redis.call('ZADD', key, int(now + ttl), id)
  if not held then active = active + 1 end
  local latest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  redis.call('PEXPIRE', key, int(tonumber(latest[2]) - now))
  return { 1, active, 0 }
end
if active == 0 then return { 0, 0, -1 } end
local earliest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return { 0, active, math.max(0, tonumber(earliest[2]) - now) }
`;

/** KEYS[1] leases; ARGV leaseId. Replies 1 when a live lease was freed, else 0. */
export const RELEASE_LEASE_LUA = `${LUA_COMMON}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', int(now_ms()))
return redis.call('ZREM', KEYS[1], ARGV[1])
`;
