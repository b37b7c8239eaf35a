#!/usr/bin/env bash
# steer.sh — operators steer: `ferry queue pause` stops two workers from
# claiming (state in the database), resume lets them; the per-user limit
# (worker.per_user_concurrency = 1) keeps one user's exports from
# overlapping across two workers; the daily quota refuses the request over
# it with the reason on the request; `ferry stats` reports the day.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
. "$FERRY_SOURCE_DIR/tests/ops/lib_ops.sh"
testdb_create ops_steer
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; rm -rf "$tmp"; testdb_drop' EXIT
mkdir -p "$tmp/store"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$tmp/store" 'worker: { poll_interval_ms = 100; };'
worker_migrate
testdb_demo 200
zoe=$(testdb_sql "SELECT id FROM auth_user WHERE username = 'zoe'")
olga=$(testdb_sql "SELECT id FROM auth_user WHERE username = 'olga'")
pending() { testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status = 'pending'"; }

# --- queue pause: two workers claim nothing; resume: they do.
"$FERRY" queue pause --reason "database maintenance" >/dev/null
"$FERRY" queue status --json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["paused"] is True and d["reason"] == "database maintenance", d'
for i in 1 2 3; do ops_request "$zoe" csv >/dev/null; done
"$FERRY" worker --once 2>"$tmp/p1.log" &
"$FERRY" worker --once 2>"$tmp/p2.log" &
wait
expect_eq "paused: nothing claimed by two workers" "$(pending)" 3
"$FERRY" worker 2>"$tmp/w1.log" &
"$FERRY" worker 2>"$tmp/w2.log" &
"$FERRY" queue resume >/dev/null
wait_for "the resumed workers to finish" 'test "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status = '\''completed'\''")" = 3'
kill -TERM $(jobs -p)
wait
expect_eq "queue status after resume" "$("$FERRY" queue status --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["paused"])')" False

# --- per-user limit: zoe's three slow exports never overlap, over two
# workers of two slots each; olga's runs beside them.
testdb_sql "DELETE FROM export_audit_logs; DELETE FROM export_requests; DELETE FROM export_usage_stats"
sed 's/ms_per_batch = 200/ms_per_batch = 700/' "$FERRY_SOURCE_DIR/tests/worker/slow.cfg" >"$tmp/slow.cfg"
WORKER_PIPELINE=$tmp/slow.cfg WORKER_TEST_PLUGIN_DIR=$FERRY_TEST_PLUGIN_DIR \
    worker_conf "$FERRY_CONFIG" "$tmp/store" 'worker: { poll_interval_ms = 100; concurrency = 2; per_user_concurrency = 1; };'
for i in 1 2 3; do ops_request "$zoe" csv >/dev/null; done
ops_request "$olga" csv >/dev/null
"$FERRY" worker --once 2>"$tmp/l1.log" &
"$FERRY" worker --once 2>"$tmp/l2.log" &
wait
wait_for "zoe's three to finish" 'test "$(pending)" = 0'
expect_eq "all completed" "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status = 'completed'")" 4
overlaps=$(testdb_sql "SELECT COUNT(*) FROM export_requests a JOIN export_requests b
    ON a.user_id = b.user_id AND a.id < b.id
    AND a.started_at < b.completed_at AND b.started_at < a.completed_at
    WHERE a.user_id = $zoe")
expect_eq "zoe's exports overlapping" "$overlaps" 0
beside=$(testdb_sql "SELECT COUNT(*) FROM export_requests a
    JOIN export_requests b ON a.user_id = $olga AND b.user_id = $zoe
    AND a.started_at < b.completed_at AND b.started_at < a.completed_at")
[ "$beside" -ge 1 ] || fail "olga's export waited for zoe's (the limit is per user)"

# --- daily quota: the third of the day is refused, with the reason.
testdb_sql "DELETE FROM export_audit_logs; DELETE FROM export_requests; DELETE FROM export_usage_stats"
worker_conf "$FERRY_CONFIG" "$tmp/store" 'worker: { poll_interval_ms = 100; }; requests: { pipeline = "'"$FERRY_SOURCE_DIR"'/conf/pipelines/timesheet.cfg"; daily_quota = 2; };'
sed -i '0,/^requests: {.*};$/{/^requests: { pipeline = "[^"]*"; };$/d}' "$FERRY_CONFIG"
for i in 1 2 3; do ops_request "$zoe" csv >/dev/null; done
"$FERRY" worker --once 2>"$tmp/q.log"
expect_eq "two completed" "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status = 'completed'")" 2
refused=$(testdb_sql "SELECT id FROM export_requests WHERE status = 'failed'")
[ -n "$refused" ] || fail "nothing refused"
"$FERRY" request show "$refused" >"$tmp/show"
grep -q "daily quota of 2 exports for this user is used up" "$tmp/show" || fail "no reason on the request: $(grep error_message "$tmp/show")"
expect_eq "refusal audited" "$(testdb_sql "SELECT JSON_VALUE(additional_data, '$.reason') FROM export_audit_logs WHERE export_request_id = '$refused' AND action = 'failed'")" "daily quota"

# --- a retry's next try, in request show and request list/show --json.
retry=$(ops_request "$zoe" csv "ferry_attempt = 1, error_message = 'source down',
    ferry_lease_expires_at = UTC_TIMESTAMP(6) + INTERVAL 1 HOUR")
"$FERRY" request show "$retry" | grep "^next try: attempt 2 at " >/dev/null || fail "request show: no next try"
"$FERRY" request show "$retry" --json | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["status"] == "pending" and d["next_try"].endswith("Z") and d["error_message"] == "source down", d
assert isinstance(d["audit"], list), d' || fail "request show --json"
expect_eq "request list --json" "$("$FERRY" request list --status pending --json | /usr/bin/python3 -c 'import json,sys; print([json.loads(l)["id"] for l in sys.stdin])')" "['$retry']"

# --- ferry stats: today's two exports for zoe.
"$FERRY" stats --user zoe --days 1 --json >"$tmp/stats"
/usr/bin/python3 - "$tmp/stats" <<'PY' || fail "stats: $(cat "$tmp/stats")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 1 and rows[0]["username"] == "zoe" and rows[0]["total"] == 2 and rows[0]["csv"] == 2, rows
assert rows[0]["records"] > 0 and rows[0]["bytes"] > 0, rows
PY
"$FERRY" stats --days 3 | grep "user $zoe (zoe)" >/dev/null || fail "stats text"
echo "steer test passed"
