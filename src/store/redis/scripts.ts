/*
 * Lua scripts for the Redis adapter. Each runs atomically inside Redis and costs one round trip
 * (ioredis sends EVALSHA and falls back to EVAL once per connection). Numbers in Lua 5.1 are
 * doubles, exact for integers below 2^53, which covers millisecond timestamps.
 */

/** Fixed-window counter: the TTL is set only when the key is created (SET NX), never extended. */
export const INCREMENT = `
redis.call('SET', KEYS[1], 0, 'PX', ARGV[2], 'NX')
return redis.call('INCRBY', KEYS[1], ARGV[1])
`;

/**
 * GCRA, the same arithmetic as src/store/gcra.ts. ARGV: interval, burst, cost (negative: a refund), now (negative:
 * use the Redis clock, so every gateway in the cluster decides on the same time).
 * Returns { allowed 0|1, remaining, retryAfterMs, resetAfterMs }.
 */
export const GCRA = `
local T = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local limit = burst * T
local newTat = tat + cost * T
-- A negative cost is a refund: never past a full bucket.
if cost < 0 and newTat < now then newTat = now end
local allowAt = newTat - limit
if now < allowAt then
  local rem = math.floor((limit - (tat - now)) / T + 1e-9)
  if rem < 0 then rem = 0 end
  return { 0, rem, math.ceil(allowAt - now), math.ceil(tat - now) }
end
if cost ~= 0 then
  -- The key lives exactly as long as the bucket is not full; an absent key is a full bucket.
  if newTat > now then
    redis.call('SET', KEYS[1], string.format('%.17g', newTat), 'PX', math.ceil(newTat - now))
  else
    redis.call('DEL', KEYS[1])
  end
end
return { 1, math.floor((now - allowAt) / T + 1e-9), 0, math.ceil(newTat - now) }
`;

/** ARGV: limit, ttlMs. Returns 1 when a slot was taken. Each acquire pushes the expiry out. */
export const ACQUIRE = `
local n = tonumber(redis.call('GET', KEYS[1])) or 0
if n >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], n + 1, 'PX', ARGV[2])
return 1
`;

/** DECR keeps the TTL; the last slot deletes the key so it never goes below zero. */
export const RELEASE = `
local n = tonumber(redis.call('GET', KEYS[1])) or 0
if n > 1 then redis.call('DECR', KEYS[1]) elseif n == 1 then redis.call('DEL', KEYS[1]) end
return 0
`;
