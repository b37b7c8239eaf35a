#!/usr/bin/env bash
# exactly_once.sh MODE [DRIVER] — 4 worker processes (2 slots each) and 500
# pending requests: every request completed exactly once, one artifact and
# one 'started' and one 'completed' audit row each, usage stats summing to
# 500, every worker exiting 0.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
worker_mode "$@"
testdb_create once
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"; testdb_drop' EXIT
store=$tmp/store
mkdir -p "$store"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$store" 'worker: { lease_seconds = 60; poll_interval_ms = 100; };'
worker_migrate
worker_fixture 500
export STUB_WORK_MS=5

pids=()
for i in 1 2 3 4; do
    "${WORKER[@]}" --concurrency 2 --once 2>"$tmp/w$i.log" &
    pids+=($!)
done
for i in 0 1 2 3; do
    expect_exit "worker $((i + 1)) exit" "${pids[$i]}" 0
done

expect_eq "completed" "$(testdb_sql "SELECT status, COUNT(*) FROM export_requests GROUP BY status")" "completed	500"
expect_eq "completed rows, one per request" "$(testdb_sql "SELECT COUNT(*), COUNT(DISTINCT export_request_id) FROM export_audit_logs WHERE action = 'completed'")" "500	500"
expect_eq "started rows, one per request" "$(testdb_sql "SELECT COUNT(*), COUNT(DISTINCT export_request_id) FROM export_audit_logs WHERE action = 'started'")" "500	500"
expect_eq "no failed rows" "$(testdb_sql "SELECT COUNT(*) FROM export_audit_logs WHERE action = 'failed'")" 0
expect_eq "usage total" "$(testdb_sql "SELECT SUM(total_exports), SUM(failed_exports) FROM export_usage_stats")" "500	0"
expect_eq "artifacts" "$(visible_files "$store" | wc -l)" 500
# every row names its own file, and every file is named by one row
named_files "$store" >"$tmp/named"
visible_files "$store" >"$tmp/found"
expect_eq "distinct file paths" "$(sort -u "$tmp/named" | wc -l)" 500
cmp -s "$tmp/named" "$tmp/found" || fail "file_path values and files in the store differ"
expect_eq "work spread over processes" "$(grep -l 'claimed request' "$tmp"/w*.log | wc -l)" 4
assert_done
