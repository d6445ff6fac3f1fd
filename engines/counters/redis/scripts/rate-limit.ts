import { LUA_COMMON } from './common.js';

/**
 * Sliding windows, one hash per key: field 'g' = sub-window length, other fields =
 * sub-window index → charged cost. The shape (granularityMs, subWindows) is computed by
 * sliding-window.ts and the arithmetic mirrors checkWindow there.
 *
 * window_check(key, limit, g, n, cost, now) reads a key and returns its outcome
 * {allowed 0|1, counted, retryAfterMs (-1 = never), current, g, n, cost, shaped, charged_now};
 * window_charge(key, outcome, now) charges it. A key's TTL is set when a sub-window is first
 * charged, to the moment that sub-window stops counting (later charges to the same
 * sub-window share that deadline); 'g' is written with the first charge. Fewer redis.call()s
 * per script is most of its cost.
 */
export const WINDOW_FUNCTIONS = `
local function window_check(key, limit, g, n, cost, now)
  local current = math.floor(now / g)
  local oldest = current - n
  local raw = redis.call('HGETALL', key)
  local shaped = false
  for j = 1, #raw, 2 do
    if raw[j] == 'g' then
      shaped = tonumber(raw[j + 1]) == g
      if not shaped then
        redis.call('DEL', key) -- the window changed: its count restarts
        raw = {}
      end
      break
    end
  end
  local counts, counted, stale = {}, 0, {}
  for j = 1, #raw, 2 do
    if raw[j] ~= 'g' then
      local index = tonumber(raw[j])
      if index < oldest then
        stale[#stale + 1] = raw[j]
      else
        local charged = tonumber(raw[j + 1])
        counts[index] = charged
        counted = counted + charged
      end
    end
  end
  if #stale > 0 then redis.call('HDEL', key, unpack(stale)) end
  local allowed = cost <= limit - counted
  local retry = 0
  if not allowed then
    retry = -1
    if cost <= limit then
      retry = (current + n + 1) * g - now -- when even the current sub-window has slid out
      local left = counted
      for step = 1, n do
        left = left - (counts[oldest + step - 1] or 0)
        if left + cost <= limit then
          retry = (current + step) * g - now
          break
        end
      end
    end
  end
  return { allowed and 1 or 0, counted, retry, current, g, n, cost, shaped, counts[current] ~= nil }
end
local function window_charge(key, o, now)
  if o[7] > 0 then
    if not o[8] then redis.call('HSET', key, 'g', int(o[5])) end
    redis.call('HINCRBY', key, int(o[4]), int(o[7]))
    if not o[9] then redis.call('PEXPIRE', key, int((o[4] + o[6] + 1) * o[5] - now)) end
  end
end
-- the reply of one window: {allowed 0|1, counted, retryAfterMs}
local function window_reply(outcomes)
  local reply = {}
  for i = 1, #outcomes do reply[i] = { outcomes[i][1], outcomes[i][2], outcomes[i][3] } end
  return reply
end
`;

/**
 * consumeAll over KEYS; ARGV holds 4 values per key: limit, granularityMs, subWindows,
 * cost. All keys are checked first; only if every one admits its cost are they all charged.
 * Replies one {allowed 0|1, counted, retryAfterMs (-1 = never)} per key.
 */
export const CONSUME_LUA = `${LUA_COMMON}${WINDOW_FUNCTIONS}
local now = now_ms()
local outcomes = {}
local all_allowed = true
for i = 1, #KEYS do
  local base = (i - 1) * 4
  outcomes[i] = window_check(KEYS[i], tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]), tonumber(ARGV[base + 4]), now)
  if outcomes[i][1] == 0 then all_allowed = false end
end
if all_allowed then
  for i = 1, #KEYS do window_charge(KEYS[i], outcomes[i], now) end
end
return window_reply(outcomes)
`;
