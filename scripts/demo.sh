#!/bin/sh
# README command 1: installs what is missing, then runs the local demo cluster (anvil + three agents).
set -eu
cd "$(dirname "$0")/.."
. ./scripts/bootstrap.sh
exec bun scripts/demo.ts "$@"
