-- ARGV[1] visibility timeout ms, ARGV[2] max attempts, ARGV[3] how many expired requests to reap,
-- ARGV[4] wake channel, ARGV[5] how many requests to take at most, ARGV[6] max dead letters.
-- First reaps: a request in flight past its deadline was taken by a worker that died or hung; it
-- goes back to the front of the pending list with its attempt + 1, or after the last attempt to
-- the dead letters. Then takes up to ARGV[5] of the oldest pending requests into flight until
-- now + visibility. Returns {dead letters dropped to stay within the bound, id, request JSON,
-- attempt, id, request JSON, attempt, ...}, or nil when nothing was taken or dropped.
local now = now_ms()
local visibility = tonumber(ARGV[1])
local max_attempts = tonumber(ARGV[2])
local max_dead = tonumber(ARGV[6])
local dropped = 0
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[2], id)
  local attempt = tonumber(redis.call('HGET', KEYS[4], id)) or 1
  if attempt < max_attempts then
    redis.call('HSET', KEYS[4], id, attempt + 1)
    redis.call('RPUSH', KEYS[1], id)
  else
    dropped = dropped + dead_letter(id, attempt, 'not completed within the visibility timeout of ' .. ARGV[1]
      .. ' ms on attempt ' .. string.format('%d', attempt) .. ' (the worker that took it may have died)', now, max_dead)
  end
end
if #expired > 0 then
  redis.call('PUBLISH', ARGV[4], 'reaped')
end

local taken = {0}
local wanted = tonumber(ARGV[5])
while #taken < wanted * 3 + 1 do
  local id = redis.call('RPOP', KEYS[1])
  if not id then
    break
  end
  local payload = redis.call('HGET', KEYS[3], id)
  if payload then
    redis.call('ZADD', KEYS[2], now + visibility, id)
    taken[#taken + 1] = id
    taken[#taken + 1] = payload
    taken[#taken + 1] = redis.call('HGET', KEYS[4], id) or '1'
  else
    -- An id without a payload has nothing to run (its entry was removed by hand).
    redis.call('HDEL', KEYS[4], id)
  end
end
if #taken == 1 and dropped == 0 then
  return nil
end
taken[1] = dropped
return taken
