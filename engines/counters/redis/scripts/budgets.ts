import { LUA_COMMON } from './common.js';

/**
 * A budget is two keys in one hash-tag slot:
 *   KEYS[1] state hash: spent, reserved (sum of live reservations), period,
 *                       and 'r:<id>' → amount for each live reservation
 *   KEYS[2] due   zset: 'r:<id>' → when the reservation expires,
 *                       's:<id>' → when to forget that <id> was settled
 * Every script first reclaims what is due (expired reservations stop counting, old settled
 * ids are forgotten) inside the same atomic step, then reads everything it needs with one
 * HMGET. Every write refreshes both TTLs to the idle TTL (the last ARGV), so an abandoned
 * budget disappears and nothing leaks. Totals are computed in Lua numbers (exact below 2^53)
 * and written with %d. Replies end with spent, reserved and period ('' = none).
 */
const BUDGET_COMMON = `${LUA_COMMON}
local now = now_ms()
local function reclaim()
  local bound = int(now)
  repeat
    local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', bound, 'LIMIT', 0, 256)
    if #due == 0 then break end
    local reservations = {}
    for i = 1, #due do
      if string.sub(due[i], 1, 2) == 'r:' then reservations[#reservations + 1] = due[i] end
    end
    if #reservations > 0 then
      local amounts = redis.call('HMGET', KEYS[1], unpack(reservations))
      local freed = 0
      for i = 1, #reservations do freed = freed + (tonumber(amounts[i]) or 0) end
      redis.call('HDEL', KEYS[1], unpack(reservations))
      if freed ~= 0 then redis.call('HINCRBY', KEYS[1], 'reserved', int(-freed)) end
    end
    redis.call('ZREM', KEYS[2], unpack(due))
  until #due < 256
end
-- spent, reserved, period ('' when none), and the amount of reservation 'r:<id>' (nil when not live)
local function read(id)
  local v = redis.call('HMGET', KEYS[1], 'spent', 'reserved', 'period', 'r:' .. id)
  return tonumber(v[1]) or 0, tonumber(v[2]) or 0, v[3] or '', tonumber(v[4])
end
local function touch(ttl)
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
reclaim()
`;

/** ARGV id, amount, limit, ttlMs, idleTtlMs. Replies {ok 0|1, available, period}. */
export const RESERVE_LUA = `${BUDGET_COMMON}
local id, amount, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local spent, reserved, period, held = read(id)
local ok = 0
if held then
  ok = 1 -- a retried reserve: the reservation already holds its amount
elseif spent + reserved + amount <= limit then
  reserved = reserved + amount
  redis.call('HSET', KEYS[1], 'r:' .. id, ARGV[2], 'reserved', int(reserved))
  redis.call('ZADD', KEYS[2], int(now + tonumber(ARGV[4])), 'r:' .. id)
  touch(ARGV[5])
  ok = 1
end
return { ok, math.max(0, limit - spent - reserved), period }
`;

/** ARGV id, actualAmount, settledRetentionMs, idleTtlMs. Replies {outcome, spent, reserved, period}. */
export const SETTLE_LUA = `${BUDGET_COMMON}
local id = ARGV[1]
local spent, reserved, period, held = read(id)
if redis.call('ZSCORE', KEYS[2], 's:' .. id) then return { 'already_settled', spent, reserved, period } end
local outcome = 'unreserved'
if held then
  outcome = 'settled'
  reserved = reserved - held
  redis.call('HDEL', KEYS[1], 'r:' .. id)
  redis.call('ZREM', KEYS[2], 'r:' .. id)
end
spent = spent + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'spent', int(spent), 'reserved', int(reserved))
redis.call('ZADD', KEYS[2], int(now + tonumber(ARGV[3])), 's:' .. id)
touch(ARGV[4])
return { outcome, spent, reserved, period }
`;

/** ARGV id, idleTtlMs. Replies 1 when a live reservation was freed, else 0. */
export const RELEASE_RESERVATION_LUA = `${BUDGET_COMMON}
local spent, reserved, period, held = read(ARGV[1])
if not held then return 0 end
redis.call('HDEL', KEYS[1], 'r:' .. ARGV[1])
redis.call('HSET', KEYS[1], 'reserved', int(reserved - held))
redis.call('ZREM', KEYS[2], 'r:' .. ARGV[1])
touch(ARGV[2])
return 1
`;

/** No ARGV. Replies {spent, reserved, period}. */
export const SNAPSHOT_LUA = `${BUDGET_COMMON}
local spent, reserved, period = read('')
return { spent, reserved, period }
`;

/**
 * ARGV spent, periodKey, idleTtlMs. Applies when no period is stored or periodKey sorts
 * after the stored one, compared byte by byte (Lua's own < follows the server's locale).
 * Replies {applied 0|1, spent, reserved, period}.
 */
export const RESET_SPENT_LUA = `${BUDGET_COMMON}
local function later(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end
local spent, reserved, period = read('')
if period ~= '' and not later(ARGV[2], period) then return { 0, spent, reserved, period } end
redis.call('HSET', KEYS[1], 'spent', ARGV[1], 'period', ARGV[2])
touch(ARGV[3])
return { 1, tonumber(ARGV[1]), reserved, ARGV[2] }
`;
