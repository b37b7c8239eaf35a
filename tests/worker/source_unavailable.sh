#!/usr/bin/env bash
# source_unavailable.sh — the request pipeline's source reads another
# database (connections.tracking) that refuses connections: a closed port
# on 127.0.0.1. source-mysql says FERRY_ERR_UNAVAILABLE (ABI 1.4) from its
# open, before any row: the request waits as pending, its attempts not
# counted, for more tries than worker.max_attempts; once the port forwards
# to the database (socat) it completes with one artifact, attempt 1. A
# syntax error in the query is no unavailability: it is the site's pipeline
# that is wrong, and the request waits for the operator (site_pipeline.sh).
set -euo pipefail
command -v socat >/dev/null || {
    echo "skipped: socat is not installed"
    exit 77
}
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
worker_test_setup srcunavail
worker_mode real
store=$tmp/store
mkdir -p "$store"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
worker_tracking_conf "$tmp" \
    "mysql://ferry:ferry@127.0.0.1:$port/$TESTDB_NAME" \
    "max_attempts = 3; retry_delay_seconds = 1; poll_interval_ms = 100;"
pipeline=$WORKER_PIPELINE
worker_migrate
worker_fixture 1
id=$(testdb_sql "SELECT id FROM export_requests")

"${WORKER[@]}" --concurrency 1 2>"$tmp/w.log" &
w=$!
deferrals() { grep -c 'the attempt not counted' "$tmp/w.log" || true; }
for _ in $(seq 1 1200); do
    [ "$(deferrals)" -gt 3 ] && break
    [ "$(testdb_sql "SELECT status FROM export_requests")" = failed ] && break
    sleep 0.1
done
expect_eq "refused more times than max_attempts: still pending, no attempt counted" \
    "$(testdb_sql "SELECT status, ferry_attempt FROM export_requests")" "pending	0"
expect_match "the refusal is the request's error message" \
    "$(testdb_sql "SELECT error_message FROM export_requests")" "source-mysql: cannot connect"
expect_eq "nothing visible in the store meanwhile" "$(visible_files "$store")" ""
kill -0 "$w" || fail "the worker died while the source's database refused"

# The database reachable on that port now.
socat TCP-LISTEN:"$port",bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:"$TESTDB_SOCK" &
wait_for "SELECT status FROM export_requests" completed
expect_eq "one real attempt" \
    "$(testdb_sql "SELECT ferry_attempt, error_message FROM export_requests")" "1	"
expect_eq "audit rows" "$(testdb_sql "SELECT action, COUNT(*) FROM export_audit_logs GROUP BY action ORDER BY action" | tr '\n' ' ')" "completed	1 started	1 "
files=$(visible_files "$store")
expect_eq "one artifact" "$(printf '%s\n' "$files" | grep -c .)" 1
expect_match "the artifact is attempt 1's" "$files" "^$id-1\\."

# A query the server rejects is no unavailability (the pipeline is read anew
# for each request): the site's pipeline file is wrong, and the request
# waits for its fix as such, not as "unavailable".
sed -i 's|^  query = "SELECT e.id|  query = "SELEC e.id|' "$pipeline"
worker_requests "$(testdb_sql "SELECT id FROM auth_user WHERE username = 'zoe'")" 1
bad=$(testdb_sql "SELECT id FROM export_requests WHERE id <> '$id'")
wait_for "SELECT error_message LIKE 'waiting for the site%' FROM export_requests WHERE id = '$bad'" 1
expect_eq "the bad query waits, its attempt not used" \
    "$(testdb_sql "SELECT status, ferry_attempt FROM export_requests WHERE id = '$bad'")" \
    "pending	0"
expect_match "the bad query's error" \
    "$(testdb_sql "SELECT error_message FROM export_requests WHERE id = '$bad'")" \
    "$pipeline:[0-9]+: source-mysql: .*SQL syntax"
expect_eq "not deferred as unavailable" \
    "$(grep 'the attempt not counted' "$tmp/w.log" | grep -c 'SQL syntax' || true)" 0
kill -TERM "$w"
expect_exit "worker" "$w" 0
assert_done
