-- ARGV[1] id, ARGV[2] request JSON, ARGV[3] its attempt, ARGV[4] max pending, ARGV[5] wake channel.
-- Returns 1 when queued, 0 when the pending list is full (nothing is written then).
if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[5], ARGV[1])
return 1
