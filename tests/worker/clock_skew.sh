#!/usr/bin/env bash
# clock_skew.sh — a worker host whose clock runs two days ahead of the
# database's (clock_shim.c, LD_PRELOAD): every decision about a request's
# time is the database's. An export that completes and one that fails for
# good are counted in export_usage_stats on the database's UTC day, the day
# of their completed_at (and of the daily quota), not the host's.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
command -v cc >/dev/null || { echo "skipped: no C compiler for the shim"; exit 77; }
testdb_create skew
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; testdb_drop' EXIT
cc -shared -fPIC -O1 -Wall -Wextra -Werror -o "$tmp/clock_shim.so" \
    "$FERRY_SOURCE_DIR/tests/worker/clock_shim.c" -ldl || fail "building the shim"
preload=$tmp/clock_shim.so
# awk reads to the end: exiting at the match would leave ldd writing into
# a closed pipe, and its SIGPIPE fails the assignment under pipefail.
asan=$(ldd "$FERRY" 2>/dev/null | awk '/libasan/ && !found {print $3; found = 1}')
[ -n "$asan" ] && preload="$asan:$preload"
store=$tmp/store
mkdir -p "$store"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$store" 'worker: { poll_interval_ms = 50; };'
worker_migrate
worker_mode real
worker_fixture 1 50
# A second request of the same user that fails for good (unknown field).
uid=$(testdb_sql "SELECT user_id FROM export_requests")
worker_requests "$uid" 1
testdb_sql "UPDATE export_requests SET selected_fields = '[\"nope\"]' ORDER BY created_at DESC LIMIT 1"

# (date is no ASan program: the shim alone, or LSan fails it on exit)
host_day=$(LD_PRELOAD=$tmp/clock_shim.so CLOCK_SKEW_SECONDS=172800 date -u +%F)
db_day=$(testdb_sql "SELECT UTC_DATE()")
[ "$host_day" != "$db_day" ] || fail "the shim did not move the host's clock ($host_day)"
pass "host day $host_day, database day $db_day"

LD_PRELOAD=$preload CLOCK_SKEW_SECONDS=172800 "$FERRY" worker --concurrency 1 --once \
    2>"$tmp/w.log" || fail "the worker failed"
expect_eq "outcomes" "$(testdb_sql "SELECT status, COUNT(*) FROM export_requests GROUP BY status ORDER BY status" | tr '\n' ' ')" "completed	1 failed	1 "
check "finished on the database's day" "$(testdb_sql "SELECT DISTINCT DATE(completed_at) FROM export_requests")" "$db_day"
check "usage counted on the database's day" "$(testdb_sql "SELECT date, total_exports, failed_exports FROM export_usage_stats")" "$db_day	1	1"
assert_done
