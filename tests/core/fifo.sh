#!/usr/bin/env bash
# fifo.sh — a FIFO where ferry opens a path it is given (ferry.conf, a
# pipeline config, source-csv's file) is refused at once with a message
# saying it is not a regular file; nothing blocks (each command runs under
# a generous `timeout`, whose 124 means it blocked).
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
expect() { # expect WHAT RC WANT_RC LOG
    if [ "$2" != "$3" ] || ! grep -q 'not a regular file' "$4"; then
        echo "FAIL: $1: exit $2 (want $3): $(cat "$4")"; fails=$((fails + 1))
    else
        echo "ok: $1: $(grep 'not a regular file' "$4" | head -1)"
    fi
}
mkfifo "$tmp/fifo"
cat >"$tmp/ferry.conf" <<CONF
database: { url = "mysql://nobody@127.0.0.1:1/none"; };
plugins: { path = ["$FERRY_PLUGIN_DIR"]; };
CONF

rc=0; FERRY_CONFIG=$tmp/fifo timeout 20 "$FERRY" config check >"$tmp/a.log" 2>&1 || rc=$?
expect "ferry.conf a FIFO" "$rc" 3 "$tmp/a.log"

rc=0; FERRY_CONFIG=$tmp/ferry.conf timeout 20 "$FERRY" run --check "$tmp/fifo" >"$tmp/b.log" 2>&1 || rc=$?
expect "pipeline config a FIFO" "$rc" 3 "$tmp/b.log"

cat >"$tmp/csv.cfg" <<CFG
name = "fifo";
source = { plugin = "source-csv"; path = "$tmp/fifo"; columns = ["a", "b"]; };
fields = { exportable = ["a", "b"]; };
format = { plugin = "format-csv"; };
output = { directory = "$tmp/out"; name = "x"; };
CFG
rc=0; FERRY_CONFIG=$tmp/ferry.conf timeout 20 "$FERRY" run "$tmp/csv.cfg" >"$tmp/c.log" 2>&1 || rc=$?
[ "$rc" = 124 ] && echo "(source-csv blocked on the FIFO)"
[ "$rc" != 0 ] && [ "$rc" != 124 ] && rc=failed
expect "source-csv file a FIFO" "$rc" failed "$tmp/c.log"
[ "$fails" = 0 ] || exit 1
echo "fifo tests passed"
