-- ARGV[1] visibility timeout ms, ARGV[2] max attempts, ARGV[3] how many expired requests to reap,
-- ARGV[4] wake channel, ARGV[5] how many requests to take at most, ARGV[6] max dead letters,
-- ARGV[7] the deadline ms of the requests after the first (they wait in the taker's buffer, which
-- extends their deadline while they wait: see Renew.lua).
-- First reaps: a request in flight past its deadline was taken by a worker that died or hung; it
-- goes back to the front of the pending list with its attempt + 1, or after the last attempt to
-- the dead letters. Then takes up to ARGV[5] of the oldest pending requests into flight: the first
-- until now + ARGV[1], the others until now + ARGV[7]. A request whose attempts value is not a
-- number is dead-lettered, never taken.
-- Returns {dead letters dropped to stay within the bound, {id, request JSON, attempt, ...},
-- {id, why it was dead-lettered, ...}}.
local now = now_ms()
local visibility = tonumber(ARGV[1])
local max_attempts = tonumber(ARGV[2])
local max_dead = tonumber(ARGV[6])
local buffered = tonumber(ARGV[7])
local dropped = 0
local rejected = {}

local function reject(id, raw)
  local why = bad_attempt(raw)
  dropped = dropped + dead_letter(id, 0, why, now, max_dead)
  rejected[#rejected + 1] = id
  rejected[#rejected + 1] = why
end

local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[2], id)
  local raw = redis.call('HGET', KEYS[4], id)
  local attempt = attempt_of(raw)
  if attempt == nil then
    reject(id, raw)
  elseif attempt < max_attempts then
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

local taken = {}
local wanted = tonumber(ARGV[5])
-- Bounded, so that a pending list full of garbage cannot hold the server in one script: the rest
-- goes on the next takes.
local pops = 0
while #taken < wanted * 3 and pops < wanted + tonumber(ARGV[3]) do
  pops = pops + 1
  local id = redis.call('RPOP', KEYS[1])
  if not id then
    break
  end
  local payload = redis.call('HGET', KEYS[3], id)
  local raw = redis.call('HGET', KEYS[4], id)
  local attempt = attempt_of(raw or '1')
  if not payload then
    -- An id without a payload has nothing to run (its entry was removed by hand).
    redis.call('HDEL', KEYS[4], id)
  elseif attempt == nil then
    reject(id, raw)
  else
    local deadline = now + visibility
    if #taken > 0 then
      deadline = now + buffered
    end
    redis.call('ZADD', KEYS[2], deadline, id)
    if raw == false then
      redis.call('HSET', KEYS[4], id, 1)
    end
    taken[#taken + 1] = id
    taken[#taken + 1] = payload
    taken[#taken + 1] = attempt
  end
end
return {dropped, taken, rejected}
