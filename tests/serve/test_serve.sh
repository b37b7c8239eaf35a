#!/usr/bin/env bash
# test_serve.sh — `ferry serve` over real HTTP (curl on loopback) against a
# real MariaDB: bytes and SHA-256 match; headers; single ranges; HEAD;
# download_count and the 'downloaded' audit row counted once per response
# that sends the file's last byte (whole GET, range to the end); a
# Latin-1 or cut User-Agent stored as valid UTF-8; forged, tampered, expired tokens and path tricks refused
# with nothing outside the store read, a FIFO refused at once; bodies and duplicate Content-Length
# refused; /healthz and /metrics; /status refused to a proxied request;
# SIGTERM stops it with exit 0.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/serve/fixtures.sh"
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }

testdb_create serve
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    rm -rf "$tmp"
    testdb_drop
}
trap cleanup EXIT
assert_on_fail() { # the server's last log lines
    [ -f "$tmp/server.log" ] && tail -n 15 "$tmp/server.log"
}
store=$tmp/store
outside=$tmp/outside
mkdir -p "$store/u1" "$outside"
secret='test-secret-!@#-0123456789abcdef-0123'
export FERRY_CONFIG=$tmp/ferry.conf
fx_conf "$FERRY_CONFIG" "$store" "download: { secret = \"$secret\"; per_ip_connections = 16; timeout_seconds = 10; };"

port=$(fx_free_port)
base="http://127.0.0.1:$port"

# Pending migrations: refuses to start.
rc=0
"$FERRY" serve --listen "127.0.0.1:$port" 2>"$tmp/refuse.log" || rc=$?
[ "$rc" = 5 ] || fail "serve on an unmigrated database exited $rc"
grep -q "pending migration" "$tmp/refuse.log" || fail "no pending-migration message: $(cat "$tmp/refuse.log")"
testdb_migrate

# No secret: refuses to start.
rc=0
FERRY_CONFIG=$tmp/nosecret.conf
fx_conf "$FERRY_CONFIG" "$store"
FERRY_CONFIG=$tmp/nosecret.conf "$FERRY" serve --listen "127.0.0.1:$port" 2>"$tmp/nosecret.log" || rc=$?
[ "$rc" = 3 ] || fail "serve without a secret exited $rc"

# A secret shorter than 32 bytes: refused, saying how to make one.
rc=0
fx_conf "$tmp/short.conf" "$store" 'download: { secret = "x"; };'
FERRY_CONFIG=$tmp/short.conf timeout 20 "$FERRY" serve --listen "127.0.0.1:$port" 2>"$tmp/short.log" || rc=$?
[ "$rc" = 3 ] || fail "serve with a one-byte secret exited $rc"
grep -q 'download.secret.*at least 32 bytes.*openssl rand -hex 32' "$tmp/short.log" ||
    fail "short secret message: $(cat "$tmp/short.log")"
export FERRY_CONFIG=$tmp/ferry.conf

uid=$(fx_user carol)
tok() { /usr/bin/python3 "$FERRY_SOURCE_DIR/tests/serve/token.py" "$1" "${2:-$secret}" "${3:-$(($(date +%s) + 600))}"; }
future="NOW(6) + INTERVAL 1 DAY"

# R1: a binary-ish CSV with a non-ASCII download name, content type from the extension.
R1=$(fx_newid)
head -c 200000 /dev/urandom >"$store/u1/$R1-1.csv"
size1=200000
sum1=$(sha256sum "$store/u1/$R1-1.csv" | cut -d' ' -f1)
fx_request "$R1" "$uid" completed "$store/u1/$R1-1.csv" "$future" "Zeiterfassung März \"Q1\".csv" "" "$sum1" $size1
# R2: JSON, relative file_path, content type from the column, ASCII name.
R2=$(fx_newid)
printf '[{"a":1}]\n' >"$store/$R2-1.json"
fx_request "$R2" "$uid" completed "$R2-1.json" "$future" "report.json" "application/json" "" 10 json
# Refused rows.
echo "top secret" >"$outside/secret.txt"
ln -s "$outside/secret.txt" "$store/link.txt"
RX=$(fx_newid); fx_request "$RX" "$uid" completed "../outside/secret.txt" "$future"      # climbs out
RA=$(fx_newid); fx_request "$RA" "$uid" completed "$outside/secret.txt" "$future"        # absolute outside
RL=$(fx_newid); fx_request "$RL" "$uid" completed "link.txt" "$future"                   # symlink out
RF=$(fx_newid); mkfifo "$store/$RF.csv"; fx_request "$RF" "$uid" completed "$RF.csv" "$future" # a FIFO
RE=$(fx_newid); echo e >"$store/e.csv"; fx_request "$RE" "$uid" expired "e.csv" "NOW(6) - INTERVAL 1 DAY"
RP=$(fx_newid); echo p >"$store/p.csv"; fx_request "$RP" "$uid" completed "p.csv" "NOW(6) - INTERVAL 1 SECOND"
RQ=$(fx_newid); fx_request "$RQ" "$uid" pending "" "$future"
RM=$(fx_newid); fx_request "$RM" "$uid" completed "missing.csv" "$future"
RU=$(fx_newid) # no such row

"$FERRY" serve --listen "127.0.0.1:$port" 2>"$tmp/server.log" &
pid=$!
for _ in $(seq 1 100); do
    curl -s -o /dev/null "$base/healthz" && break
    kill -0 "$pid" 2>/dev/null || fail "server died: $(cat "$tmp/server.log")"
    sleep 0.1
done

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
count() { testdb_sql "SELECT download_count FROM export_requests WHERE id = '$1'"; }
audits() { testdb_sql "SELECT COUNT(*) FROM export_audit_logs WHERE export_request_id = '$1' AND action = 'downloaded'"; }
hdr() { grep -i "^$1:" "$tmp/h" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

T1=$(tok "$R1")
url1="$base/download/$R1?token=$T1"

# --- A whole GET: bytes, checksum, headers, one count, one audit row.
st=$(curl -s -A 'ferry-test-agent/1.0' -D "$tmp/h" -o "$tmp/got" -w '%{http_code}' "$url1")
[ "$st" = 200 ] || fail "GET: $st"
[ "$(sha256sum "$tmp/got" | cut -d' ' -f1)" = "$sum1" ] || fail "GET: sha256 differs"
cmp -s "$tmp/got" "$store/u1/$R1-1.csv" || fail "GET: bytes differ"
[ "$(hdr Content-Length)" = $size1 ] || fail "Content-Length: $(hdr Content-Length)"
[ "$(hdr Content-Type)" = "text/csv; charset=utf-8" ] || fail "Content-Type: $(hdr Content-Type)"
[ "$(hdr ETag)" = "\"$sum1\"" ] || fail "ETag: $(hdr ETag)"
[ "$(hdr Accept-Ranges)" = bytes ] || fail "Accept-Ranges: $(hdr Accept-Ranges)"
[ "$(hdr Content-Disposition)" = "attachment; filename=\"Zeiterfassung M_rz _Q1_.csv\"; filename*=UTF-8''Zeiterfassung%20M%C3%A4rz%20%22Q1%22.csv" ] ||
    fail "Content-Disposition: $(hdr Content-Disposition)"
[ "$(count "$R1")" = 1 ] || fail "count after GET: $(count "$R1")"
[ "$(testdb_sql "SELECT CONCAT(ip_address, '|', user_agent, '|', user_id) FROM export_audit_logs WHERE export_request_id = '$R1' AND action = 'downloaded'")" = "127.0.0.1|ferry-test-agent/1.0|$uid" ] ||
    fail "audit row: $(testdb_sql "SELECT * FROM export_audit_logs")"

# filename* (RFC 6266/8187), read on its own as a recipient prefers it,
# decodes back to the stored name.
/usr/bin/python3 - "$(hdr Content-Disposition)" <<'PY' || fail "filename* does not decode"
import sys, email, email.policy
params = [p for p in sys.argv[1].split("; ") if not p.startswith("filename=")]
m = email.message_from_string("Content-Disposition: " + "; ".join(params) + "\n\n",
                              policy=email.policy.default)
assert m.get_filename() == 'Zeiterfassung M\u00e4rz "Q1".csv', m.get_filename()
PY

# --- 24 downloads at once: each counted once, each with its audit row.
seq 1 24 | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' "$url1" >"$tmp/par"
[ "$(grep -c '^200$' "$tmp/par")" = 24 ] || fail "parallel downloads: $(sort "$tmp/par" | uniq -c)"
[ "$(count "$R1")" = 25 ] && [ "$(audits "$R1")" = 25 ] || fail "parallel count: $(count "$R1") $(audits "$R1")"
testdb_sql "UPDATE export_requests SET download_count = 1 WHERE id = '$R1'"
testdb_sql "DELETE FROM export_audit_logs WHERE export_request_id = '$R1' AND user_agent NOT LIKE 'ferry-test-agent%'"

# --- HEAD: headers, no body, no count.
st=$(curl -s -I -D "$tmp/h" -o /dev/null -w '%{http_code}' "$url1")
[ "$st" = 200 ] && [ "$(hdr Content-Length)" = $size1 ] || fail "HEAD: $st $(hdr Content-Length)"
[ "$(count "$R1")" = 1 ] && [ "$(audits "$R1")" = 1 ] || fail "HEAD counted"

# --- Ranges.
range() { # range SPEC EXPECT_STATUS EXPECT_CONTENT_RANGE SKIP COUNT
    st=$(curl -s -r "$1" -D "$tmp/h" -o "$tmp/part" -w '%{http_code}' "$url1")
    [ "$st" = "$2" ] || fail "range $1: status $st"
    [ "$(hdr Content-Range)" = "$3" ] || fail "range $1: Content-Range $(hdr Content-Range)"
    if [ "$2" = 206 ]; then
        dd if="$store/u1/$R1-1.csv" of="$tmp/want" bs=1 skip="$4" count="$5" status=none
        cmp -s "$tmp/part" "$tmp/want" || fail "range $1: bytes differ"
        [ "$(hdr Content-Length)" = "$5" ] || fail "range $1: Content-Length $(hdr Content-Length)"
    fi
}
range 10-19 206 "bytes 10-19/$size1" 10 10
[ "$(count "$R1")" = 1 ] || fail "a range short of the end counted"
# Only a response that sends the file's last byte is a download: bytes=0-0
# again and again neither inflates download_count nor floods the audit log.
range 0-0 206 "bytes 0-0/$size1" 0 1
range 0-0 206 "bytes 0-0/$size1" 0 1
range 0-99 206 "bytes 0-99/$size1" 0 100
[ "$(count "$R1")" = 1 ] && [ "$(audits "$R1")" = 1 ] || fail "ranges short of the end counted: $(count "$R1") $(audits "$R1")"
range -100 206 "bytes 199900-199999/$size1" 199900 100
[ "$(count "$R1")" = 2 ] && [ "$(audits "$R1")" = 2 ] || fail "a range to the end not counted once"
range 199990-500000 206 "bytes 199990-199999/$size1" 199990 10
[ "$(count "$R1")" = 3 ] && [ "$(audits "$R1")" = 3 ] || fail "a range to the end not counted"
range 200000- 416 "bytes */$size1"
range 999999-1000000 416 "bytes */$size1"
[ "$(count "$R1")" = 3 ] || fail "416 counted"
# (back to the counts the checks below were written for)
testdb_sql "UPDATE export_requests SET download_count = 2 WHERE id = '$R1';
    DELETE FROM export_audit_logs WHERE export_request_id = '$R1' AND action = 'downloaded'
    ORDER BY timestamp DESC LIMIT 1"
# Several ranges: the whole file, 200, counted.
st=$(curl -s -r 0-1,5-6 -o "$tmp/got" -w '%{http_code}' "$url1")
[ "$st" = 200 ] && cmp -s "$tmp/got" "$store/u1/$R1-1.csv" || fail "multi-range: $st"
[ "$(count "$R1")" = 3 ] && [ "$(audits "$R1")" = 3 ] || fail "multi-range count"
# If-Range with another ETag: the whole file.
st=$(curl -s -r 10-19 -H 'If-Range: "other"' -o "$tmp/got" -w '%{http_code}' "$url1")
[ "$st" = 200 ] && cmp -s "$tmp/got" "$store/u1/$R1-1.csv" || fail "If-Range mismatch: $st"
[ "$(count "$R1")" = 4 ] || fail "If-Range whole GET not counted"

# --- User-Agents that are not valid UTF-8 (Latin-1, or UTF-8 cut by the
# header limit): served and audited, stored as valid UTF-8.
RUA=$(fx_newid)
printf 'x\n' >"$store/$RUA-1.csv"
fx_request "$RUA" "$uid" completed "$RUA-1.csv" "$future" "u.csv" "" "" 2
urlu="$base/download/$RUA?token=$(tok "$RUA")"
st=$(curl -s -A "$(printf 'caf\xe9-agent')" -o /dev/null -w '%{http_code}' "$urlu")
[ "$st" = 200 ] || fail "Latin-1 User-Agent: $st"
long=$(printf 'ä%.0s' $(seq 1 400))
st=$(curl -s -A "$long" -o /dev/null -w '%{http_code}' "$urlu")
[ "$st" = 200 ] || fail "long UTF-8 User-Agent: $st"
[ "$(audits "$RUA")" = 2 ] || fail "User-Agent audits: $(audits "$RUA")"
testdb_sql "SELECT user_agent FROM export_audit_logs WHERE export_request_id = '$RUA' ORDER BY user_agent" >"$tmp/uas"
iconv -f UTF-8 -t UTF-8 "$tmp/uas" >/dev/null || fail "stored User-Agent not UTF-8: $(od -c "$tmp/uas" | head)"
grep -qx 'caf?-agent' "$tmp/uas" || fail "Latin-1 byte not replaced: $(cat "$tmp/uas")"
testdb_sql "DELETE FROM export_audit_logs WHERE export_request_id = '$RUA';
    DELETE FROM export_requests WHERE id = '$RUA'" # (the gauges below count the others)

# --- R2: content type from the column, plain ASCII name.
st=$(curl -s -D "$tmp/h" -o "$tmp/got" -w '%{http_code}' "$base/download/$R2?token=$(tok "$R2")")
[ "$st" = 200 ] && [ "$(cat "$tmp/got")" = '[{"a":1}]' ] || fail "R2: $st"
[ "$(hdr Content-Type)" = application/json ] || fail "R2 Content-Type: $(hdr Content-Type)"
[ "$(hdr Content-Disposition)" = 'attachment; filename="report.json"' ] || fail "R2 disposition: $(hdr Content-Disposition)"
[ -z "$(hdr ETag)" ] || fail "R2: ETag without a checksum"

# --- Tokens: forged, tampered, expired, another request's, missing.
now=$(date +%s)
exp=$((now + 600))
good=$(tok "$R1" "$secret" "$exp")
forged=$(tok "$R1" "not-the-secret" "$exp")
tampered="v1.$((exp + 86400)).${good##*.}"
expired=$(tok "$R1" "$secret" $((now - 5)))
[ "$(code "$base/download/$R1?token=$forged")" = 403 ] || fail "forged token not 403"
[ "$(code "$base/download/$R1?token=$tampered")" = 403 ] || fail "tampered token not 403"
last=${good: -1}
[ "$last" = A ] && flip=B || flip=A
[ "$(code "$base/download/$R1?token=${good%?}$flip")" = 403 ] || fail "MAC-tampered not 403"
[ "$(code "$base/download/$R1?token=$(tok "$R2")")" = 403 ] || fail "another request's token not 403"
[ "$(code "$base/download/$R1")" = 403 ] || fail "no token not 403"
[ "$(code "$base/download/$R1?token=")" = 403 ] || fail "empty token not 403"
[ "$(code "$base/download/$R1?token=$expired")" = 410 ] || fail "expired token not 410"
[ "$(count "$R1")" = 4 ] && [ "$(audits "$R1")" = 4 ] || fail "refused tokens counted: $(count "$R1") $(audits "$R1")"

# --- Path tricks: never a path from the URL, never outside the store.
[ "$(code --path-as-is "$base/download/../../../../etc/passwd?token=$good")" = 404 ] || fail "../ in URL"
[ "$(code --path-as-is "$base/download/..%2f..%2f..%2fetc%2fpasswd?token=$good")" = 404 ] || fail "encoded ../"
[ "$(code --path-as-is "$base/download/%2e%2e/%2e%2e/outside/secret.txt")" = 404 ] || fail "encoded dots"
[ "$(code --path-as-is "$base/download/$R1/../$R2?token=$good")" = 404 ] || fail "id/../id"
[ "$(code "$base/download/${R1^^}?token=$good")" = 404 ] || fail "upper-case id"
[ "$(code "$base/download/$RX?token=$(tok "$RX")")" = 404 ] || fail "file_path ../outside"
[ "$(code "$base/download/$RA?token=$(tok "$RA")")" = 404 ] || fail "file_path absolute outside"
[ "$(code "$base/download/$RL?token=$(tok "$RL")")" = 404 ] || fail "symlink out of the store followed"
st=$(code -m 10 "$base/download/$RF?token=$(tok "$RF")")
[ "$st" = 404 ] || fail "a FIFO in the store: $st (000: its open blocked)"
[ "$(cat "$outside/secret.txt")" = "top secret" ] || fail "outside file changed"
for r in "$RX" "$RA" "$RL" "$RF"; do
    [ "$(count "$r")" = 0 ] && [ "$(audits "$r")" = 0 ] || fail "refused path counted ($r)"
done

# --- Request states.
[ "$(code "$base/download/$RE?token=$(tok "$RE")")" = 410 ] || fail "expired export not 410"
[ "$(code "$base/download/$RP?token=$(tok "$RP")")" = 410 ] || fail "past expires_at not 410"
[ "$(code "$base/download/$RQ?token=$(tok "$RQ")")" = 404 ] || fail "pending export not 404"
[ "$(code "$base/download/$RM?token=$(tok "$RM")")" = 410 ] || fail "deleted file not 410"
[ "$(code "$base/download/$RU?token=$(tok "$RU")")" = 404 ] || fail "unknown request not 404"
[ "$(code "$base/nothing")" = 404 ] || fail "unknown path"

# --- Bodies, duplicate Content-Length, methods.
[ "$(code --data 'x=1' -X GET "$url1")" = 413 ] || fail "GET with a body"
[ "$(code --data 'x=1' "$url1")" = 413 ] || fail "POST with a body"
[ "$(code -H 'Transfer-Encoding: chunked' --data 'x=1' -X GET "$url1")" = 413 ] || fail "chunked body"
st=$(code -H 'Content-Length: 0' -H 'Content-Length: 0' "$url1")
[ "$st" = 400 ] || fail "duplicate Content-Length: $st"
st=$(code -H 'Content-Length: 5' -H 'Content-Length: 0' "$url1")
[ "$st" = 400 ] || [ "$st" = 413 ] || fail "conflicting Content-Length: $st"
[ "$(code -X DELETE "$url1")" = 405 ] || fail "DELETE not 405"
[ "$(count "$R1")" = 4 ] && [ "$(audits "$R1")" = 4 ] || fail "refused requests counted"

# --- The per-IP connection limit (16 here): with 16 idle connections
# open, a 17th from the same address is refused; after they close, served.
/usr/bin/python3 - "$port" <<'PY' || fail "per-IP connection limit"
import socket, subprocess, sys, time
port = int(sys.argv[1])
url = f"http://127.0.0.1:{port}/healthz"
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url],
                   capture_output=True, text=True)
assert r.stdout != "200", f"17th connection served: {r.stdout}"
for s in held:
    s.close()
for _ in range(100):
    r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url],
                       capture_output=True, text=True)
    if r.stdout == "200":
        break
    time.sleep(0.1)
assert r.stdout == "200", f"not served after the connections closed: {r.stdout}"
PY

# --- /healthz and /metrics.
[ "$(curl -s "$base/healthz")" = ok ] || fail "healthz"
curl -s "$base/metrics" >"$tmp/metrics"
grep -qx 'ferry_downloads_counted_total 32' "$tmp/metrics" || fail "ferry_downloads_counted_total: $(grep downloads_counted_total "$tmp/metrics")"
grep -qx 'ferry_http_requests_total{code="403"} 6' "$tmp/metrics" || fail "403 counter: $(grep 'code=' "$tmp/metrics")"
grep -qx 'ferry_http_requests_total{code="416"} 2' "$tmp/metrics" || fail "416 counter"
grep -qx "ferry_requests{status=\"completed\"} $(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status = 'completed'")" "$tmp/metrics" || fail "requests gauge: $(grep '^ferry_requests' "$tmp/metrics")"
grep -qx 'ferry_database_up 1' "$tmp/metrics" || fail "database_up"
# Every sample line parses as Prometheus text.
/usr/bin/python3 - "$tmp/metrics" <<'PY' || fail "metrics do not parse"
import re, sys
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if not line or line.startswith("# HELP ") or line.startswith("# TYPE "):
        continue
    assert re.fullmatch(r'[a-z_]+(\{([a-z_]+="[^"\\]*",?)+\})? [0-9.e+-]+', line), line
PY

# --- /status from the loopback (status.allow's default) is served, but a
# request a reverse proxy forwarded is not the loopback's own: refused.
[ "$(code "$base/status")" = 200 ] || fail "/status from the loopback: $(code "$base/status")"
for h in 'X-Forwarded-For: 203.0.113.9' 'Forwarded: for=203.0.113.9' 'X-Real-IP: 203.0.113.9'; do
    [ "$(code -H "$h" "$base/status")" = 403 ] || fail "/status through a proxy ($h) not 403"
done

# The refusals came from the store checks, not from a missing file.
grep -q "file_path is not beneath the store: refused\" request_id=$RX" "$tmp/server.log" || fail "RX refusal not logged"
grep -q "file_path is not beneath the store: refused\" request_id=$RA" "$tmp/server.log" || fail "RA refusal not logged"
grep -q "cannot open the artifact beneath the store: .*request_id=$RL" "$tmp/server.log" || fail "RL refusal not logged"

# The access log is logfmt, and never carries the token.
grep -q 'msg="http" method=GET path="/download/'"$R1"'" status=200' "$tmp/server.log" || fail "access log line"
! grep -q "$T1" "$tmp/server.log" || fail "token in the log"

# --- Database gone: /healthz says 503 and /metrics database_up 0; both
# recover when it is back; the server keeps running.
testdb_sql "SELECT id FROM information_schema.processlist WHERE db = '$TESTDB_NAME' AND id <> CONNECTION_ID()" >"$tmp/conns"
mariadb --socket="$TESTDB_SOCK" -uroot -e "DROP DATABASE \`$TESTDB_NAME\`"
while read -r cid; do mariadb --socket="$TESTDB_SOCK" -uroot -e "KILL $cid" 2>/dev/null || true; done <"$tmp/conns"
st=$(code "$base/healthz")
[ "$st" = 503 ] || fail "healthz with the database gone: $st"
curl -s "$base/metrics" | grep -x 'ferry_database_up 0' >/dev/null || fail "metrics database_up with the database gone"
mariadb --socket="$TESTDB_SOCK" -uroot -e "CREATE DATABASE \`$TESTDB_NAME\`"
[ "$(code "$base/healthz")" = 200 ] || fail "healthz did not recover"

# --- SIGTERM: graceful, exit 0.
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "exit status after SIGTERM: $rc"
grep -q 'msg="stopped"' "$tmp/server.log" || fail "no stop line"
pass "serve over real HTTP"
assert_done
