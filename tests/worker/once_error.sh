#!/usr/bin/env bash
# once_error.sh — `ferry worker --once` (the cron mode, under flock -n) ends
# when claiming fails, with exit code 5 and the reason, instead of retrying
# for ever (a hung run made flock skip every later one). The failure here:
# the web app's export_requests lacks a column ferry claims by (its
# migrations behind ferry's). A bound of 60 s guards against the old hang;
# the worker exits at once.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
testdb_create onceerr
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; testdb_drop' EXIT
mkdir -p "$tmp/store"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$tmp/store" 'worker: { poll_interval_ms = 50; };'
worker_migrate
testdb_sql "ALTER TABLE export_requests DROP COLUMN schedule_pattern"

rc=0
timeout 60 "$FERRY" worker --once 2>"$tmp/w.log" || rc=$?
expect_eq "worker --once exit code" "$rc" 5
expect_match "the reason" "$(tail -n 1 "$tmp/w.log")" "^ferry: claiming failed: .*Unknown column 'schedule_pattern'"
assert_done
