#!/usr/bin/env bash
# setup_cut.sh — a connection lost while its session is set up, right after
# connecting, before anything of the request is read or sent, is
# "unavailable": the request waits as pending, its attempt not counted, and
# completes (attempt 1, one artifact) once connections hold. A proxy
# (tests/faults/setup_cut.py) closes the connection at a statement of the
# session's setup, before it reaches the server, more times than
# worker.max_attempts:
#   1. source-mysql's own session: its SET SESSION net_write_timeout, … (the
#      pipeline's source reads through the proxy);
#   2. the request process's connection to ferry's database: the
#      connector's init command, SET time_zone (the worker's database.url
#      goes through the proxy, armed once the worker's own connection is up).
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
worker_test_setup setupcut
worker_mode real
store=$tmp/store
mkdir -p "$store"
db_port=$(cat "$FERRY_TEST_DB_DIR/port")
free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# proxy PORT MARKER COUNT LOG [ARM_FILE]: setup_cut.py in front of the test
# database, once it listens.
proxy() {
    /usr/bin/python3 "$FERRY_SOURCE_DIR/tests/faults/setup_cut.py" "$1" "$db_port" "$2" "$3" \
        "$4" ${5:+"$5"} 2>>"$tmp/proxy.log" &
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    fail "the proxy on port $1 did not start"
}
cuts() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
# completes_once ID: attempt 1, one artifact of it.
completes_once() {
    wait_for "SELECT status FROM export_requests WHERE id = '$1'" completed
    expect_eq "$1: one real attempt" \
        "$(testdb_sql "SELECT ferry_attempt, error_message FROM export_requests WHERE id = '$1'")" \
        "1	"
    expect_eq "$1: one artifact, attempt 1's" "$(visible_files "$store" | grep "^$1-")" "$1-1.csv"
}
# cut_4_times ID WHAT CUTS LOG: ID completes once, WHAT cut 4 times (the
# proxy's CUTS), each a deferral in the worker's LOG; then the worker $w stops.
cut_4_times() {
    completes_once "$1"
    expect_eq "$2 was cut 4 times" "$(cuts "$3")" 4
    expect_eq "each a deferral, not an attempt" \
        "$(grep 'the attempt not counted' "$4" | grep -c 'Lost connection' || true)" 4
    kill -TERM "$w"
    expect_exit "worker" "$w" 0
}

# 1. The source's session.
sport=$(free_port)
proxy "$sport" "SET SESSION net_write_timeout" 4 "$tmp/source.cuts"
worker_tracking_conf "$tmp" \
    "mysql://ferry:ferry@127.0.0.1:$sport/$TESTDB_NAME" \
    "max_attempts = 3; retry_delay_seconds = 0; poll_interval_ms = 100;"
worker_migrate
worker_fixture 1
zoe=$(testdb_sql "SELECT id FROM auth_user WHERE username = 'zoe'")
first=$(testdb_sql "SELECT id FROM export_requests")
"${WORKER[@]}" --concurrency 1 2>"$tmp/w1.log" &
w=$!
cut_4_times "$first" "the source's session" "$tmp/source.cuts" "$tmp/w1.log"

# 2. The request process's own connection, at its init command.
wport=$(free_port)
proxy "$wport" "SET time_zone = '+00:00'" 4 "$tmp/own.cuts" "$tmp/armed"
FERRY_DATABASE_URL="mysql://ferry:ferry@127.0.0.1:$wport/$TESTDB_NAME" \
    "${WORKER[@]}" --concurrency 1 2>"$tmp/w2.log" &
w=$!
# The worker's own connection is up (through the proxy) before it is armed.
wait_for "SELECT COUNT(*) > 0 FROM information_schema.PROCESSLIST
    WHERE DB = '$TESTDB_NAME' AND HOST LIKE '127.0.0.1:%' AND COMMAND = 'Sleep'" 1
grep -q "worker started" "$tmp/w2.log" || sleep 1
touch "$tmp/armed"
worker_requests "$zoe" 1
second=$(testdb_sql "SELECT id FROM export_requests WHERE id <> '$first'")
cut_4_times "$second" "the request process's connection" "$tmp/own.cuts" "$tmp/w2.log"
assert_done
