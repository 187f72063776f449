#!/usr/bin/env bash
# test.sh - `make test`: every suite, each timed; stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() {
  local name="$1"; shift
  local t0=$(date +%s)
  echo "== $name"
  "$@"
  echo "== $name: ok ($(( $(date +%s) - t0 )) s)"
}
step "clang build" make --no-print-directory clang-check
step "unit tests" make --no-print-directory test-unit
step "API tests" make --no-print-directory test-api
step "API tests, sanitizer build" make --no-print-directory test-api-asan
step "browser tests" make --no-print-directory test-e2e
echo "== all tests passed in $(( $(date +%s) - start )) s"
