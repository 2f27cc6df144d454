#!/usr/bin/env bash
# Packs the libraries, checks the packages, then builds eng/consumer (an app that knows Cacheback
# only from those packages) once per StackExchange.Redis version, and runs it against a
# redis-server of its own on a free loopback port. One line per check ("NAME: passed" or
# "NAME: failed"); the last line is "consumer: N passed, N failed"; exit code 0 only if all passed.
#   bash eng/consumer.sh              # packs after building
#   bash eng/consumer.sh --no-build   # packs what the last Release build made (eng/test.sh)
# CONSUMER_REDIS_VERSIONS overrides the client versions (default: the newest 2.x and 3.x that restore).
set -uo pipefail
cd "$(dirname "$0")/.."

redis_versions=${CONSUMER_REDIS_VERSIONS:-2.13.23 3.4.35}
no_build=
[ "${1:-}" = --no-build ] && no_build=--no-build
ci_env=${CI:-}
github_env=${GITHUB_ACTIONS:-}
ci=false
[ "${ci_env,,}" = true ] || [ "${github_env,,}" = true ] && ci=true

# A version of its own per run: a package of an earlier run is never picked up, wherever it is cached.
version_suffix="ci.$(date -u +%Y%m%d%H%M%S)"
packages=artifacts/packages
work=artifacts/consumer
rm -rf "$packages" "$work"
mkdir -p "$packages" "$work"
log="$work/log"

passed=0
failed=0
result() { # name, status
  echo "$1: $2"
  if [ "$2" = passed ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
finish() {
  echo "consumer: $passed passed, $failed failed (${SECONDS} s)"
  [ "$failed" -eq 0 ]
  exit
}

echo "Packing (version suffix $version_suffix)..."
if ! dotnet pack Cacheback.sln -c Release $no_build --nologo -o "$packages" -p:VersionSuffix="$version_suffix" >"$log" 2>&1; then
  cat "$log"
  result "packages: dotnet pack" failed
  finish
fi
ls "$packages"
cacheback_version=$(ls "$packages" | sed -nE 's/^Cacheback\.Core\.(.*)\.nupkg$/\1/p')
no_build_paths=
$ci && no_build_paths=--no-build-paths
if python3 eng/check-packages.py "$packages" $no_build_paths; then
  result "packages: licence, README, repository, symbols${no_build_paths:+, no build path in the PDBs}" passed
else
  result "packages: licence, README, repository, symbols${no_build_paths:+, no build path in the PDBs}" failed
fi

# A redis-server of our own, on a free loopback port, gone when the script ends.
# shellcheck source=eng/redis-server.sh
source eng/redis-server.sh
if ! start_redis_server "$work"; then
  cat "$work/redis.log"
  result "consumer: redis-server on a free loopback port" failed
  finish
fi

global_packages=$(dotnet nuget locals global-packages --list | sed -E 's/^global-packages: //')
for redis_version in $redis_versions; do
  label="consumer (StackExchange.Redis $redis_version)"
  out="$work/se-redis-$redis_version"
  echo "Building eng/consumer with Cacheback $cacheback_version and StackExchange.Redis $redis_version..."
  # Packages restore into a folder of this run's own; the machine's cache only lends what it already has.
  if ! dotnet build eng/consumer/ConsumerApp.csproj -c Release --nologo -clp:NoSummary \
      --artifacts-path "$out" \
      -p:RestorePackagesPath="$PWD/$work/packages" -p:RestoreFallbackFolders="$global_packages" \
      -p:CachebackVersion="$cacheback_version" -p:StackExchangeRedisVersion="$redis_version" >"$log" 2>&1; then
    cat "$log"
    result "$label: build" failed
    continue
  fi
  app=$(find "$out/bin" -name ConsumerApp.dll | head -n 1)
  CONSUMER_REDIS="127.0.0.1:$port" CONSUMER_SE_REDIS_VERSION="$redis_version" \
    timeout 300 dotnet "$app" >"$log" 2>"$log.err"
  status=$?
  grep -vE '^(PASS|FAIL) ' "$log" | head -n 40
  while IFS= read -r line; do
    case "$line" in
      "PASS "*) result "$label: ${line#PASS }" passed ;;
      "FAIL "*) result "$label: ${line#FAIL }" failed ;;
    esac
  done <"$log"
  if [ "$status" -ne 0 ]; then
    head -n 40 "$log.err"
    if ! grep -q '^FAIL ' "$log"; then
      result "$label: exited with $status" failed
    fi
  fi
done
finish
