#!/usr/bin/env bash
# Runs every test of the solution, then the package check and consumer app (eng/consumer.sh), then a
# one-minute soak (eng/soak.sh), then the sandbox's load smoke (eng/web-load-smoke.sh):
# the README's test command, and what .ci/run calls.
# Ends with one line: "N passed, N failed" (", N skipped" when any were).
set -uo pipefail
cd "$(dirname "$0")/.."

# Tests that need a real server or browser start their own: redis-server (Redis tests), PostgreSQL
# (EF Core tests), chromium through chromedriver (the sandbox's browser test), wrk (its load smoke).
# install_missing CHECK PACKAGE...: apt-get installs the packages when the command CHECK fails and we
# may (root); a failed install stops the run, since the tests that need them would fail (never skip).
install_missing() {
  local check=$1 apt_log
  shift
  eval "$check" >/dev/null 2>&1 && return 0
  [ "$(id -u)" -eq 0 ] || return 0
  echo "Installing $* for the tests that run on it..."
  apt_log=$(mktemp)
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >"$apt_log" 2>&1 \
    || ! eval "$check" >/dev/null 2>&1; then
    cat "$apt_log" >&2
    echo "Could not install $* with apt-get (output above); the tests need it." >&2
    exit 1
  fi
  rm -f "$apt_log"
}
install_missing 'command -v redis-server' redis-server
# Debian keeps the server binaries off PATH, in /usr/lib/postgresql/<major>/bin (the fixture looks there).
install_missing 'ls /usr/lib/postgresql/*/bin/pg_ctl' postgresql
install_missing 'command -v chromedriver' chromium chromium-driver
install_missing 'command -v wrk' wrk

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# A test host that hangs is killed (and its run fails) rather than holding CI for 90 minutes.
dotnet test Cacheback.sln -c Release --nologo --blame-hang-timeout 5m 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Second pass: the Redis tests (store, queue, L1, cluster, DI) and the multi-process tests again, on
# the newest StackExchange.Redis 3.x. The libraries stay compiled against the 2.x they ship with
# (Directory.Packages.props); only the tests, the worker sample and so the runtime take 3.x. Its own
# output folder (ignored by git under bin/), so the first pass's is untouched. Its "Passed!/Failed!"
# lines land in the same log and are summed below.
redis3=3.4.35
redis3_out=bin/redis-client-$redis3
for project in tests/RedisTests tests/MultiProcessTests; do
  echo "== $project on StackExchange.Redis $redis3 =="
  dotnet test "$project" -c Release --nologo --blame-hang-timeout 5m \
    -p:RedisClientVersion=$redis3 --artifacts-path "$redis3_out" 2>&1 | tee -a "$log"
  pass=${PIPESTATUS[0]}
  [ "$pass" -ne 0 ] && status=$pass
  # The pass means nothing unless the tests really ran on that client.
  deps="$redis3_out/bin/$(basename "$project")/release/$(basename "$project").deps.json"
  if [ "$pass" -eq 0 ] && ! grep -q "\"StackExchange.Redis/$redis3\"" "$deps" 2>/dev/null; then
    echo "$project did not run on StackExchange.Redis $redis3 (see $deps)." >&2
    status=1
  fi
done

# One summary line per test assembly: "Passed!  - Failed:     0, Passed:    82, Skipped:     0, Total: ..."
sum() { grep -E '^(Passed|Failed)! +- ' "$log" | grep -oE "$1: +[0-9]+" | awk '{ s += $2 } END { print s + 0 }'; }
passed=$(sum Passed)
failed=$(sum Failed)
skipped=$(sum Skipped)
assemblies=$(grep -cE '^(Passed|Failed)! +- ' "$log")

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test exited with $status (build error or a test host that crashed); see above." >&2
  failed=1
fi
if [ "$assemblies" -eq 0 ]; then
  echo "No test assembly reported a result." >&2
  status=1
fi

# run_counted SCRIPT PATTERN: runs an eng/ script whose lines matching "PATTERN: passed|failed"
# count as one test each; a script that fails without such a line counts as one failure.
run_counted() {
  local log script_status script_passed script_failed
  log=$(mktemp)
  bash "$1" --no-build 2>&1 | tee "$log"
  script_status=${PIPESTATUS[0]}
  script_passed=$(grep -cE "^$2: passed\$" "$log")
  script_failed=$(grep -cE "^$2: failed\$" "$log")
  if [ "$script_status" -ne 0 ] && [ "$script_failed" -eq 0 ]; then
    script_failed=1
  fi
  rm -f "$log"
  passed=$((passed + script_passed))
  failed=$((failed + script_failed))
  [ "$script_failed" -gt 0 ] && status=1
  return 0
}

# The packages, as an application gets them: eng/consumer.sh packs what the tests were built from,
# checks the packages, and builds and runs eng/consumer from them (StackExchange.Redis 2.x, then
# 3.x). Each of its "...: passed" / "...: failed" lines counts as one test.
run_counted eng/consumer.sh '.*'

# A short soak (eng/soak.sh, about a minute): embedded, then on Redis with 2 worker processes.
# Its "soak (embedded): passed|failed" and "soak (redis): passed|failed" lines count as one test each.
run_counted eng/soak.sh 'soak \((embedded|redis)\)'

# The sandbox's cached endpoint under wrk for 3 s a cache (benchmarks/web-load.sh --smoke, about 20 s):
# its "web-load (smoke): passed|failed" line counts as one test.
run_counted eng/web-load-smoke.sh 'web-load \(smoke\)'

# The names of the tests that failed, with their first lines of error, gathered here so that a CI
# log cut to its tail still says which test it was.
if grep -qE '^ +Failed [^ ]' "$log"; then
  echo "Failed tests (the full output is above):"
  grep -A 4 -E '^ +Failed [^ ]' "$log" | grep -vE '^ +Stack Trace:|^--$' | cut -c1-300
fi

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
exit "$status"
