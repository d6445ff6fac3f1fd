/**
 * Lua helpers prepended to every script. Time is Redis's own clock (TIME, allowed before
 * writes since Redis 5 replicates script effects), so every gateway process agrees.
 * Numbers written back go through %d: Lua numbers are doubles, exact below 2^53, and
 * Redis's own number-to-string conversion could otherwise pick an exponent form.
 */
export const LUA_COMMON = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function int(n)
  return string.format('%d', n)
end
`;
