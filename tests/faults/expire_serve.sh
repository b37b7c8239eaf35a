#!/usr/bin/env bash
# expire_serve.sh [file|s3] — `ferry expire` racing `ferry serve` over the
# artifact it downloads, each interleaving made to happen (never timed):
# `ferry serve`'s database connection goes through the proxy
# tests/faults/stmt_hold.py, which holds its statements or their answers
# while the test makes the request due and runs `ferry expire` to the end.
#   in flight — a client has the headers and the first 64 KiB of a 32 MiB
#     artifact and stops reading; expire deletes it and marks the request;
#     the client reads on: 200 and the whole body (its SHA-256 as recorded).
#   lookup answered late — serve's lookup is answered (completed, not due)
#     only after expire has deleted the artifact: 410 "this export's file
#     was deleted".
#   count held — serve has the file open (or the object fetched) and its
#     download count is held until expire is done: 410 "this export has
#     expired" (nothing counted).
#   after — 410 "this export has expired".
# With s3: the objects on s3rver, serve streaming them
# (download.objects = "stream"). Never a 5xx, never a truncated 200.
set -euo pipefail
MODE=${1:-file}
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/serve/fixtures.sh"
. "$FERRY_SOURCE_DIR/tests/faults/hold_lib.sh"
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
hold_setup "expserve_$MODE" "expire_serve_$MODE"
DIRECT_URL=$FERRY_DATABASE_URL
store=$tmp/store
mkdir -p "$store"
assert_on_fail() { tail -n 5 "$tmp/serve.log"; }

hold_proxy
export FERRY_CONFIG=$tmp/ferry.conf CONF=$tmp/ferry.conf TMP=$tmp
secret=expire-serve-secret-0123456789abcdef
cat >"$CONF" <<CONF
store: { path = "$store"; base_url = "http://127.0.0.1:1"; };
download: { secret = "$secret"; objects = "stream"; timeout_seconds = 60; };
CONF
store_mode "$MODE"
testdb_migrate
uid=$(fx_user frank)
serve_start "mysql://ferry:ferry@127.0.0.1:$pport/$TESTDB_NAME"

# artifact MIB: a completed request (a day to go) with a file of MIB MiB;
# prints its id.
artifact() {
    local id path
    id=$(fx_newid)
    head -c "$(($1 * 1048576))" /dev/urandom >"$tmp/$id.csv"
    if [ "$MODE" = s3 ]; then
        [ "$(s3_put "exports/$id.csv" "$tmp/$id.csv")" = 200 ] || fail "PUT exports/$id.csv"
        path=s3://ferry/exports/$id.csv
    else
        cp "$tmp/$id.csv" "$store/$id.csv"
        path=$id.csv
    fi
    fx_request "$id" "$uid" completed "$path" "NOW(6) + INTERVAL 1 DAY" "$id.csv" text/csv \
        "$(sha256sum <"$tmp/$id.csv" | cut -d' ' -f1)" "$(stat -c %s "$tmp/$id.csv")"
    echo "$id"
}
url() { echo "/download/$1?token=$(/usr/bin/python3 "$FERRY_SOURCE_DIR/tests/serve/token.py" "$1" "$secret" $(($(date +%s) + 3600)))"; }
wait_file() {
    for _ in $(seq 1 1000); do
        [ -e "$1" ] && return 0
        sleep 0.02
    done
    fail "waited in vain for $2"
}
# expire_now ID: the request made due, then `ferry expire` (straight to
# the database) to the end; its artifact is deleted and the row marked.
expire_now() {
    testdb_sql "UPDATE export_requests SET expires_at = NOW(6) - INTERVAL 1 SECOND WHERE id = '$1'"
    local out
    out=$(FERRY_DATABASE_URL=$DIRECT_URL "$FERRY" expire 2>>"$tmp/expire.log") || fail "expire: $out"
    expect_match "expire deleted $1" "$out" '^expired 1 request \(1 file deleted\)'
    expect_eq "status of $1" "$(testdb_sql "SELECT status FROM export_requests WHERE id = '$1'")" expired
}
counted() { testdb_sql "SELECT download_count FROM export_requests WHERE id = '$1'"; }

# ---- in flight -------------------------------------------------------------
A=$(artifact 32)
/usr/bin/python3 - "$sport" "$(url "$A")" "$tmp/paused" "$tmp/go" >"$tmp/inflight" 2>&1 <<'PY' &
import hashlib, os, re, socket, sys, time
port, path, paused, go = sys.argv[1:]
s = socket.create_connection(("127.0.0.1", int(port)), timeout=60)  # a bound, not a check
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.sendall(b"GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % path.encode())
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(65536)
head, body = buf.split(b"\r\n\r\n", 1)
m = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
while len(body) < 65536 and m:
    data = s.recv(65536)
    if not data:
        break
    body += data
open(paused, "w").close()
while not os.path.exists(go):
    time.sleep(0.01)
h = hashlib.sha256(body)
n = len(body)
while True:
    data = s.recv(1 << 20)
    if not data:
        break
    h.update(data)
    n += len(data)
print(head.split()[1].decode(), m.group(1).decode() if m else "-", n, h.hexdigest())
PY
client=$!
wait_file "$tmp/paused" "the client's first 64 KiB"
expire_now "$A"
[ "$MODE" = s3 ] || check "the file is gone from the store" "$(ls "$store")" ""
touch "$tmp/go"
wait "$client" || fail "the client failed: $(cat "$tmp/inflight")"
size=$((32 * 1048576))
expect_eq "in flight: the whole body, as recorded" "$(cat "$tmp/inflight")" \
    "200 $size $size $(testdb_sql "SELECT ferry_checksum FROM export_requests WHERE id = '$A'")"

# get ID: a GET in the background, its status code and body in $tmp/ID.*.
get() {
    curl -sS -o "$tmp/$1.body" -w '%{http_code}' "http://127.0.0.1:$sport$(url "$1")" >"$tmp/$1.code" &
    getpid=$!
}
# expire_during POINT WHAT ID: a GET of ID held by the proxy at POINT (WHAT,
# for the wait), ID expired meanwhile, then the proxy let go and the GET ended.
expire_during() {
    rm -f "$ctl/held"
    arm "$1"
    get "$3"
    wait_file "$ctl/held" "$2"
    expire_now "$3"
    touch "$ctl/release"
    wait "$getpid" || true
}

# ---- serve's lookup answered after expire ----------------------------------
B=$(artifact 1)
expire_during "late 1 ^SELECT user_id, status, file_path" "serve's lookup" "$B"
expect_eq "lookup answered late: status" "$(cat "$tmp/$B.code")" 410
expect_eq "lookup answered late: body" "$(cat "$tmp/$B.body")" "this export's file was deleted"
check "lookup answered late: not counted" "$(counted "$B")" 0

# ---- serve's count held until expire is done --------------------------------
C=$(artifact 1)
expire_during "hold 1 ^UPDATE export_requests SET download_count" "serve's count" "$C"
expect_eq "count held: status" "$(cat "$tmp/$C.code")" 410
expect_eq "count held: body" "$(cat "$tmp/$C.body")" "this export has expired"
check "count held: not counted" "$(counted "$C")" 0

# ---- after -----------------------------------------------------------------
arm off
get "$C"
wait "$getpid" || true
expect_eq "after: status" "$(cat "$tmp/$C.code")" 410
check "no 5xx answered" "$(grep -cE 'status=5[0-9][0-9]' "$tmp/serve.log" || true)" 0
echo "faults expire_serve_$MODE: 3 interleavings of expire and a download, each a whole 200 or a 410"
assert_done
