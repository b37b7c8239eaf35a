#!/usr/bin/env bash
# test_serve_port.sh — a second `ferry serve` on a port one already listens
# on fails (exit 1, "cannot listen on …: address in use") instead of sharing
# the port through SO_REUSEPORT and taking half the traffic.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/serve/fixtures.sh"

testdb_create serveport
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    rm -rf "$tmp"
    testdb_drop
}
trap cleanup EXIT
mkdir -p "$tmp/store"
export FERRY_CONFIG=$tmp/ferry.conf
fx_conf "$FERRY_CONFIG" "$tmp/store" 'download: { secret = "serve-port-test-secret-0123456789abcdef"; };'
testdb_migrate
port=$(fx_free_port)

"$FERRY" serve --listen "127.0.0.1:$port" 2>"$tmp/first.log" &
pid=$!
for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
    kill -0 "$pid" 2>/dev/null || fail "first server died: $(cat "$tmp/first.log")"
    sleep 0.1
done
rc=0
timeout 20 "$FERRY" serve --listen "127.0.0.1:$port" 2>"$tmp/second.log" || rc=$?
[ "$rc" = 1 ] || fail "second serve on the same port exited $rc (124: it started): $(cat "$tmp/second.log")"
grep -q "cannot listen on 127.0.0.1:$port: address in use" "$tmp/second.log" ||
    fail "second serve's message: $(cat "$tmp/second.log")"
kill -0 "$pid" || fail "the first server is gone"
pass "a second serve on the same port fails with exit 1"
assert_done
