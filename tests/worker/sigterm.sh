#!/usr/bin/env bash
# sigterm.sh MODE [DRIVER] — SIGTERM: the worker stops claiming, finishes
# what it holds within worker.stop_grace_seconds, else cancels and releases
# it (pending again, lease cleared), and exits 0.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
worker_mode "$@"
worker_slow
testdb_create term
tmp=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"; testdb_drop' EXIT
store=$tmp/store
mkdir -p "$store"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$store" 'worker: { lease_seconds = 30; poll_interval_ms = 100; stop_grace_seconds = 1; };'
worker_migrate
worker_fixture 2 4000

# Held past the grace: cancelled and released.
STUB_WORK_MS=600000 "${WORKER[@]}" --concurrency 1 2>"$tmp/a.log" &
a=$!
wait_for "SELECT COUNT(*) FROM export_requests WHERE status = 'processing'" 1
kill -TERM "$a"
expect_exit "worker after SIGTERM" "$a" 0
expect_eq "released" "$(testdb_sql "SELECT status, ferry_attempt, ferry_lease_owner, ferry_lease_expires_at IS NULL FROM export_requests ORDER BY created_at LIMIT 1")" "pending	1		1"
expect_eq "the other one never claimed" "$(testdb_sql "SELECT status, ferry_attempt FROM export_requests ORDER BY created_at DESC LIMIT 1")" "pending	0"
[ -z "$(visible_files "$store")" ] || fail "files left after a release"

# Finished within the grace: completed, nothing further claimed.
worker_conf "$FERRY_CONFIG" "$store" 'worker: { lease_seconds = 30; poll_interval_ms = 100; stop_grace_seconds = 600; };'
STUB_WORK_MS=3000 "${WORKER[@]}" --concurrency 1 2>"$tmp/b.log" &
b=$!
wait_for "SELECT COUNT(*) FROM export_requests WHERE status = 'processing'" 1
kill -TERM "$b"
expect_exit "worker after SIGTERM" "$b" 0
expect_eq "finished what it held" "$(testdb_sql "SELECT status, COUNT(*) FROM export_requests GROUP BY status ORDER BY status" | tr '\n' ' ')" "completed	1 pending	1 "
assert_done
