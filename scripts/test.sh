#!/bin/bash
# README command 2: installs what is missing, then runs the whole test suite against real anvil, dockerd and
# mosquitto (scripts/test-run.ts: a clean start, then the files TEST_JOBS at a time), and ends with the line
# "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
. ./scripts/bootstrap.sh
bun run typecheck
exec bun scripts/test-run.ts "$@"
