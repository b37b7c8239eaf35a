#!/usr/bin/env bash
# unavailable.sh MODE [DRIVER] — the database short of connections ("Too
# many connections") for longer than worker.max_attempts retry delays: the
# worker keeps its own connection, the request's process cannot get one.
# The request is not given up: it waits as pending, its attempts not
# counted; once connections are back it completes with one artifact,
# ferry_attempt 1, and one 'started' and one 'completed' audit row. Uses a
# MariaDB instance of its own (scripts/db.sh in a temporary directory): the
# test lowers max_connections.
set -euo pipefail
tmp=$(mktemp -d)
export FERRY_TEST_DB_DIR=$tmp/db
dbsh=$FERRY_SOURCE_DIR/scripts/db.sh
cleanup() {
    kill -9 $(jobs -p) 2>/dev/null || true
    wait 2>/dev/null || true
    "$dbsh" stop "$FERRY_TEST_DB_DIR" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
"$dbsh" start "$FERRY_TEST_DB_DIR" >/dev/null
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
worker_mode "$@"
testdb_create unavailable
trap cleanup EXIT
store=$tmp/store
mkdir -p "$store"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$store"
worker_migrate
worker_fixture 1
id=$(testdb_sql "SELECT id FROM export_requests")

# The worker runs as a user without SUPER: max_connections binds it (ferry's
# test user, with ALL ON *.*, may take the connection kept for administrators).
testdb_sql "CREATE USER 'lim'@'localhost' IDENTIFIED BY 'lim';
    GRANT ALL ON \`$TESTDB_NAME\`.* TO 'lim'@'localhost'"
export FERRY_DATABASE_URL=${FERRY_DATABASE_URL/ferry:ferry@/lim:lim@}
worker_conf "$FERRY_CONFIG" "$store" 'worker: { max_attempts = 3; retry_delay_seconds = 1; poll_interval_ms = 100; };'
lim_sessions() {
    testdb_sql "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'lim'"
}

testdb_sql "UPDATE ferry_queue_state SET paused = 1 WHERE id = 1"
"${WORKER[@]}" --concurrency 1 2>"$tmp/w.log" &
w=$!
wait_for "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'lim'" 1

# The shortage: max_connections at its floor (10), filled up with sessions
# that sleep. Root (SUPER) keeps the one extra connection for this script.
testdb_sql "SET GLOBAL max_connections = 10"
others() { echo $(($(testdb_sql "SHOW GLOBAL STATUS LIKE 'Threads_connected'" | cut -f2) - 1)); }
for _ in $(seq 1 40); do
    [ "$(others)" -ge 10 ] && break
    before=$(lim_sessions)
    mariadb --socket="$TESTDB_SOCK" -ulim -plim -e "SELECT SLEEP(86400)" >/dev/null 2>&1 &
    h=$!
    for _ in $(seq 1 1000); do
        [ "$(lim_sessions)" -gt "$before" ] && break
        kill -0 "$h" 2>/dev/null || break
        sleep 0.01
    done
done
expect_eq "connections in use" "$(others)" 10
rc=0
mariadb --socket="$TESTDB_SOCK" -ulim -plim -e "SELECT 1" >/dev/null 2>"$tmp/refused" || rc=$?
[ "$rc" -ne 0 ] && grep -q 'Too many connections' "$tmp/refused" ||
    fail "a new connection was not refused: $(cat "$tmp/refused")"

# Root's extra connection may be taken for a moment by a request's refused
# connection: this script's own queries during the shortage are retried.
sql_retry() {
    local out
    for _ in $(seq 1 600); do
        out=$(testdb_sql "$1" 2>/dev/null) && {
            printf '%s\n' "$out"
            return 0
        }
        sleep 0.1
    done
    fail "could not run [$1] during the shortage"
}
refusals() { grep -c 'Too many connections' "$tmp/w.log" || true; }
sql_retry "UPDATE ferry_queue_state SET paused = 0 WHERE id = 1" >/dev/null
# More refusals than attempts (each one logged), or the request given up.
for _ in $(seq 1 1200); do
    [ "$(refusals)" -gt 3 ] && break
    [ "$(sql_retry "SELECT status FROM export_requests")" = failed ] && break
    sleep 0.1
done
state=$(sql_retry "SELECT status, ferry_attempt FROM export_requests")
expect_eq "refused more times than max_attempts: still pending, no attempt counted" \
    "$state" "pending	0"
expect_match "the refusal is the request's error message" \
    "$(sql_retry "SELECT error_message FROM export_requests")" "Too many connections"
kill -0 "$w" || fail "the worker died during the shortage"

sql_retry "SET GLOBAL max_connections = 500" >/dev/null
wait_for "SELECT status FROM export_requests" completed
kill -TERM "$w"
expect_exit "worker" "$w" 0
expect_eq "one real attempt" "$(testdb_sql "SELECT ferry_attempt, error_message FROM export_requests")" "1	"
expect_eq "audit rows" "$(testdb_sql "SELECT action, COUNT(*) FROM export_audit_logs GROUP BY action ORDER BY action" | tr '\n' ' ')" "completed	1 started	1 "
expect_eq "usage" "$(testdb_sql "SELECT SUM(total_exports), SUM(failed_exports) FROM export_usage_stats")" "1	0"
files=$(visible_files "$store")
expect_eq "one artifact" "$(printf '%s\n' "$files" | grep -c .)" 1
expect_match "the artifact is attempt 1's" "$files" "^$id-1\\."
assert_done
