-- Shared by the queue's scripts (prepended to each). Keys, always in this order:
-- KEYS[1] pending (LIST of ids; LPUSH in, RPOP out), KEYS[2] in flight (ZSET id -> deadline ms),
-- KEYS[3] payloads (HASH id -> request JSON), KEYS[4] attempts (HASH id -> attempt number),
-- KEYS[5] dead letters (LIST of JSON entries, newest first).
-- Time is the server's (TIME): one clock for every worker, whatever their own clocks say.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Moves a request to the dead-letter list with why it ended there; its payload goes with it.
-- The list keeps the newest max_dead entries: returns how many of the oldest were dropped.
local function dead_letter(id, attempt, reason, now, max_dead)
  local payload = redis.call('HGET', KEYS[3], id)
  local entry = '{"id":' .. cjson.encode(id)
    .. ',"attempts":' .. string.format('%d', attempt)
    .. ',"error":' .. cjson.encode(reason)
    .. ',"deadAtMs":' .. string.format('%d', now)
    .. ',"request":' .. cjson.encode(payload or '') .. '}'
  local length = redis.call('LPUSH', KEYS[5], entry)
  redis.call('HDEL', KEYS[3], id)
  redis.call('HDEL', KEYS[4], id)
  if length <= max_dead then
    return 0
  end
  redis.call('LTRIM', KEYS[5], 0, max_dead - 1)
  return length - max_dead
end

-- The attempt number stored for a request, or nil when the value is not one (anyone who can write
-- to Redis can put anything there: it must not stop a worker).
local function attempt_of(raw)
  local n = tonumber(raw)
  if n == nil or n ~= math.floor(n) or n < 1 or n > 2147483647 then
    return nil
  end
  return n
end

-- Why a request's attempts value is refused, with at most 200 bytes of it.
local function bad_attempt(raw)
  return 'its attempts value in Redis is not a number from 1 to 2147483647: '
    .. cjson.encode(string.sub(tostring(raw or ''), 1, 200))
end
