import { LUA_COMMON } from './common.js';

/**
 * A budget is two keys in one hash-tag slot:
 *   state hash: spent, reserved (sum of live reservations), period,
 *               and 'r:<id>' → amount for each live reservation
 *   due   zset: 'r:<id>' → when the reservation expires,
 *               's:<id>' → when to forget that <id> was settled
 * Every operation first reclaims what is due (expired reservations stop counting, old settled
 * ids are forgotten) inside the same atomic step, then reads everything it needs with one
 * HMGET. Every write refreshes both TTLs to the idle TTL, so an abandoned budget disappears
 * and nothing leaks. Totals are computed in Lua numbers (exact below 2^53) and written with %d.
 * The functions take the two keys, so one script can work on several budgets (admissions).
 */
export const BUDGET_FUNCTIONS = `
local function budget_reclaim(state, due, now)
  local bound = int(now)
  repeat
    local items = redis.call('ZRANGEBYSCORE', due, '-inf', bound, 'LIMIT', 0, 256)
    if #items == 0 then break end
    local reservations = {}
    for i = 1, #items do
      if string.sub(items[i], 1, 2) == 'r:' then reservations[#reservations + 1] = items[i] end
    end
    if #reservations > 0 then
      local amounts = redis.call('HMGET', state, unpack(reservations))
      local freed = 0
      for i = 1, #reservations do freed = freed + (tonumber(amounts[i]) or 0) end
      redis.call('HDEL', state, unpack(reservations))
      if freed ~= 0 then redis.call('HINCRBY', state, 'reserved', int(-freed)) end
    end
    redis.call('ZREM', due, unpack(items))
  until #items < 256
end
-- spent, reserved, period ('' when none), and the amount of reservation 'r:<id>' (nil when not live)
local function budget_read(state, id)
  local v = redis.call('HMGET', state, 'spent', 'reserved', 'period', 'r:' .. id)
  return tonumber(v[1]) or 0, tonumber(v[2]) or 0, v[3] or '', tonumber(v[4])
end
local function budget_touch(state, due, ttl)
  redis.call('PEXPIRE', state, ttl)
  redis.call('PEXPIRE', due, ttl)
end
-- holds a new reservation; reserved is the total before it
local function budget_hold(state, due, id, amount, reserved, ttl, idle, now)
  redis.call('HSET', state, 'r:' .. id, int(amount), 'reserved', int(reserved + amount))
  redis.call('ZADD', due, int(now + ttl), 'r:' .. id)
  budget_touch(state, due, idle)
end
-- outcome, spent, reserved, period
local function budget_settle(state, due, id, amount, retention, idle, now)
  local spent, reserved, period, held = budget_read(state, id)
  if redis.call('ZSCORE', due, 's:' .. id) then return 'already_settled', spent, reserved, period end
  local outcome = 'unreserved'
  if held then
    outcome = 'settled'
    reserved = reserved - held
    redis.call('HDEL', state, 'r:' .. id)
    redis.call('ZREM', due, 'r:' .. id)
  end
  spent = spent + amount
  redis.call('HSET', state, 'spent', int(spent), 'reserved', int(reserved))
  redis.call('ZADD', due, int(now + retention), 's:' .. id)
  budget_touch(state, due, idle)
  return outcome, spent, reserved, period
end
-- 1 when a live reservation was freed, else 0
local function budget_release(state, due, id, idle)
  local spent, reserved, period, held = budget_read(state, id)
  if not held then return 0 end
  redis.call('HDEL', state, 'r:' .. id)
  redis.call('HSET', state, 'reserved', int(reserved - held))
  redis.call('ZREM', due, 'r:' .. id)
  budget_touch(state, due, idle)
  return 1
end
-- period keys compare byte by byte (Lua's own < follows the server's locale)
local function later(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end
`;

/** The single-budget scripts: KEYS[1] state, KEYS[2] due, reclaimed first. */
const ONE_BUDGET = `${LUA_COMMON}${BUDGET_FUNCTIONS}
local now = now_ms()
budget_reclaim(KEYS[1], KEYS[2], now)
`;

/** ARGV id, amount, limit, ttlMs, idleTtlMs. Replies {ok 0|1, available, period}. */
export const RESERVE_LUA = `${ONE_BUDGET}
local id, amount, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local spent, reserved, period, held = budget_read(KEYS[1], id)
local ok = 0
if held then
  ok = 1 -- a retried reserve: the reservation already holds its amount
elseif spent + reserved + amount <= limit then
  budget_hold(KEYS[1], KEYS[2], id, amount, reserved, tonumber(ARGV[4]), ARGV[5], now)
  reserved = reserved + amount
  ok = 1
end
return { ok, math.max(0, limit - spent - reserved), period }
`;

/** ARGV id, actualAmount, settledRetentionMs, idleTtlMs. Replies {outcome, spent, reserved, period}. */
export const SETTLE_LUA = `${ONE_BUDGET}
return { budget_settle(KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], now) }
`;

/** ARGV id, idleTtlMs. Replies 1 when a live reservation was freed, else 0. */
export const RELEASE_RESERVATION_LUA = `${ONE_BUDGET}
return budget_release(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
`;

/** No ARGV. Replies {spent, reserved, period}. */
export const SNAPSHOT_LUA = `${ONE_BUDGET}
local spent, reserved, period = budget_read(KEYS[1], '')
return { spent, reserved, period }
`;

/**
 * ARGV spent, periodKey, idleTtlMs. Applies when no period is stored or periodKey sorts
 * after the stored one. Replies {applied 0|1, spent, reserved, period}.
 */
export const RESET_SPENT_LUA = `${ONE_BUDGET}
local spent, reserved, period = budget_read(KEYS[1], '')
if period ~= '' and not later(ARGV[2], period) then return { 0, spent, reserved, period } end
redis.call('HSET', KEYS[1], 'spent', ARGV[1], 'period', ARGV[2])
budget_touch(KEYS[1], KEYS[2], ARGV[3])
return { 1, tonumber(ARGV[1]), reserved, ARGV[2] }
`;
