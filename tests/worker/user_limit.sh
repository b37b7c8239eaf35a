#!/usr/bin/env bash
# user_limit.sh — the request pipeline's source reads as a MariaDB account
# of its own whose resource limits are reached: error 1226
# (ER_USER_LIMIT_REACHED) means "not now", like "Too many connections".
#   1. MAX_USER_CONNECTIONS 1, its one connection held by another session:
#      the source cannot connect. The request waits as pending, its attempts
#      not counted, for more tries than worker.max_attempts; once the other
#      session is gone it completes with one artifact, attempt 1.
#   2. MAX_QUERIES_PER_HOUR used up: the source connects, and the setup of
#      its session, before its query is sent, is refused (MariaDB 10.11
#      refuses its START TRANSACTION). The same, until FLUSH USER_RESOURCES
#      gives the account its queries back.
set -euo pipefail
account=ulim_$$
worker_test_cleanup_more() {
    mariadb --socket="$TESTDB_SOCK" -uroot -e "DROP USER IF EXISTS '$account'@'localhost'"
}
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
worker_test_setup userlimit
worker_mode real
store=$tmp/store
mkdir -p "$store"
testdb_sql "CREATE USER '$account'@'localhost' IDENTIFIED BY 'ulim' WITH MAX_USER_CONNECTIONS 1;
    GRANT SELECT ON \`$TESTDB_NAME\`.* TO '$account'@'localhost'"
worker_tracking_conf "$tmp" \
    "mysql://$account:ulim@localhost/$TESTDB_NAME?socket=$TESTDB_SOCK" \
    "max_attempts = 3; retry_delay_seconds = 1; poll_interval_ms = 100;"
worker_migrate
worker_fixture 1
zoe=$(testdb_sql "SELECT id FROM auth_user WHERE username = 'zoe'")
as_account() { mariadb --socket="$TESTDB_SOCK" -u"$account" -pulim "$TESTDB_NAME" "$@"; }
sessions() {
    testdb_sql "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '$account'"
}
# waits_out ID WHAT: more refusals logged than max_attempts (or the request
# given up), then checks it waits as pending with no attempt counted.
waits_out() {
    local id=$1 what=$2 n0
    n0=$(grep -c 'the attempt not counted' "$tmp/w.log" || true)
    for _ in $(seq 1 1200); do
        [ "$(($(grep -c 'the attempt not counted' "$tmp/w.log" || true) - n0))" -gt 3 ] && break
        [ "$(testdb_sql "SELECT status FROM export_requests WHERE id = '$id'")" = failed ] && break
        sleep 0.1
    done
    expect_eq "$what: refused more times than max_attempts, still pending, no attempt counted" \
        "$(testdb_sql "SELECT status, ferry_attempt FROM export_requests WHERE id = '$id'")" \
        "pending	0"
}
# completes ID: completed by attempt 1, with one artifact of that attempt.
completes() {
    wait_for "SELECT status FROM export_requests WHERE id = '$1'" completed
    expect_eq "one real attempt" \
        "$(testdb_sql "SELECT ferry_attempt, error_message FROM export_requests WHERE id = '$1'")" \
        "1	"
    expect_eq "one artifact, attempt 1's" "$(visible_files "$store" | grep -c "^$1-")" 1
    check_that "its name" "[ -f '$store/$1-1.csv' ]"
}

# 1. Its one connection held by another session.
as_account -e "SELECT SLEEP(86400)" >/dev/null 2>&1 &
holder=$!
wait_for "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '$account'" 1
rc=0
as_account -e "SELECT 1" >/dev/null 2>"$tmp/refused" || rc=$?
[ "$rc" -ne 0 ] && grep -q "max_user_connections" "$tmp/refused" ||
    fail "a second connection was not refused: $(cat "$tmp/refused")"
id=$(testdb_sql "SELECT id FROM export_requests")
"${WORKER[@]}" --concurrency 1 2>"$tmp/w.log" &
w=$!
waits_out "$id" "max_user_connections"
expect_match "the refusal is the request's error message" \
    "$(testdb_sql "SELECT error_message FROM export_requests")" "max_user_connections"
expect_eq "nothing visible in the store meanwhile" "$(visible_files "$store")" ""
kill -0 "$w" || fail "the worker died while the account was at its limit"
kill "$holder"
testdb_sql "KILL CONNECTION $(testdb_sql "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '$account'")" ||
    true
completes "$id"
expect_eq "audit rows" "$(testdb_sql "SELECT action, COUNT(*) FROM export_audit_logs GROUP BY action ORDER BY action" | tr '\n' ' ')" "completed	1 started	1 "

# 2. Its queries for the hour used up: connecting works, the session's
# setup does not.
wait_for "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '$account'" 0
testdb_sql "ALTER USER '$account'@'localhost' WITH MAX_USER_CONNECTIONS 0 MAX_QUERIES_PER_HOUR 40"
for _ in $(seq 1 60); do
    as_account -e "SELECT 1" >/dev/null 2>"$tmp/refused" || break
done
grep -q "max_queries_per_hour" "$tmp/refused" ||
    fail "the account's queries were not refused: $(cat "$tmp/refused")"
worker_requests "$zoe" 1
id2=$(testdb_sql "SELECT id FROM export_requests WHERE id <> '$id'")
waits_out "$id2" "max_queries_per_hour"
expect_match "the refusal is the request's error message" \
    "$(testdb_sql "SELECT error_message FROM export_requests WHERE id = '$id2'")" \
    "max_queries_per_hour"
testdb_sql "FLUSH USER_RESOURCES"
completes "$id2"

kill -TERM "$w"
expect_exit "worker" "$w" 0
expect_eq "usage" "$(testdb_sql "SELECT SUM(total_exports), SUM(failed_exports) FROM export_usage_stats")" "2	0"
assert_done
