#!/usr/bin/env bash
# logs.sh — a request's log lines: every line naming its request_id carries
# user_id and format; the completion carries rows, bytes, duration_ms and
# attempt, once; `--log-format json` writes one JSON object a line with the
# same members (numbers as numbers), its last line too when a command
# fails; a request's format from the database cannot forge keys or lines;
# a broken requests.pipeline is warned of at start.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
. "$FERRY_SOURCE_DIR/tests/ops/lib_ops.sh"
testdb_create ops_logs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; testdb_drop' EXIT
mkdir -p "$tmp/store"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$tmp/store" 'worker: { poll_interval_ms = 100; };'
worker_migrate
testdb_demo 200
zoe=$(testdb_sql "SELECT id FROM auth_user WHERE username = 'zoe'")

# logfmt (the default)
id=$(ops_request "$zoe" csv)
"$FERRY" worker --once 2>"$tmp/logfmt.log"
grep "request_id=$id" "$tmp/logfmt.log" >"$tmp/mine" || fail "no line names $id"
[ "$(wc -l <"$tmp/mine")" -ge 2 ] || fail "fewer than 2 lines about $id"
if grep -v "user_id=$zoe" "$tmp/mine" | grep -q .; then fail "a line without user_id"; fi
if grep -v "format=csv" "$tmp/mine" | grep -q .; then fail "a line without format"; fi
expect_eq "one completion line" "$(grep -c 'msg="request completed"' "$tmp/mine")" 1
grep 'msg="request completed"' "$tmp/mine" | grep -Eq ' rows=[0-9]+ bytes=[0-9]+ duration_ms=[0-9]+' \
    || fail "completion without rows/bytes/duration_ms: $(grep completed "$tmp/mine")"
grep 'msg="request completed"' "$tmp/mine" | grep -q ' attempt=1' || fail "completion without attempt"

# A format the web app let through is logged, not obeyed: in logfmt it
# neither splits the line nor adds a key.
hostile=$(ops_request "$zoe" 'cs\nmsg=X y=1')
"$FERRY" worker --once 2>"$tmp/hostile.log"
if grep -q '^msg=X' "$tmp/hostile.log"; then fail "a request's format split a log line"; fi
grep "request_id=$hostile" "$tmp/hostile.log" | grep -q 'format="cs\\nmsg=X y=1"$' ||
    fail "the hostile format is not one quoted value: $(grep "$hostile" "$tmp/hostile.log")"

# json, for a completed and a failed request, and one with a hostile format
ok=$(ops_request "$zoe" json)
bad=$(ops_request "$zoe" xml)
hostile=$(ops_request "$zoe" 'a\\nb"c d=1')
"$FERRY" --log-format json worker --once 2>"$tmp/json.log"
/usr/bin/python3 - "$tmp/json.log" "$ok" "$bad" "$zoe" "$hostile" <<'PY' || fail "json log: see above"
import json, sys
path, ok, bad, user, hostile = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
lines = [json.loads(l) for l in open(path)]  # every line is one JSON object
mine = [l for l in lines if l.get("request_id") == hostile]
assert mine and all(l["format"] == 'a\\nb"c d=1' and "d" not in l for l in mine), mine
assert all({"time", "level", "msg"} <= set(l) for l in lines), lines
for rid, fmt in ((ok, "json"), (bad, "xml")):
    mine = [l for l in lines if l.get("request_id") == rid]
    assert len(mine) >= 2, (rid, mine)
    for l in mine:
        assert l["user_id"] == user and l["format"] == fmt, l
done = [l for l in lines if l.get("request_id") == ok and l["msg"] == "request completed"]
assert len(done) == 1, done
d = done[0]
assert d["level"] == "info" and d["attempt"] == 1, d
assert isinstance(d["rows"], int) and d["rows"] > 0 and isinstance(d["bytes"], int) and d["bytes"] > 0, d
assert isinstance(d["duration_ms"], int), d
failed = [l for l in lines if l.get("request_id") == bad and l["level"] == "error"]
assert len(failed) == 1 and "unknown format" in failed[0]["msg"], failed
print("json log lines check out:", len(lines))
PY

# A command that cannot start says why in JSON too: the fatal line is the
# one a log shipper must not drop.
set +e
FERRY_DATABASE_URL="mysql://ferry:ferry@127.0.0.1:1/nodb" "$FERRY" --log-format json worker \
    2>"$tmp/fatal.log"
rc=$?
set -e
expect_eq "worker without a database: exit code" "$rc" 5
/usr/bin/python3 - "$tmp/fatal.log" <<'PY' || fail "fatal line not JSON: $(cat "$tmp/fatal.log")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
last = lines[-1]
assert last["level"] == "error" and last["exit_code"] == 5 and last["cmd"] == "worker", last
assert "cannot connect" in last["msg"], last
PY
# A request pipeline that cannot be read is said once at start, before any
# request waits on it (it is read anew per request: a fix needs no restart).
printf 'name = "broken";\nsource = {\n' >"$tmp/broken.cfg"
WORKER_PIPELINE=$tmp/broken.cfg worker_conf "$FERRY_CONFIG" "$tmp/store" 'worker: { poll_interval_ms = 100; };'
"$FERRY" worker --once 2>"$tmp/broken.log"
grep 'level=error' "$tmp/broken.log" |
    grep -q "the site's configuration is broken; requests wait as pending.*: $tmp/broken.cfg:[0-9]*: .*pipeline=$tmp/broken.cfg" ||
    fail "no startup error for a broken requests.pipeline: $(cat "$tmp/broken.log")"
echo "logs test passed"
