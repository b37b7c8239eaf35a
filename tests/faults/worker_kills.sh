#!/usr/bin/env bash
# worker_kills.sh — `ferry worker` SIGKILLed at KILLS points (FAULT_KILLS,
# default 20) chosen by a seeded generator (FAULT_SEED, default 1; both
# printed) while it works through REQUESTS pending requests (FAULT_REQUESTS,
# default 60; 4 more whenever fewer than 4 are left before a kill or
# none while waiting for a point) (real pipeline,
# the demo data set, exports slowed by the test plugin filter-slow), and
# restarted after every kill. A point is one of, by the generator:
#   done K   — once K more requests have completed (K in 1..3);
#   staged   — once a staging file exists in the store (mid-export: made
#              when the export starts, written as its batches come);
#   claimed  — once one more 'started' audit row exists (just after a claim).
# Progress-driven, never timed. After every kill, each file a user could see
# in the store is a whole export (its CSV records = the user's time entries).
# At the end (a last worker, then `ferry expire`): every request completed
# exactly once — one 'completed' audit row, one artifact, file_path naming
# an existing file — and no file in the store that no request names.
# Prints "faults: N worker kills survived, M requests completed once".
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
KILLS=${FAULT_KILLS:-20}
SEED=${FAULT_SEED:-1}
REQUESTS=${FAULT_REQUESTS:-60}
echo "worker_kills: seed $SEED, $KILLS kills, $REQUESTS requests"
testdb_create wkills
tmp=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"; testdb_drop' EXIT
store=$tmp/store
mkdir -p "$store"
# slow.cfg with shorter pauses: an export takes a few batches of 30 ms.
sed 's/ms_per_batch = 200/ms_per_batch = 30/' "$FERRY_SOURCE_DIR/tests/worker/slow.cfg" >"$tmp/pipeline.cfg"
export WORKER_PIPELINE=$tmp/pipeline.cfg
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$store" 'worker: { lease_seconds = 1; poll_interval_ms = 50; max_attempts = 1000;
    retry_delay_seconds = 0; };'
sed -i 's/retention_days = 7;/retention_days = 7; orphan_grace_seconds = 0;/' "$FERRY_CONFIG"
worker_migrate
worker_mode real
worker_fixture "$REQUESTS" 800
[ "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status = 'pending'")" = "$REQUESTS" ] ||
    fail "fixture: $REQUESTS pending requests wanted"

completed() { testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status = 'completed'"; }
started() { testdb_sql "SELECT COUNT(*) FROM export_audit_logs WHERE action = 'started'"; }
# staged: a staging file made since this worker started (a killed worker's
# leftovers stay until `ferry expire`). Not "with data": format-csv writes
# in 64 KiB blocks, so a short export's bytes land just before the rename,
# a window a 10 ms poll can miss on a loaded machine.
staged() { [ -n "$(find "$store" -type f -name '.ferry-stage-*' -newer "$tmp/mark" -print -quit 2>/dev/null)" ]; }

# whole_files WHEN: every visible file in the store is a whole export.
whole_files() {
    local f id want got
    while IFS= read -r f; do
        [ -n "$f" ] || continue
        id=$(basename "$f" | grep -oE '^[0-9a-f]{32}') || fail "$1: unexpected file $f"
        want=$(testdb_sql "SELECT COUNT(*) FROM tracking_timeentry WHERE user_id =
            (SELECT user_id FROM export_requests WHERE id = '$id')")
        got=$(/usr/bin/python3 -c 'import csv, sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline="", encoding="utf-8-sig"))) - 1)' "$store/$f")
        [ "$got" = "$want" ] || fail "$1: $f holds $got records, want $want (a partial file is visible)"
    done < <(visible_files "$store")
}

RANDOM=$SEED
kills=0 added=0
kinds=(done staged claimed)
for i in $(seq 1 "$KILLS"); do
    # Work enough for any point: 4 more requests when fewer are left.
    left=$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status <> 'completed'")
    if [ "$left" -lt 4 ]; then
        worker_requests "$(testdb_sql "SELECT user_id FROM export_requests LIMIT 1")" 4
        added=$((added + 4))
    fi
    kind=${kinds[$((RANDOM % 3))]}
    k=$((RANDOM % 3 + 1))
    c0=$(completed) s0=$(started)
    touch "$tmp/mark"
    "${WORKER[@]}" --concurrency 2 2>>"$tmp/w$i.log" &
    w=$!
    reached=
    for _ in $(seq 1 3000); do
        kill -0 "$w" 2>/dev/null || break
        case $kind in
            done) [ "$(completed)" -ge $((c0 + k)) ] && reached=1 ;;
            staged) staged && reached=1 ;;
            claimed) [ "$(started)" -gt "$s0" ] && reached=1 ;;
        esac
        [ -n "$reached" ] && break
        # the queue ran dry before the point: more work (the point stays the same)
        if [ "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status <> 'completed'")" = 0 ]; then
            worker_requests "$(testdb_sql "SELECT user_id FROM export_requests LIMIT 1")" 4
            added=$((added + 4))
        fi
        sleep 0.01
    done
    kill -KILL "$w" 2>/dev/null || true
    point=$kind
    [ "$kind" = done ] && point="done $k"
    expect_exit "kill $i ($point): worker killed" "$w" 137
    [ -n "$reached" ] || fail "kill $i: the point ($kind) was never reached"
    kills=$((kills + 1))
    whole_files "after kill $i"
done
REQUESTS=$((REQUESTS + added))
echo "after $kills kills: $(completed) of $REQUESTS completed ($added added on the way)"

# A last worker finishes the rest (the dead workers' leases run out).
"${WORKER[@]}" --concurrency 2 2>"$tmp/last.log" &
w=$!
wait_for "SELECT COUNT(*) FROM export_requests WHERE status = 'completed'" "$REQUESTS" 120
kill -TERM "$w"
expect_exit "last worker" "$w" 0
"$FERRY" expire >"$tmp/expire.out" 2>&1 || fail "ferry expire: $(cat "$tmp/expire.out")"

expect_eq "every request completed" "$(testdb_sql "SELECT status, COUNT(*) FROM export_requests GROUP BY status")" "completed	$REQUESTS"
expect_eq "one 'completed' audit row per request" \
    "$(testdb_sql "SELECT COUNT(*), COUNT(DISTINCT export_request_id) FROM export_audit_logs WHERE action = 'completed'")" \
    "$REQUESTS	$REQUESTS"
named_files "$store" >"$tmp/named"
visible_files "$store" >"$tmp/found"
expect_eq "distinct file paths" "$(sort -u "$tmp/named" | wc -l)" "$REQUESTS"
while IFS= read -r f; do
    [ -s "$store/$f" ] || fail "file_path $f names no file"
done <"$tmp/named"
cmp -s "$tmp/named" "$tmp/found" || fail "files in the store no request names (orphans after ferry expire): $(comm -13 "$tmp/named" "$tmp/found" | head -3 | tr '\n' ' ')"
pass "no orphan artifacts after ferry expire"
expect_eq "staging leftovers after ferry expire" "$(find "$store" -name '.ferry-*' | wc -l)" 0
whole_files "at the end"
pass "every artifact whole"
retried=$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE ferry_attempt > 1")
echo "faults: $kills worker kills survived, $REQUESTS requests completed once (seed $SEED, $retried taken over after a kill)"
assert_done
