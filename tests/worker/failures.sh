#!/usr/bin/env bash
# failures.sh MODE [DRIVER] — errors: a transient one is retried until
# worker.max_attempts, then the request fails with "gave up after N
# attempts"; a permanent one fails at once; one 'failed' audit row and one
# usage failure each. And a worker refuses to start on a database with
# pending migrations, naming them (exit 5).
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
worker_mode "$@"
[ "$WORKER_MODE" = stub ] || { echo "failures are injected by the stub only"; exit 77; }
testdb_create fail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; testdb_drop' EXIT
store=$tmp/store
mkdir -p "$store"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$store"

rc=0; "${WORKER[@]}" --once 2>"$tmp/pending.log" || rc=$?
expect_eq "refuses with pending migrations" "$rc" 5
grep -q '0001_initial.sql' "$tmp/pending.log" || fail "pending migrations not named: $(cat "$tmp/pending.log")"

worker_conf "$FERRY_CONFIG" "$store" 'worker: { max_attempts = 3; retry_delay_seconds = 0; poll_interval_ms = 100; };'
worker_migrate
uid=$(worker_user alice)
worker_requests "$uid" 1
STUB_FAIL=transient "${WORKER[@]}" --concurrency 1 --once 2>"$tmp/t.log"
expect_eq "transient: gave up" "$(testdb_sql "SELECT status, ferry_attempt, error_message FROM export_requests")" "failed	3	gave up after 3 attempts: stub: source unreachable"
expect_eq "transient: audit" "$(testdb_sql "SELECT action, COUNT(*) FROM export_audit_logs GROUP BY action ORDER BY action" | tr '\n' ' ')" "failed	1 started	1 "
# claimed, then failed (logged once, at error)
expect_eq "log names request and attempt" "$(grep -c 'request_id=[0-9a-f]\{32\} attempt=3' "$tmp/t.log")" 2

testdb_sql "DELETE FROM export_audit_logs; DELETE FROM export_requests; DELETE FROM export_usage_stats"
worker_requests "$uid" 1
STUB_FAIL=permanent "${WORKER[@]}" --concurrency 1 --once 2>"$tmp/p.log"
expect_eq "permanent: failed at once" "$(testdb_sql "SELECT status, ferry_attempt, error_message FROM export_requests")" "failed	1	stub: unknown field \"nope\""
expect_eq "permanent: usage" "$(testdb_sql "SELECT SUM(failed_exports) FROM export_usage_stats")" 1
assert_done
