#!/usr/bin/env bash
# once_error.sh — `ferry worker --once` (the cron mode, under flock -n) ends
# when claiming fails, with exit code 5 and the reason, instead of retrying
# for ever (a hung run made flock skip every later one). The failure here:
# a trigger refuses every update of export_requests, so the claim of the one
# pending request fails. (It used to be a dropped column the claim reads;
# the schema check now refuses that at start: tests/schema/compat.sh.) A
# bound of 60 s guards against the old hang; the worker exits at once.
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
worker_requests "$(worker_user alice)" 1
testdb_sql "CREATE TRIGGER refuse_claims BEFORE UPDATE ON export_requests FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'claims refused by the test'"

rc=0
timeout 60 "$FERRY" worker --once 2>"$tmp/w.log" || rc=$?
expect_eq "worker --once exit code" "$rc" 5
expect_match "the reason" "$(tail -n 1 "$tmp/w.log")" "^ferry: claiming failed: .*claims refused by the test"
assert_done
