-- ARGV[1] id, ARGV[2] the attempt that was taken, ARGV[3] 'ack' | 'retry' | 'dead',
-- ARGV[4] max attempts, ARGV[5] error, ARGV[6] wake channel, ARGV[7] max dead letters.
-- Only the delivery in flight now may complete it: a worker that outlived its visibility timeout
-- (the request was redelivered since) changes nothing.
-- Returns {status, dead letters dropped to stay within the bound}; status 0 (not this delivery),
-- 1 (acknowledged), 2 (queued again), 3 (dead-lettered).
local id = ARGV[1]
local attempt = tonumber(ARGV[2])
if tonumber(redis.call('HGET', KEYS[4], id)) ~= attempt or not redis.call('ZSCORE', KEYS[2], id) then
  return {0, 0}
end
redis.call('ZREM', KEYS[2], id)
if ARGV[3] == 'ack' then
  redis.call('HDEL', KEYS[3], id)
  redis.call('HDEL', KEYS[4], id)
  return {1, 0}
end
if ARGV[3] == 'retry' and attempt < tonumber(ARGV[4]) then
  redis.call('HSET', KEYS[4], id, attempt + 1)
  redis.call('LPUSH', KEYS[1], id)
  redis.call('PUBLISH', ARGV[6], id)
  return {2, 0}
end
return {3, dead_letter(id, attempt, ARGV[5], now_ms(), tonumber(ARGV[7]))}
