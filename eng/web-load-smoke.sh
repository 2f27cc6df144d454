#!/usr/bin/env bash
# The sandbox's load run in small (benchmarks/web-load.sh --smoke): 3 s per cache at one expiry, with
# Cacheback's targets checked. Prints "web-load (smoke): passed|failed"; eng/test.sh counts it.
set -uo pipefail
exec bash "$(dirname "$0")/../benchmarks/web-load.sh" --smoke "$@"
