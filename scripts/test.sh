#!/bin/bash
# README command 2: installs what is missing, then runs the whole test suite against real anvil, dockerd and
# mosquitto, and ends with the line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
. ./scripts/bootstrap.sh
bun run typecheck
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
bun test --timeout 60000 "$@" 2>&1 | tee "$log" || status=$?
passed=$(sed -nE 's/^ *([0-9]+) pass$/\1/p' "$log" | tail -n 1)
failed=$(sed -nE 's/^ *([0-9]+) fail$/\1/p' "$log" | tail -n 1)
echo "${passed:-0} passed, ${failed:-0} failed"
if [ "$status" -eq 0 ] && [ "${passed:-0}" -eq 0 ]; then echo "no test ran" >&2; exit 1; fi
exit "$status"
