#!/usr/bin/env bash
# CI, after building the binary (npx tsx runtime/sea/build.ts): the binary smoke test from an empty temp folder.
# Fails (does not skip) when the binary is missing. VOLGUARD_BIN=<path> tests another build; SMOKE_CYCLES=N (3).
# With --build, builds first (a release build: fails if any module is missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ "${1:-}" == "--build" ]]; then npx tsx runtime/sea/build.ts; fi
export SMOKE_REQUIRE_BINARY=1
exec node --import tsx --test --test-reporter=spec test/drills/binary-smoke.test.ts
