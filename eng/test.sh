#!/usr/bin/env bash
# Runs every test of the solution: the README's test command, and what .ci/run calls.
# Ends with one line: "N passed, N failed" (", N skipped" when any were).
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# A test host that hangs is killed (and its run fails) rather than holding CI for 90 minutes.
dotnet test Cacheback.sln -c Release --nologo --blame-hang-timeout 5m 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

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

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
exit "$status"
