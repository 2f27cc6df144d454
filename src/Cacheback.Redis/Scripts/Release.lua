-- ARGV[1] wake channel; then pairs: ARGV[2k] id, ARGV[2k+1] the attempt taken.
-- A taker that stops gives back the requests still waiting in its buffer: each one that is still
-- that delivery leaves the in-flight set for the front of the pending list, on the same attempt
-- (it never ran), in the order they were taken. Returns how many went back.
local released = 0
-- Pushed newest first: RPOP takes from the tail, so the oldest ends up next.
for i = #ARGV - 1, 2, -2 do
  local id = ARGV[i]
  if tonumber(redis.call('HGET', KEYS[4], id)) == tonumber(ARGV[i + 1]) and redis.call('ZREM', KEYS[2], id) == 1 then
    redis.call('RPUSH', KEYS[1], id)
    released = released + 1
  end
end
if released > 0 then
  redis.call('PUBLISH', ARGV[1], 'released')
end
return released
