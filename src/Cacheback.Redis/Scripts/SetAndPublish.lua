-- A write of a RedisStore: stores ARGV[1] at KEYS[1] for ARGV[2] ms and, in the same step,
-- publishes the L1 invalidation ARGV[4] on ARGV[3], so that no write escapes the nodes' memories.
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
