#!/usr/bin/env bash
# test.sh - `make test`: every suite, each timed; stops at the first failure.
# The API suite runs twice: on SQLite, and on a throwaway PostgreSQL cluster
# started here (scripts/pg-cluster.sh) and stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
pgdir=$(mktemp -d /tmp/rapport-pg.XXXXXX)
trap 'scripts/pg-cluster.sh stop "$pgdir"' EXIT
step() {
  local name="$1"; shift
  local t0=$(date +%s)
  echo "== $name"
  "$@"
  echo "== $name: ok ($(( $(date +%s) - t0 )) s)"
}
step "clang build" make --no-print-directory clang-check
# (before the unit tests: test_db_pg.c runs against it, and skips without it)
export RAPPORT_TEST_PG_URL=$(scripts/pg-cluster.sh start "$pgdir")
step "unit tests" make --no-print-directory test-unit
step "fuzz corpus replay" make --no-print-directory test-fuzz
step "API tests on SQLite" make --no-print-directory test-api
step "API tests on PostgreSQL" make --no-print-directory test-api-pg
step "API tests, sanitizer build" make --no-print-directory test-api-asan
step "browser tests" make --no-print-directory test-e2e
echo "== all tests passed in $(( $(date +%s) - start )) s"
