#!/usr/bin/env bash
# logs.sh — a request's log lines: every line naming its request_id carries
# user_id and format; the completion carries rows, bytes, duration_ms and
# attempt, once; `--log-format json` writes one JSON object a line with the
# same members (numbers as numbers).
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

# json, for a completed and a failed request
ok=$(ops_request "$zoe" json)
bad=$(ops_request "$zoe" xml)
"$FERRY" --log-format json worker --once 2>"$tmp/json.log"
/usr/bin/python3 - "$tmp/json.log" "$ok" "$bad" "$zoe" <<'PY' || fail "json log: see above"
import json, sys
path, ok, bad, user = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
lines = [json.loads(l) for l in open(path)]  # every line is one JSON object
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
echo "logs test passed"
