import { BUDGET_FUNCTIONS } from './budgets.js';
import { LUA_COMMON } from './common.js';
import { LEASE_FUNCTIONS } from './leases.js';
import { WINDOW_FUNCTIONS } from './rate-limit.js';

const ALL_FUNCTIONS = `${LUA_COMMON}${WINDOW_FUNCTIONS}${LEASE_FUNCTIONS}${BUDGET_FUNCTIONS}`;

/**
 * One request's admission (port.ts, Admissions.admit). KEYS: the rate-limit keys, the lease
 * keys, then state and due of each budget. ARGV: counts of rate limits, leases and budgets,
 * holder, leaseTtlMs, reservationTtlMs, budgetIdleTtlMs; then limit, granularityMs,
 * subWindows, cost per rate limit; the limit per lease; amount, limit, periodKey per budget.
 * Everything is checked before anything is taken. Replies {'admitted'}, or the first refusal:
 * {'rate_limits', {allowed, counted, retryAfterMs} per limit}, {'concurrency', index, active,
 * retryAfterMs}, {'budget', index, available} or {'stale_period', index, stored period ('' = none)}.
 */
export const ADMIT_LUA = `${ALL_FUNCTIONS}
local now = now_ms()
local nr, nl, nb = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local holder, lease_ttl, reservation_ttl, idle = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local a = 8
local windows, allowed = {}, true
for i = 1, nr do
  windows[i] = window_check(KEYS[i], tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), now)
  if windows[i][1] == 0 then allowed = false end
  a = a + 4
end
if not allowed then return { 'rate_limits', window_reply(windows) } end
for i = 1, nl do
  local acquired, active, retry = lease_check(KEYS[nr + i], tonumber(ARGV[a]), holder, now)
  if acquired == 0 then return { 'concurrency', i - 1, active, retry } end
  a = a + 1
end
local holds = {}
for i = 1, nb do
  local state, due = KEYS[nr + nl + 2 * i - 1], KEYS[nr + nl + 2 * i]
  local amount, limit, period = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), ARGV[a + 2]
  a = a + 3
  budget_reclaim(state, due, now)
  local spent, reserved, stored, held = budget_read(state, holder)
  if stored == '' or later(period, stored) then return { 'stale_period', i - 1, stored } end
  if not held then
    if spent + reserved + amount > limit then return { 'budget', i - 1, math.max(0, limit - spent - reserved) } end
    holds[#holds + 1] = { state, due, amount, reserved }
  end
end
for i = 1, nr do window_charge(KEYS[i], windows[i], now) end
for i = 1, nl do lease_take(KEYS[nr + i], holder, lease_ttl, now) end
for _, h in ipairs(holds) do budget_hold(h[1], h[2], holder, h[3], h[4], reservation_ttl, idle, now) end
return { 'admitted' }
`;

/**
 * The end of an admitted request (Admissions.conclude). KEYS: the lease keys, then state and
 * due of each budget. ARGV: counts of leases and budgets, holder, settledRetentionMs,
 * budgetIdleTtlMs, then per budget the actual amount to settle, or '' to release. Replies per
 * budget {outcome, spent, reserved, period} when settled, {'released'} otherwise.
 */
export const CONCLUDE_LUA = `${ALL_FUNCTIONS}
local now = now_ms()
local nl, nb = tonumber(ARGV[1]), tonumber(ARGV[2])
local holder, retention, idle = ARGV[3], tonumber(ARGV[4]), ARGV[5]
for i = 1, nl do lease_release(KEYS[i], holder, now) end
local reply = {}
for i = 1, nb do
  local state, due = KEYS[nl + 2 * i - 1], KEYS[nl + 2 * i]
  budget_reclaim(state, due, now)
  local amount = ARGV[5 + i]
  if amount == '' then
    budget_release(state, due, holder, idle)
    reply[i] = { 'released' }
  else
    reply[i] = { budget_settle(state, due, holder, tonumber(amount), retention, idle, now) }
  end
end
return reply
`;
