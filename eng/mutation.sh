#!/usr/bin/env bash
# Mutation testing of the cache's pure core: Stryker.NET (dotnet-stryker, a local tool pinned in
# .config/dotnet-tools.json) mutates src/Cacheback.Core/{Decisions,Policy,Envelope} and runs
# tests/UnitTests and tests/PropertyTests against each mutant (stryker-config.json). Not part of CI:
# a full run takes about 15 minutes on 2 cores.
#
#   bash eng/mutation.sh                  # the full run
#   bash eng/mutation.sh --since:main     # only mutants in files changed since main
#   bash eng/mutation.sh -m '**/Policy/**/*.cs'   # one folder (replaces the config's mutate list)
#
# Extra arguments go to dotnet-stryker. Reports land in artifacts/mutation/ (git-ignored):
# reports/mutation-report.html, reports/mutation-report.json, scores.txt (the score per file) and
# survivors.txt (each mutant no test caught).
#
# The property tests draw random cases; under Stryker they must not kill or spare a mutant by
# chance, so this script fixes FsCheck's seed: tests/PropertyTests reads CACHEBACK_PROPERTY_REPLAY
# at build time and adds an assembly-wide [Properties(Replay = ...)] (override it to try another seed).
set -euo pipefail
cd "$(dirname "$0")/.."

export CACHEBACK_PROPERTY_REPLAY="${CACHEBACK_PROPERTY_REPLAY:-20261130,1442695040888963407}"
root=$(pwd)
out="$root/artifacts/mutation"
concurrency="${STRYKER_CONCURRENCY:-2}"

dotnet tool restore >/dev/null

start=$(date +%s)
status=0
# From the project's folder: at the root Stryker would take the solution, and then refuses a list
# of test projects (the paths in stryker-config.json are relative to src/Cacheback.Core).
(cd src/Cacheback.Core && dotnet tool run dotnet-stryker --config-file ../../stryker-config.json \
  --output "$out" --concurrency "$concurrency" "$@") || status=$?
elapsed=$(( $(date +%s) - start ))

report="$out/reports/mutation-report.json"
if [ ! -f "$report" ]; then
  echo "dotnet-stryker wrote no report ($report); exit code $status." >&2
  exit "${status/#0/1}"
fi

# Score per file, as Stryker counts it: detected (killed, timeout) over valid mutants (those plus
# survived and no coverage); compile errors and ignored mutants do not count.
python3 - "$report" "$elapsed" <<'PY' | tee "$out/scores.txt"
import json, sys
report, elapsed = json.load(open(sys.argv[1])), int(sys.argv[2])
rows, total = [], [0, 0, 0, 0]
for path, data in sorted(report["files"].items()):
    counts = {}
    for mutant in data["mutants"]:
        counts[mutant["status"]] = counts.get(mutant["status"], 0) + 1
    detected = counts.get("Killed", 0) + counts.get("Timeout", 0)
    survived, nocov = counts.get("Survived", 0), counts.get("NoCoverage", 0)
    valid = detected + survived + nocov
    if valid == 0:
        continue
    for i, n in enumerate((detected, survived, nocov, valid)):
        total[i] += n
    rows.append((path.split("src/Cacheback.Core/")[-1], detected, survived, nocov, valid))
print(f"{'file':40} {'score':>7} {'killed':>7} {'survived':>9} {'nocover':>8}")
for name, d, s, n, v in rows:
    print(f"{name:40} {100 * d / v:6.1f}% {d:7} {s:9} {n:8}")
d, s, n, v = total
print(f"{'total':40} {100 * d / v:6.1f}% {d:7} {s:9} {n:8}")
print(f"duration {elapsed // 60} min {elapsed % 60} s")
PY
# Each mutant that no test caught, one a line, for benchmarks/results/ and the tests to come.
python3 - "$report" >"$out/survivors.txt" <<'PY'
import json, sys
for path, data in sorted(json.load(open(sys.argv[1]))["files"].items()):
    lines = data["source"].split("\n")
    for m in data["mutants"]:
        if m["status"] not in ("Survived", "NoCoverage"):
            continue
        start, end = m["location"]["start"], m["location"]["end"]
        text = lines[start["line"] - 1]
        original = text[start["column"] - 1:end["column"] - 1] if start["line"] == end["line"] else text[start["column"] - 1:] + " ..."
        replacement = " ".join(m.get("replacement", "").split())
        print(f'{path.split("src/Cacheback.Core/")[-1]}:{start["line"]} {m["status"]} {m["mutatorName"]}: '
              f'{" ".join(original.split())[:100]} -> {replacement[:100]}')
PY
echo "$(wc -l <"$out/survivors.txt") mutants survived or were not covered: $out/survivors.txt"
echo "Report: $out/reports/mutation-report.html"
exit "$status"
