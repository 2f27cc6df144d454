-- ARGV[1] the new deadline, ms from now; then pairs: ARGV[2k] id, ARGV[2k+1] the attempt taken.
-- Extends the deadline of requests that wait in a live taker's buffer, so that no other taker
-- reaps them while they wait. Only the delivery still in flight is extended: a request that was
-- reaped, completed or delivered again since is not, and is returned.
-- Returns {id, ...} of the requests that are no longer this taker's.
local deadline = now_ms() + tonumber(ARGV[1])
local lost = {}
for i = 2, #ARGV - 1, 2 do
  local id = ARGV[i]
  if tonumber(redis.call('HGET', KEYS[4], id)) == tonumber(ARGV[i + 1]) and redis.call('ZSCORE', KEYS[2], id) then
    redis.call('ZADD', KEYS[2], 'XX', deadline, id)
  else
    lost[#lost + 1] = id
  end
end
return lost
