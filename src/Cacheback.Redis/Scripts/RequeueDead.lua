-- ARGV[1] how many to requeue at most, ARGV[2] max pending, ARGV[3] wake channel,
-- ARGV[4] the id of the one entry to requeue, or '' for the oldest entries.
-- Moves dead letters, oldest first, back to the pending list on their first attempt, with their
-- ids and payloads (as Enqueue.lua queues a request), until ARGV[1] have moved or the pending list
-- holds ARGV[2]. An entry whose request is unreadable, or whose id is queued already, stays dead.
-- Returns {requeued, entries left dead on the way, 1 if it stopped at a full pending list else 0}.
local wanted = tonumber(ARGV[1])
local max_pending = tonumber(ARGV[2])
-- Our entries start with their id (see dead_letter): one entry is found without decoding the rest.
local prefix = nil
if ARGV[4] ~= '' then
  prefix = '{"id":' .. cjson.encode(ARGV[4]) .. ','
end
-- Moved entries are overwritten with this in place, and removed in one LREM at the end, so the
-- indexes of the scan stay valid.
local marker = '\0cacheback:requeued:' .. tostring(now_ms())

local function readable(request)
  if type(request) ~= 'string' or request == '' then
    return false
  end
  local ok, parsed = pcall(cjson.decode, request)
  return ok and type(parsed) == 'table' and type(parsed.job) == 'string' and parsed.job ~= ''
    and type(parsed.key) == 'string' and type(parsed.arguments) == 'string'
end

local length = redis.call('LLEN', KEYS[5])
local offset = 0 -- entries looked at, counted from the tail (the oldest)
local moved, kept, full, found = 0, 0, 0, false
while offset < length and moved < wanted and full == 0 and not found do
  local entries = redis.call('LRANGE', KEYS[5], -(offset + 100), -(offset + 1))
  if #entries == 0 then
    break
  end
  for i = #entries, 1, -1 do
    offset = offset + 1
    local entry = entries[i]
    if prefix == nil or string.sub(entry, 1, #prefix) == prefix then
      found = prefix ~= nil
      local ok, dead = pcall(cjson.decode, entry)
      local id = ok and type(dead) == 'table' and dead.id
      if type(id) == 'string' and id ~= '' and readable(dead.request) and redis.call('HEXISTS', KEYS[3], id) == 0 then
        if redis.call('LLEN', KEYS[1]) >= max_pending then
          full = 1
          break
        end
        redis.call('HSET', KEYS[3], id, dead.request)
        redis.call('HSET', KEYS[4], id, 1)
        redis.call('LPUSH', KEYS[1], id)
        redis.call('LSET', KEYS[5], -offset, marker)
        moved = moved + 1
      else
        kept = kept + 1
      end
      if moved == wanted or found then
        break
      end
    end
  end
end
if moved > 0 then
  redis.call('LREM', KEYS[5], -moved, marker)
  redis.call('PUBLISH', ARGV[3], 'requeued')
end
return {moved, kept, full}
