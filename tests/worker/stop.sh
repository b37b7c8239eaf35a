#!/usr/bin/env bash
# stop.sh MODE [DRIVER] — a worker SIGSTOPped past its lease while a second
# worker claims and finishes the request, then SIGCONTed: the stale
# worker's renewals and completion change nothing, and it publishes nothing
# over the winner's artifact.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
worker_mode "$@"
worker_slow
testdb_create stop
tmp=$(mktemp -d)
trap 'kill -CONT $(jobs -p) 2>/dev/null || true; kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"; testdb_drop' EXIT
store=$tmp/store
mkdir -p "$store"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$store" 'worker: { lease_seconds = 2; poll_interval_ms = 100; };'
worker_migrate
worker_fixture 1 4000
id=$(testdb_sql "SELECT id FROM export_requests")

# (The stand-in ignores the cancel flag here, so that its fenced completion
# is what must change nothing, not just the renewal's cancel.)
STUB_IGNORE_CANCEL=1 STUB_WORK_MS=4000 "${WORKER[@]}" --concurrency 1 --once 2>"$tmp/a.log" &
a=$!
wait_for "SELECT status, ferry_attempt FROM export_requests" "processing	1"
kill -STOP "$a"
# Past the lease, by the database's clock.
wait_for "SELECT ferry_lease_expires_at < NOW(6) FROM export_requests" 1

STUB_WORK_MS=50 "${WORKER[@]}" --concurrency 1 --once 2>"$tmp/b.log"
expect_eq "won by attempt 2" "$(testdb_sql "SELECT status, ferry_attempt FROM export_requests")" "completed	2"
before=$(testdb_sql "SELECT status, ferry_attempt, file_path, file_size, completed_at, updated_at, error_message FROM export_requests")
winner=$(named_files "$store")
sum=$(sha256sum "$store/$winner")

kill -CONT "$a"
expect_exit "stale worker" "$a" 0
grep -q 'lease lost' "$tmp/a.log" || fail "the stale worker did not notice its lost lease: $(cat "$tmp/a.log")"
expect_eq "row unchanged by the stale worker" "$(testdb_sql "SELECT status, ferry_attempt, file_path, file_size, completed_at, updated_at, error_message FROM export_requests")" "$before"
expect_eq "winner's artifact untouched" "$(sha256sum "$store/$winner")" "$sum"
expect_eq "nothing else published" "$(visible_files "$store")" "$winner"
expect_eq "one completed row" "$(testdb_sql "SELECT COUNT(*) FROM export_audit_logs WHERE action = 'completed'")" 1
expect_eq "no failed row" "$(testdb_sql "SELECT COUNT(*) FROM export_audit_logs WHERE action = 'failed'")" 0
expect_eq "usage counted once" "$(testdb_sql "SELECT SUM(total_exports), SUM(failed_exports) FROM export_usage_stats")" "1	0"
assert_done
