#!/usr/bin/env bash
# Rewrites each library's PublicAPI.Unshipped.txt from the code as it is now: every public type
# and member not in PublicAPI.Shipped.txt is listed, entries for APIs that are gone are dropped,
# and a shipped API that is gone gets a *REMOVED* line. Then it builds each project to check that
# the baseline holds (RS0016/RS0017 are errors). Review the diff: it is the public change.
#   bash eng/update-public-api.sh                         # every C# project under src/
#   bash eng/update-public-api.sh src/Cacheback.Core      # some of them
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$#" -eq 0 ] && set -- src/*/

header='#nullable enable'
sort_unshipped() { # header first, then the entries sorted, once each
  { echo "$header"; grep -v -x -F "$header" "$1" | grep -v '^$' | LC_ALL=C sort -u; } >"$1.tmp" || true
  mv "$1.tmp" "$1"
}

projects=()
for dir in "$@"; do
  dir=${dir%/}
  project=$(find "$dir" -maxdepth 1 -name '*.csproj' | head -n 1)
  if [ -z "$project" ]; then
    echo "skipped $dir: no C# project (the analyzer reads C# only)"
    continue
  fi
  projects+=("$project")
  [ -f "$dir/PublicAPI.Shipped.txt" ] || echo "$header" >"$dir/PublicAPI.Shipped.txt"
  # From empty, the code fix lists exactly what the code has beyond the shipped file.
  echo "$header" >"$dir/PublicAPI.Unshipped.txt"
  echo "listing the public API of $project"
  dotnet format analyzers "$project" --diagnostics RS0016 --severity warn --verbosity quiet
  sort_unshipped "$dir/PublicAPI.Unshipped.txt"
done

build() { dotnet build "$1" -c Release --nologo -clp:NoSummary >"$2" 2>&1; }

status=0
for project in "${projects[@]}"; do
  dir=$(dirname "$project")
  log=$(mktemp)
  if ! build "$project" "$log"; then
    # A shipped API that is gone (RS0017 has no code fix): mark it removed in the unshipped file.
    gone=$(grep -oE "RS0017: Symbol '.*' is part of the declared API" "$log" \
      | sed -E "s/^RS0017: Symbol '(.*)' is part of the declared API$/\1/" | LC_ALL=C sort -u || true)
    while IFS= read -r symbol; do
      if [ -n "$symbol" ] && grep -q -x -F "$symbol" "$dir/PublicAPI.Shipped.txt"; then
        echo "*REMOVED*$symbol" >>"$dir/PublicAPI.Unshipped.txt"
        echo "$dir: shipped API gone: $symbol"
      fi
    done <<<"$gone"
    sort_unshipped "$dir/PublicAPI.Unshipped.txt"
    if ! build "$project" "$log"; then
      grep -E ': error ' "$log" | sort -u >&2
      echo "$project does not build with its baseline (errors above)" >&2
      status=1
    fi
  fi
  rm -f "$log"
done
exit "$status"
