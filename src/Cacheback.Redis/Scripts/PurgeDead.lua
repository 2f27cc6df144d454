-- Removes every dead letter. Returns how many there were.
local count = redis.call('LLEN', KEYS[5])
redis.call('DEL', KEYS[5])
return count
