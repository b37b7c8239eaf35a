#!/usr/bin/env bash
# site_pipeline.sh — the site's own request pipeline (requests.pipeline, a
# file the operator owns) broken while `ferry worker` runs: requests are
# the users' data and not to blame, so they wait as pending, their attempts
# not used, tried again whenever the file changes (more tries here than
# worker.max_attempts: edits that leave it broken); the worker logs the
# file's error once (file:line), not once per request and try, and counts
# ferry_exports_total{outcome="deferred_config"}. Fixed, with no restart,
# each request completes exactly once (attempt 1, one artifact, one
# 'completed' audit row) and the worker says the file works again. Errors
# that are a request's own — a filter on a field that is not filterable, an
# unknown field, an unknown format — still fail it with their message.
#   1. a syntax error (the file no longer parses);
#   2. a typo in its query (the source refuses it: the run fails, and the
#      file's query by itself is what the server refuses).
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
worker_test_setup sitepipe
worker_mode real
store=$tmp/store
mkdir -p "$store"
pipeline=$tmp/timesheet.cfg
cp "$FERRY_SOURCE_DIR/conf/pipelines/timesheet.cfg" "$pipeline"
cp "$pipeline" "$tmp/good.cfg"
export WORKER_PIPELINE=$pipeline FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$store" \
    'worker: { max_attempts = 3; retry_delay_seconds = 1; poll_interval_ms = 100; };'
worker_migrate
worker_fixture 1
zoe=$(testdb_sql "SELECT id FROM auth_user WHERE username = 'zoe'")
mport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
waited() {
    /usr/bin/python3 "$FERRY_SOURCE_DIR/tests/ops/prom.py" "http://127.0.0.1:$mport/metrics" \
        ferry_exports_total outcome=deferred_config
}
# new_request [FORMAT]: one more pending request of zoe's; prints its id.
new_request() {
    local before
    before=$(testdb_sql "SELECT COALESCE(GROUP_CONCAT(id), '') FROM export_requests")
    worker_requests "$zoe" 1 "${1:-csv}"
    testdb_sql "SELECT id FROM export_requests WHERE FIND_IN_SET(id, '$before') = 0"
}
status() { testdb_sql "SELECT status, ferry_attempt FROM export_requests WHERE id = '$1'"; }
message() { testdb_sql "SELECT error_message FROM export_requests WHERE id = '$1'"; }
errors_naming() { grep 'level=error' "$tmp/w.log" | grep -c "$1" || true; }
# waits N: N more requests waited on the site's configuration than before
# (n_waited: the count so far), then it sets n_waited anew.
n_waited=0
waits() {
    local want=$((n_waited + $1))
    for _ in $(seq 1 1200); do
        [ "$(waited)" -ge "$want" ] && break
        sleep 0.1
    done
    n_waited=$(waited)
    [ "$n_waited" -ge "$want" ] || fail "waited $n_waited times, want $want"
}
# edit_broken: the broken file changes and stays broken (a comment added).
edit_broken() { echo "# still broken $RANDOM" >>"$pipeline"; }
# completed_once ID [EXT]: attempt 1, one artifact of it, one 'completed'
# audit row.
completed_once() {
    wait_for "SELECT status FROM export_requests WHERE id = '$1'" completed
    expect_eq "$1: one real attempt" "$(status "$1")" "completed	1"
    expect_eq "$1: one artifact, attempt 1's" "$(visible_files "$store" | grep "^$1-")" \
        "$1-1.${2:-csv}"
    expect_eq "$1: one completed audit row" "$(testdb_sql "SELECT COUNT(*) FROM export_audit_logs
        WHERE export_request_id = '$1' AND action = 'completed'")" 1
}

"${WORKER[@]}" --concurrency 2 --metrics-listen "127.0.0.1:$mport" 2>"$tmp/w.log" &
w=$!
first=$(testdb_sql "SELECT id FROM export_requests")
completed_once "$first"

# 1. A syntax error on line 7 of the site's pipeline.
sed -i '7i this is not libconfig' "$pipeline"
good1=$(new_request)
good2=$(new_request json)
badfilter=$(new_request)
testdb_sql "UPDATE export_requests SET filters = '{\"description\": \"x\"}' WHERE id = '$badfilter'"
badfield=$(new_request)
testdb_sql "UPDATE export_requests SET selected_fields = '[\"nope\"]' WHERE id = '$badfield'"
badformat=$(new_request xml)
# Its own error, found before the pipeline is read: failed at once.
wait_for "SELECT status FROM export_requests WHERE id = '$badformat'" failed
expect_match "an unknown format still fails, with its message" "$(message "$badformat")" \
    'unknown format "xml"'
# Four requests waiting, then tried again at each change of the file: more
# tries than max_attempts each.
waits 4
for _ in 1 2 3; do
    edit_broken
    waits 4
done
for id in "$good1" "$good2" "$badfilter" "$badfield"; do
    expect_eq "$id: waits as pending, no attempt used" "$(status "$id")" "pending	0"
    expect_match "$id: its message names the file and line" "$(message "$id")" \
        "^waiting for the site's configuration to be fixed: $pipeline:7: "
done
expect_eq "waits counted (ferry_exports_total{outcome=\"deferred_config\"})" "$(waited)" 16
expect_eq "one error line for the broken file, whatever the tries" \
    "$(errors_naming "$pipeline:7")" 1
expect_eq "no line per request and try" \
    "$(grep -c "request will be retried\|request waits" "$tmp/w.log" || true)" 0
expect_eq "one claim line for each (a waiting request's claims are not logged)" \
    "$(grep "level=info.*claimed request" "$tmp/w.log" | grep -c "$good1")" 1
expect_eq "nothing visible in the store but the first artifact" "$(visible_files "$store")" \
    "$first-1.csv"
kill -0 "$w" || fail "the worker died while its pipeline was broken"

# Fixed: no restart.
cp "$tmp/good.cfg" "$pipeline"
completed_once "$good1"
completed_once "$good2" json
wait_for "SELECT status FROM export_requests WHERE id = '$badfilter'" failed
expect_match "a filter on a field that is not filterable fails, with its message" \
    "$(message "$badfilter")" 'filtering on "description" is not allowed'
expect_eq "its one attempt" "$(status "$badfilter")" "failed	1"
wait_for "SELECT status FROM export_requests WHERE id = '$badfield'" failed
expect_match "an unknown field fails, with its message" "$(message "$badfield")" \
    'unknown field "nope"'
expect_eq "its one attempt" "$(status "$badfield")" "failed	1"
check "the worker says the file works again" \
    "$(grep -c "level=info.*configuration works again.*pipeline=$pipeline" "$tmp/w.log" || true)" 1

# 2. A typo in its query: the run fails, the source refuses the file's query.
sed -i 's|^  query = "SELECT e.id|  query = "SELEC e.id|' "$pipeline"
typo=$(new_request)
waits 1
for _ in 1 2 3; do
    edit_broken
    waits 1
done
expect_eq "the query's typo: waits as pending, no attempt used" "$(status "$typo")" "pending	0"
expect_match "its message names the query's line" "$(message "$typo")" \
    "^waiting for the site's configuration to be fixed: $pipeline:11: source-mysql: .*SQL syntax"
expect_eq "one error line for it" "$(errors_naming "$pipeline:11: source-mysql")" 1
cp "$tmp/good.cfg" "$pipeline"
completed_once "$typo"

kill -TERM "$w"
expect_exit "worker" "$w" 0
expect_eq "audit rows" "$(testdb_sql "SELECT action, COUNT(*) FROM export_audit_logs GROUP BY action ORDER BY action" | tr '\n' ' ')" "completed	4 failed	3 started	7 "
expect_eq "artifacts" "$(visible_files "$store" | wc -l)" 4

# 3. By hand, the file broken: `ferry request run` gives the request back
# (exit 3), `ferry worker --once` leaves it waiting and exits 3; fixed, it
# completes.
sed -i '7i this is not libconfig' "$pipeline"
late=$(new_request)
rc=0
"$FERRY" request run "$late" >/dev/null 2>"$tmp/run.err" || rc=$?
expect_eq "request run: exit code" "$rc" 3
expect_match "request run: why" "$(cat "$tmp/run.err")" \
    "the site's configuration is broken; the request stays pending: $pipeline:7: "
expect_eq "request run: still pending" "$(status "$late" | cut -f1)" pending
rc=0
"$FERRY" worker --once 2>"$tmp/once.log" || rc=$?
expect_eq "worker --once: exit code" "$rc" 3
expect_eq "worker --once: waits, no attempt used" "$(status "$late")" "pending	1"
cp "$tmp/good.cfg" "$pipeline"
"$FERRY" worker --once 2>"$tmp/once.log" || fail "worker --once: $(tail -n 3 "$tmp/once.log")"
expect_eq "fixed: completed by its second attempt" "$(status "$late")" "completed	2"
assert_done
