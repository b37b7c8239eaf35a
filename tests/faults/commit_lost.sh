#!/usr/bin/env bash
# commit_lost.sh — the reply to a request's completing COMMIT is lost: the
# server committed it, the worker's connection broke before it heard so
# (the database killed or the network cut at that moment). A proxy
# (commit_cut.py) between `ferry worker` and MariaDB forwards that COMMIT
# and closes the connection before the answer. The completion is in the
# database, so its artifact must stay: the request completed once, its
# file_path naming a file in the store, one 'completed' audit row, one
# export counted.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
testdb_create commitlost
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"; testdb_drop' EXIT
store=$tmp/store
mkdir -p "$store"
pport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/bin/python3 "$FERRY_SOURCE_DIR/tests/faults/commit_cut.py" "$pport" \
    "$(cat "$FERRY_TEST_DB_DIR/port")" "$tmp/cut" 2>"$tmp/proxy.log" &
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$pport") 2>/dev/null && break
    sleep 0.1
done
export FERRY_DATABASE_URL="mysql://ferry:ferry@127.0.0.1:$pport/$TESTDB_NAME"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$store" 'worker: { lease_seconds = 30; poll_interval_ms = 50; retry_delay_seconds = 0; };'
worker_migrate
worker_mode real
worker_fixture 1 50

"$FERRY" worker --concurrency 1 --once 2>"$tmp/w.log" || fail "the worker failed: $(tail -n 5 "$tmp/w.log")"
[ -f "$tmp/cut" ] || fail "the proxy never cut a COMMIT"
pass "the completing COMMIT's reply was lost"

expect_eq "status" "$(testdb_sql "SELECT status FROM export_requests")" completed
path=$(testdb_sql "SELECT file_path FROM export_requests")
check_that "file_path $path names a file in the store" "[ -n '$path' ] && [ -f '$store/$path' ]"
check "completed audit rows" "$(testdb_sql "SELECT COUNT(*) FROM export_audit_logs WHERE action = 'completed'")" 1
check "usage" "$(testdb_sql "SELECT SUM(total_exports), SUM(failed_exports) FROM export_usage_stats")" "1	0"
check_that "the worker says what happened" "grep -q \"the answer to the completion's commit was lost\" '$tmp/w.log'"
check "files in the store" "$(visible_files "$store" | wc -l)" 1
assert_done
