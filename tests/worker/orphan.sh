#!/usr/bin/env bash
# orphan.sh MODE DRIVER — a pending request whose user no longer exists
# (deleted with foreign key checks off) fails once with a clear reason and
# stalls no slot: the next request is claimed and completes.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
worker_mode "$@"
testdb_create orphan
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; testdb_drop' EXIT
store=$tmp/store
mkdir -p "$store"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$store" 'worker: { retry_delay_seconds = 0; poll_interval_ms = 100; };'
worker_migrate
gone=$(worker_user gone)
kept=$(worker_user kept)
worker_requests "$gone" 1
worker_requests "$kept" 1
testdb_sql "SET FOREIGN_KEY_CHECKS = 0; DELETE FROM auth_user WHERE id = $gone"
rc=0; timeout 60 "${WORKER[@]}" --concurrency 1 --once 2>"$tmp/w.log" || rc=$?
expect_eq "worker --once exits" "$rc" 0
expect_eq "orphan failed once" "$(testdb_sql "SELECT status, error_message FROM export_requests WHERE user_id = $gone")" "failed	the request's user $gone no longer exists"
expect_eq "the next completed" "$(testdb_sql "SELECT status FROM export_requests WHERE user_id = $kept")" completed
echo "orphan tests passed"
