# Sourced by eng/consumer.sh and eng/soak.sh: start_redis_server DIR starts a redis-server of the
# script's own on a free loopback port (its log in DIR/redis.log), sets $port and $redis_pid, and
# kills it when the script exits. Returns 1 (log in DIR/redis.log) when none would start.
start_redis_server() {
  local dir=$1
  redis_pid=
  trap '[ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null' EXIT
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue # taken
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --protected-mode yes >"$dir/redis.log" 2>&1 &
    redis_pid=$!
    # Up within 5 s or given up: a redis-server answers PING as soon as it listens.
    for _ in $(seq 50); do
      redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
      kill -0 "$redis_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$redis_pid" 2>/dev/null
    redis_pid=
  done
  return 1
}
