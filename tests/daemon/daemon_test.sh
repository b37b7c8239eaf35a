#!/usr/bin/env bash
# daemon_test.sh — `ferry daemon` for real: it refuses a database with
# pending migrations; on a migrated one it starts worker, scheduler and serve
# as children of its own (the same binary, the same --config), /healthz
# answers through the serve child, expire runs again and again, a child
# killed with SIGKILL is restarted, SIGHUP is ignored, and SIGTERM stops
# every child and exits 0.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/lib/assert.sh"

assert_on_fail() {
    [ -f "${log:-/dev/null}" ] && { echo "--- daemon log:"; tail -40 "$log"; }
}

for cmd in serve worker scheduler; do
    help=$("$FERRY" "$cmd" --help 2>&1 || true)
    if grep -q "not implemented" <<<"$help"; then
        echo "skipped: \`ferry $cmd\` is not implemented yet, so the daemon's $cmd child cannot run"
        exit 77
    fi
done

testdb_create daemon
tmp=$(mktemp -d)
dpid=
cleanup() {
    [ -n "$dpid" ] && kill -KILL "$dpid" 2>/dev/null || true
    [ -n "${KEEP_LOG:-}" ] && cp "$log" "$KEEP_LOG"; rm -rf "$tmp"
    testdb_drop
}
trap cleanup EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$tmp/store"
conf=$tmp/ferry.conf
export FERRY_CONFIG=$conf # for testdb_migrate
cat >"$conf" <<CONF
database: { url = "$FERRY_DATABASE_URL"; };
store: { path = "$tmp/store"; base_url = "http://127.0.0.1:$port"; };
download: { secret = "daemon-test-secret-0123456789abcdef"; listen = "127.0.0.1:$port"; };
daemon: { expire_interval_seconds = 1; restart_delay_seconds = 1; stop_timeout_seconds = 20; };
CONF
log=$tmp/daemon.log

# 1. Pending migrations: refused with exit code 5, naming them; no child started.
set +e
"$FERRY" --config "$conf" daemon >"$tmp/out" 2>"$log"
rc=$?
set -e
[ "$rc" -eq 5 ] || fail "daemon on an unmigrated database exited $rc, wanted 5"
grep -q "pending migrations" "$log" || fail "no 'pending migrations' message: $(cat "$log")"
grep -q "child started" "$log" && fail "a child was started on an unmigrated database"
testdb_migrate

# 2. Start it.
"$FERRY" --config "$conf" daemon >"$tmp/out" 2>"$log" &
dpid=$!

children() { # "pid command" of the daemon's children
    for c in $(pgrep -P "$dpid" || true); do
        [ -r "/proc/$c/cmdline" ] || continue
        args=$(tr '\0' ' ' <"/proc/$c/cmdline" 2>/dev/null || true)
        echo "$c $args"
    done
}
child_pid() { # child_pid worker -> pid of the running `ferry … worker` child
    local list
    list=$(children)
    awk -v cmd="$1" '!found { for (i = 2; i <= NF; i++) if ($i == cmd) { print $1; found = 1 } }' <<<"$list"
}

healthy=
for _ in $(seq 1 300); do
    kill -0 "$dpid" 2>/dev/null || fail "daemon exited early"
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)
    if [ "$code" = 200 ]; then healthy=1; break; fi
    sleep 0.2
done
[ -n "$healthy" ] || fail "/healthz never answered 200 on port $port"

# The three services run as children: the same binary, the same --config.
for cmd in worker scheduler serve; do
    p=$(child_pid "$cmd")
    [ -n "$p" ] || fail "no $cmd child: $(children)"
    exe=$(readlink "/proc/$p/exe")
    [ "$exe" = "$(readlink -f "$FERRY")" ] || fail "$cmd child runs $exe, not $FERRY"
    tr '\0' ' ' <"/proc/$p/cmdline" | grep -q -- "--config $conf " ||
        fail "$cmd child lacks --config $conf: $(tr '\0' ' ' <"/proc/$p/cmdline")"
done

# Expire runs periodically (twice at least).
for _ in $(seq 1 300); do
    [ "$(grep -c 'msg="periodic job finished" child=expire' "$log" || true)" -ge 2 ] && break
    sleep 0.2
done
[ "$(grep -c 'msg="periodic job finished" child=expire' "$log" || true)" -ge 2 ] ||
    fail "expire did not run twice"

# A worker killed with SIGKILL is restarted.
old=$(child_pid worker)
kill -KILL "$old"
new=
for _ in $(seq 1 300); do
    new=$(child_pid worker)
    [ -n "$new" ] && [ "$new" != "$old" ] && break
    sleep 0.2
done
[ -n "$new" ] && [ "$new" != "$old" ] || fail "worker was not restarted after SIGKILL"
grep -q "child=worker pid=$old signal=KILL" "$log" || fail "the worker's death was not logged"

# SIGHUP (a reload that ferry does not have, a closed terminal) is ignored
# by the daemon and its services: sent before the SIGTERM below, it would
# end them first (exit 129, "signal=HUP") if it were not.
for p in "$dpid" $(child_pid worker) $(child_pid scheduler) $(child_pid serve); do
    kill -HUP "$p"
done

# 3. SIGTERM: every child gone, exit 0.
all=$(children | awk '{ print $1 }')
[ -n "$all" ] || fail "no children before SIGTERM"
kill -TERM "$dpid"
set +e
wait "$dpid"
rc=$?
set -e
dpid=
[ "$rc" -eq 0 ] || fail "daemon exited $rc after SIGTERM, wanted 0"
for c in $all; do
    if kill -0 "$c" 2>/dev/null; then fail "child $c still runs after the daemon stopped"; fi
done
grep -q 'msg="stopped"' "$log" || fail "no 'stopped' log line"
grep -q 'signal=HUP' "$log" && fail "a child was ended by SIGHUP"
# Each service got SIGTERM (not SIGKILL) and stopped cleanly.
for cmd in worker scheduler serve; do
    grep -q "msg=\"child stopped\" child=$cmd pid=[0-9]* exit_code=0 " "$log" ||
        fail "$cmd did not stop cleanly on SIGTERM"
done

# The daemon's own lines are logfmt: time=… level=… cmd=daemon msg="…".
grep 'cmd=daemon' "$log" | grep -v -E '^time=[0-9T:.-]+Z level=(debug|info|warn|error) cmd=daemon msg="[^"]*"( [a-z_]+=("[^"]*"|[^ "]*))*$' &&
    fail "a daemon log line is not logfmt"
pass "daemon refuses pending migrations, supervises worker/scheduler/serve/expire, restarts, stops on SIGTERM"
assert_done
