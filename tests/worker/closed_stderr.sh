#!/usr/bin/env bash
# closed_stderr.sh — `ferry worker` started with stderr (and stdout) closed,
# as a careless init script or supervisor may: descriptors 0-2 are opened
# on /dev/null first, so the next socket opened never becomes "stderr" and
# log lines never go into the database connection or the fork server's
# channel. The request completes and the worker exits 0.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
testdb_create closedfd
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; testdb_drop' EXIT
store=$tmp/store
mkdir -p "$store"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$store" 'worker: { poll_interval_ms = 50; };'
worker_migrate
worker_mode real
worker_fixture 2 50

rc=0
"$FERRY" -v worker --concurrency 1 --once 1>&- 2>&- || rc=$?
expect_eq "worker exit code" "$rc" 0
expect_eq "requests" "$(testdb_sql "SELECT status, COUNT(*) FROM export_requests GROUP BY status")" "completed	2"
check "artifacts" "$(visible_files "$store" | wc -l)" 2
assert_done
