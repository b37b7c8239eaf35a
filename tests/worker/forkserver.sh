#!/usr/bin/env bash
# forkserver.sh MODE [DRIVER] — the worker's request children come from its
# fork server (child.c): while an export runs, the worker's only child is the
# server, a single-threaded process, and the export's process is the
# server's child. SIGKILL the server and the worker stops with exit status 1
# and a line saying why (it cannot fork a new server safely); the request it
# held is not lost: a new worker completes it with attempt 2, and only that
# attempt's file is in the store.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
worker_mode "$@"
worker_slow
testdb_create forkserver
tmp=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"; testdb_drop' EXIT
store=$tmp/store
mkdir -p "$store"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$store" 'worker: { poll_interval_ms = 100; retry_delay_seconds = 0; };'
worker_migrate
worker_fixture 1 4000

threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }

STUB_WORK_MS=600000 "${WORKER[@]}" --concurrency 2 2>"$tmp/a.log" &
a=$!
wait_for "SELECT status, ferry_attempt FROM export_requests" "processing	1"
kids=$(pgrep -P "$a" | tr '\n' ' ')
expect_match "the worker's one child (the fork server)" "$kids" '^[0-9]+ $'
server=${kids% }
expect_eq "the fork server's threads" "$(threads "$server")" 1
[ "$(threads "$a")" -gt 1 ] || fail "the worker should run threads (it has $(threads "$a"))"
pass "the worker runs $(threads "$a") threads"
expect_match "the export runs in the server's child" "$(pgrep -P "$server" | tr '\n' ' ')" '^[0-9]+ $'

kill -KILL "$server"
expect_exit "worker after its fork server was killed" "$a" 1
expect_match "why it stopped" "$(cat "$tmp/a.log")" "fork server is gone"
status=$(testdb_sql "SELECT status, ferry_attempt FROM export_requests")
expect_match "the request is still the workers' to finish" "$status" '^(pending|processing)	1$'
[ -z "$(visible_files "$store")" ] || fail "a file is visible: $(visible_files "$store")"

unset WORKER_PIPELINE
STUB_WORK_MS=50 "${WORKER[@]}" --concurrency 1 2>"$tmp/b.log" &
b=$!
wait_for "SELECT status FROM export_requests" completed
kill -TERM "$b"
expect_exit "second worker" "$b" 0
expect_eq "completed by attempt 2" "$(testdb_sql "SELECT ferry_attempt FROM export_requests")" 2
file=$(named_files "$store")
[ -s "$store/$file" ] || fail "artifact $file missing"
expect_eq "only the winner's file" "$(visible_files "$store")" "$file"
assert_done
