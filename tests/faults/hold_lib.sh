# tests/faults/hold_lib.sh — sourced by the tests that stop a ferry command
# at a statement with the proxy tests/faults/stmt_hold.py (expire_kills,
# expire_serve, scheduler_kills), after tests/lib/testdb.sh: a test
# database with a temp dir $tmp and the proxy's control dir $ctl, cleaned
# up on exit; the proxy started and armed, the object store (s3rver) and
# `ferry serve` started, a run waited for until it ends or is held, a held
# run killed (or its COMMIT's answer lost), the killed run's connection
# waited for on the server; hold_any, a regex for every statement but a
# connection's start.

# fx_free_port and the asserts (tests/lib/assert.sh).
. "$FERRY_SOURCE_DIR/tests/serve/fixtures.sh"

# hold_any: every statement but a connection's start (the connector's SET
# time_zone, the migrations' and schema's checks), for "hold K $hold_any".
hold_any='^(?!SET time_zone|SELECT COLUMN_NAME|SELECT COUNT\(\*\) FROM information_schema|SELECT .version.)'

# hold_setup DB NAME: the test database DB, $tmp and $ctl; on exit background jobs killed, $tmp (to /tmp/NAME-debug with FAULT_KEEP=1) and DB removed.
hold_setup() {
    testdb_create "$1"
    tmp=$(mktemp -d)
    ctl=$tmp/ctl
    mkdir -p "$ctl"
    hold_debug=/tmp/$2-debug
    trap 'kill -9 $(jobs -p) 2>/dev/null || true; [ -n "${FAULT_KEEP:-}" ] && cp -r "$tmp" "$hold_debug"; rm -rf "$tmp"; testdb_drop' EXIT
}

# hold_proxy: stmt_hold.py on a free port, $pport, in front of the test database, once it listens.
hold_proxy() {
    pport=$(fx_free_port)
    /usr/bin/python3 "$FERRY_SOURCE_DIR/tests/faults/stmt_hold.py" "$pport" \
        "$(cat "$FERRY_TEST_DB_DIR/port")" "$ctl" >"$tmp/proxy.out" 2>"$tmp/proxy.log" &
    for _ in $(seq 1 100); do
        grep -qs listening "$tmp/proxy.out" && break
        sleep 0.1
    done
    grep -qs listening "$tmp/proxy.out" || fail "the proxy did not start: $(cat "$tmp/proxy.log")"
}

# arm POINT: the proxy's next point ("hold K REGEX", …, "off"; see stmt_hold.py), written with a rename.
arm() { echo "$1" >"$ctl/arm.tmp" && mv "$ctl/arm.tmp" "$ctl/arm"; }

# store_mode MODE: with s3, s3rver started ($S3PORT, $S3PID; tests/store/s3lib.sh) and $CONF's store on it.
store_mode() {
    [ "$1" = s3 ] || return 0
    . "$FERRY_SOURCE_DIR/tests/store/s3lib.sh"
    s3_start
    s3_use
}

# serve_start URL: `ferry serve` over the database at URL on a free port, $sport (log: $tmp/serve.log), once /healthz answers.
serve_start() {
    sport=$(fx_free_port)
    FERRY_DATABASE_URL=$1 "$FERRY" serve --listen "127.0.0.1:$sport" 2>"$tmp/serve.log" &
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$sport/healthz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    curl -fsS "http://127.0.0.1:$sport/healthz" >/dev/null || fail "ferry serve did not start"
}

# held_or_ended PID: waits until PID ends or the proxy holds it at its point; true when held.
held_or_ended() {
    while kill -0 "$1" 2>/dev/null && [ ! -e "$ctl/held" ]; do sleep 0.01; done
    [ -e "$ctl/held" ]
}

# stop_held WHAT PID FAILS: the run held at $held killed (hold; kills + 1) or its COMMIT's answer lost (cut: exit 5, FAILS; cuts + 1), then disarm, gone.
stop_held() {
    if [ "${held%% *}" = hold ]; then
        kill -KILL "$2"
        expect_exit "$1: killed at ${held#hold }" "$2" 137
        kills=$((kills + 1))
    else
        expect_exit "$1: COMMIT's answer lost, $3" "$2" 5
        cuts=$((cuts + 1))
    fi
    arm off
    gone
}

# gone [TRIES]: waits (20 ms × TRIES, 500) until the server has ended the proxy's connections (TCP; serve's use the socket).
gone() {
    for _ in $(seq 1 "${1:-500}"); do
        [ "$(testdb_sql "SELECT COUNT(*) FROM information_schema.PROCESSLIST
            WHERE USER = 'ferry' AND DB = '$TESTDB_NAME' AND HOST LIKE '127.0.0.1:%'")" = 0 ] && return 0
        sleep 0.02
    done
    fail "the killed run's connection is still open on the server (its transaction, and its row locks, with it)"
}
