#!/usr/bin/env bash
# dbrestart.sh MODE [DRIVER] — the database restarted during a run of
# several requests: the workers reconnect with backoff, nothing crashes,
# every request completes exactly once. Uses a MariaDB instance of its own
# (scripts/db.sh in a temporary directory), never the shared one.
set -euo pipefail
tmp=$(mktemp -d)
export FERRY_TEST_DB_DIR=$tmp/db
dbsh=$FERRY_SOURCE_DIR/scripts/db.sh
cleanup() {
    kill -9 $(jobs -p) 2>/dev/null || true
    "$dbsh" stop "$FERRY_TEST_DB_DIR" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
"$dbsh" start "$FERRY_TEST_DB_DIR" >/dev/null
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
worker_mode "$@"
testdb_create restart
trap cleanup EXIT
store=$tmp/store
mkdir -p "$store"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$store" 'worker: { lease_seconds = 30; poll_interval_ms = 100; retry_delay_seconds = 0; max_attempts = 5; };'
worker_migrate
n=30
worker_fixture $n 2000
export STUB_WORK_MS=200

"${WORKER[@]}" --concurrency 3 2>"$tmp/w.log" &
w=$!
wait_for "SELECT COUNT(*) >= 5 FROM export_requests WHERE status = 'completed'" 1
"$dbsh" stop "$FERRY_TEST_DB_DIR"
sleep 2
kill -0 "$w" || fail "the worker died while the database was down"
"$dbsh" start "$FERRY_TEST_DB_DIR" >/dev/null
wait_for "SELECT COUNT(*) FROM export_requests WHERE status = 'completed'" $n 300
kill -TERM "$w"
expect_exit "worker" "$w" 0
grep -q 'connection is back' "$tmp/w.log" || fail "the worker never lost its connection: $(tail -n 20 "$tmp/w.log")"
expect_eq "completed rows, one per request" "$(testdb_sql "SELECT COUNT(*), COUNT(DISTINCT export_request_id) FROM export_audit_logs WHERE action = 'completed'")" "$n	$n"
expect_eq "no failures" "$(testdb_sql "SELECT COUNT(*) FROM export_audit_logs WHERE action = 'failed'")" 0
expect_eq "usage" "$(testdb_sql "SELECT SUM(total_exports) FROM export_usage_stats")" $n
expect_eq "artifacts" "$(visible_files "$store" | wc -l)" $n
assert_done
