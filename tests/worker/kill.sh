#!/usr/bin/env bash
# kill.sh MODE [DRIVER] — a worker SIGKILLed in the middle of an export:
# after its lease runs out another worker completes the request (attempt 2,
# its own artifact); no partial file is visible in the store at any time.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
worker_mode "$@"
worker_slow
testdb_create kill
tmp=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"; testdb_drop' EXIT
store=$tmp/store
mkdir -p "$store"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$store" 'worker: { lease_seconds = 2; poll_interval_ms = 100; };'
worker_migrate
worker_fixture 1 4000
id=$(testdb_sql "SELECT id FROM export_requests")

# A slow export, watched: nothing may appear in the store while it runs.
STUB_WORK_MS=600000 "${WORKER[@]}" --concurrency 1 2>"$tmp/a.log" &
a=$!
wait_for "SELECT status, ferry_attempt FROM export_requests" "processing	1"
for _ in $(seq 1 20); do
    [ -z "$(visible_files "$store")" ] || fail "a file is visible during the export: $(visible_files "$store")"
    sleep 0.05
done
kill -9 "$a"
expect_exit "killed worker" "$a" 137
[ -z "$(visible_files "$store")" ] || fail "a file is visible after the kill"
expect_eq "still held by the dead worker" "$(testdb_sql "SELECT status, ferry_attempt FROM export_requests")" "processing	1"

# Another worker takes it over once the lease has run out (on the DB clock).
STUB_WORK_MS=50 "${WORKER[@]}" --concurrency 1 2>"$tmp/b.log" &
b=$!
wait_for "SELECT status FROM export_requests" completed
kill -TERM "$b"
expect_exit "second worker" "$b" 0
expect_eq "completed by attempt 2" "$(testdb_sql "SELECT ferry_attempt, file_path LIKE '%$id-2.%' FROM export_requests")" "2	1"
file=$(named_files "$store")
[ -s "$store/$file" ] || fail "artifact $file missing"
expect_eq "only the winner's file" "$(visible_files "$store")" "$file"
expect_eq "audit" "$(testdb_sql "SELECT action, COUNT(*) FROM export_audit_logs GROUP BY action ORDER BY action" | tr '\n' ' ')" "completed	1 started	1 "
assert_done
