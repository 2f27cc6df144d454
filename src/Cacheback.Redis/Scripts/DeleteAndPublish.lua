-- A delete of a RedisStore: removes KEYS[1] and publishes the L1 invalidation ARGV[2] on ARGV[1],
-- even when there was nothing to remove (a node may still hold the key in memory).
-- Returns how many keys were removed.
local removed = redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return removed
