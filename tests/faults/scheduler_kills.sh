#!/usr/bin/env bash
# scheduler_kills.sh — `ferry scheduler --once` SIGKILLed at seeded points
# (FAULT_SEED, default 1; FAULT_STEPS fire times, default 30; both printed)
# while it turns 24 export_schedules rows (eight patterns in six zones,
# Berlin's spring-forward among the fire times) and six recurring requests
# into requests, on an injected clock (--now) stepped a minute at a time
# from 2025-03-30 00:50 UTC. Each run goes through a proxy
# (tests/faults/stmt_hold.py) that stops it at a statement; each step's
# clock is run again, after every kill, until a run ends by itself. A run's
# point is, by the generator: none; the K-th statement of any kind (K up to
# a whole pass); or the k-th of a statement chosen by looking at what a
# fire runs — the run row inserted (before it), the request inserted, its
# audit row, the schedule's last_run/next_run update, a recurring
# request's next_run update, the COMMIT (killed before it reaches the
# server) — or the k-th COMMIT forwarded and its answer cut (the commit
# done, the scheduler never hears: it exits 5 and runs again); and once, at
# the middle fire time, the host of a run vanishes (its connection left
# open on the server, a schedule's row locked). Progress-
# and statement-driven, never timed. After every step: each (schedule,
# fire time) due so far has exactly one run row and one request, none
# missed, none doubled, and each recurring request as many copies as it
# had fire times. At the end: run_count, last_run and next_run of every
# schedule and the origins' next_run agree with the fire times; one
# 'created' audit row per request (a schedule's naming its fire time), none
# for a request that does not exist; every request a "fired" log line
# names exists.
# Prints "faults scheduler_kills: … N scheduler kills survived …".
# FAULT_KEEP=1 keeps the temp dir (logs, the proxy's statements) in
# /tmp/scheduler_kills-debug.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/lib/assert.sh"
. "$FERRY_SOURCE_DIR/tests/faults/hold_lib.sh"
SEED=${FAULT_SEED:-1}
STEPS=${FAULT_STEPS:-30}
echo "scheduler_kills: seed $SEED, $STEPS fire times"
hold_setup schedkills scheduler_kills
assert_on_fail() {
    tail -n 5 "$tmp/points" 2>/dev/null || true
    grep -E 'level=(error|warn)' "$tmp/sched.log" | tail -n 5 || true
}

hold_proxy
export FERRY_DATABASE_URL="mysql://ferry:ferry@127.0.0.1:$pport/$TESTDB_NAME"
export FERRY_CONFIG=$tmp/ferry.conf
echo 'scheduler: { timezone = "Europe/Berlin"; interval_seconds = 1; };' >"$FERRY_CONFIG"
testdb_migrate

# ---- the fixture and its fire times ------------------------------------
utc() { date -u -d "$1" '+%Y-%m-%d %H:%M:%S'; }
T0='2025-03-30 00:50:00'
TLAST=$(utc "$T0 UTC + $((STEPS - 1)) minutes")
testdb_sql "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name,
    email, is_staff, is_active, date_joined) VALUES (1, '', 0, 'alice', '', '', '', 0, 1, NOW(6));
  INSERT INTO export_templates (id, name, description, format, field_configuration,
    default_filters, layout_settings, is_public, usage_count, created_at, updated_at, user_id)
    VALUES ('t0000000000000000000000000000001', 't', '', 'csv', '{\"fields\": [\"date\"]}',
    '{\"date_range\": \"today\"}', '{}', 0, 0, NOW(6), NOW(6), 1);
  CREATE TABLE t_expected (sid CHAR(32), kind CHAR(1), fire DATETIME(6), KEY (sid, fire))"

# expected ID KIND PATTERN TZ: the pattern's fire times from T0 on (ferry's
# own cron, tested on its own in tests/cron), up to the first after TLAST.
expected() {
    "$FERRY" schedule next "$3" --timezone "$4" --from "${T0}Z" --count $((STEPS + 2)) |
        awk -v id="$1" -v k="$2" -v last="$TLAST" '/\(in UTC\)/ {
            t = $4 " " $5; print "INSERT INTO t_expected VALUES (\x27" id "\x27, \x27" k "\x27, \x27" t "\x27);"
            if (t > last) exit }' >>"$tmp/expected.sql"
}
patterns=('* * * * *|UTC' '*/2 * * * *|America/New_York' '*/3 * * * *|Europe/Berlin'
    '*/7 * * * *|Asia/Kolkata' '30 2 * * *|Europe/Berlin' '*/4 2,3 * * *|Europe/Berlin'
    '5-25 * * * *|Australia/Adelaide' '*/5 1 * * *|UTC')
SCHEDULES=$((${#patterns[@]} * 3))
for i in $(seq 1 "$SCHEDULES"); do
    p=${patterns[$(((i - 1) % ${#patterns[@]}))]}
    sid=$(printf 'a%031d' "$i")
    expected "$sid" s "${p%|*}" "${p#*|}"
    printf "INSERT INTO export_schedules (id, name, cron_pattern, timezone, email_recipients,
        include_download_link, attach_file, is_active, next_run, run_count, failure_count,
        created_at, updated_at, template_id, user_id) VALUES ('%s', 's%d', '%s', '%s', '[]', 1, 0,
        1, (SELECT MIN(fire) FROM t_expected WHERE sid = '%s'), 0, 0, NOW(6), NOW(6),
        't0000000000000000000000000000001', 1);\n" "$sid" "$i" "${p%|*}" "${p#*|}" "$sid" >>"$tmp/rows.sql"
done
origins=('* * * * *' '*/2 * * * *' '*/3 * * * *' '30 2 * * *' '*/5 * * * *' '*/4 3 * * *')
for i in $(seq 1 ${#origins[@]}); do
    oid=$(printf 'o%031d' "$i")
    expected "$oid" r "${origins[$((i - 1))]}" Europe/Berlin
    printf "INSERT INTO export_requests (id, title, description, format, filters, selected_fields,
        status, progress_percentage, error_message, file_path, download_url, download_count,
        is_scheduled, schedule_pattern, next_run, created_at, updated_at, template_id, user_id)
        VALUES ('%s', 'r%d', '', 'csv', '{\"date_range\": \"today\"}', '[]', 'pending', 0, '', '',
        '', 0, 1, '%s', (SELECT MIN(fire) FROM t_expected WHERE sid = '%s'), NOW(6), NOW(6),
        't0000000000000000000000000000001', 1);\n" "$oid" "$i" "${origins[$((i - 1))]}" "$oid" >>"$tmp/rows.sql"
done
testdb_sql "$(cat "$tmp/expected.sql" "$tmp/rows.sql")"

# ---- kills -------------------------------------------------------------
named=('^INSERT IGNORE INTO ferry_schedule_runs' '^INSERT INTO export_requests \(id, user_id'
    '^INSERT INTO export_requests \(id, title' '^INSERT INTO export_audit_logs'
    '^UPDATE export_schedules SET last_run' '^UPDATE export_requests SET next_run' '^COMMIT')
# pick: the next run's point, in $point (RANDOM here, never in a subshell:
# the sequence must be the seed's).
pick() {
    local r=$((RANDOM % 10)) whole
    whole=$(tail -n 1 "$ctl/connections.log" 2>/dev/null || echo 100)
    [ "$whole" -ge 30 ] || whole=30
    if [ $r -lt 3 ]; then
        point=off
    elif [ $r -lt 6 ]; then
        point="hold $((RANDOM % (whole - 10) + 1)) $hold_any"
    elif [ $r -lt 9 ]; then
        point="hold $((RANDOM % 3 + 1)) ${named[$((RANDOM % ${#named[@]}))]}"
    else
        point="cut $((RANDOM % 3 + 1)) ^COMMIT"
    fi
}

RANDOM=$SEED
kills=0 cuts=0 runs=0
# run_at T: runs at clock T until a run ends by itself.
run_at() {
    local held
    while :; do
        runs=$((runs + 1))
        pick
        rm -f "$ctl/held"
        arm "$point"
        "$FERRY" scheduler --once --now "$1" 2>>"$tmp/sched.log" &
        local p=$!
        if ! held_or_ended "$p"; then
            expect_exit "run $runs at $1 ($point) ends by itself" "$p" 0
            return 0
        fi
        held=$(cat "$ctl/held")
        echo "$1 run $runs: $held" >>"$tmp/points"
        stop_held "run $runs at $1" "$p" "the pass fails"
    done
}

# vanish_at T: a run at T whose host vanishes (powered off, cut off) just
# before it moves a schedule's next_run: its connection stays open on the
# server, the schedule's row locked, so other runs skip that schedule
# (SKIP LOCKED). The server ends the connection once it has been idle for
# the session's wait_timeout, which the scheduler sets to 2 ×
# scheduler.interval_seconds + 5 (7 s here; 8 hours, the server's default,
# before): waited for (some 90 s at most), then T is run again as usual.
vanish_at() {
    rm -f "$ctl/held"
    arm "vanish 1 ^UPDATE export_schedules SET last_run"
    "$FERRY" scheduler --once --now "$1" 2>>"$tmp/sched.log" &
    local p=$!
    held_or_ended "$p" || fail "the vanishing run at $1 never reached its point"
    kill -KILL "$p"
    expect_exit "the run at $1 whose host vanishes" "$p" 137
    echo "$1 run 0: $(cat "$ctl/held")" >>"$tmp/points"
    arm off
    gone 3000
    pass "the vanished run's connection ended by the server, its transaction rolled back"
    kills=$((kills + 1))
}

# The state so far against the fire times up to T, in one query: fire
# times with no run, runs at no fire time (or past T), schedules whose
# requests are not their runs, recurring requests with another number of
# copies than fire times.
state_at() {
    testdb_sql "SELECT
      (SELECT COUNT(*) FROM t_expected e WHERE e.kind = 's' AND e.fire <= '$1' AND NOT EXISTS
         (SELECT 1 FROM ferry_schedule_runs r WHERE r.schedule_id = e.sid AND r.fire_time = e.fire)),
      (SELECT COUNT(*) FROM ferry_schedule_runs r WHERE r.fire_time > '$1' OR NOT EXISTS
         (SELECT 1 FROM t_expected e WHERE e.sid = r.schedule_id AND e.fire = r.fire_time)),
      (SELECT COUNT(*) FROM export_schedules s WHERE
         (SELECT COUNT(*) FROM export_requests q WHERE q.ferry_schedule_id = s.id) <>
         (SELECT COUNT(*) FROM ferry_schedule_runs r JOIN export_requests q ON q.id = r.request_id
            AND q.ferry_schedule_id = r.schedule_id WHERE r.schedule_id = s.id)),
      (SELECT COUNT(*) FROM export_requests o WHERE o.id LIKE 'o%' AND
         (SELECT COUNT(*) FROM export_requests q WHERE q.ferry_origin_id = o.id) <>
         (SELECT COUNT(*) FROM t_expected e WHERE e.sid = o.id AND e.fire <= '$1'))" | tr '\t' ' '
}

for s in $(seq 0 $((STEPS - 1))); do
    T=$(utc "$T0 UTC + $s minutes")
    [ "$s" != $((STEPS / 2)) ] || vanish_at "$T"
    run_at "$T"
    got=$(state_at "$T")
    [ "$got" = "0 0 0 0" ] ||
        fail "after $T: missed fire times, runs at no fire time, schedules with other requests than runs, recurring requests with a wrong count: $got"
done
pass "after each of $STEPS fire times: every (schedule, fire time) due has one run and one request, none missed or doubled"

# ---- the end state -------------------------------------------------------
made=$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE ferry_schedule_id IS NOT NULL OR ferry_origin_id IS NOT NULL")
check "requests made = fire times" "$made" \
    "$(testdb_sql "SELECT COUNT(*) FROM t_expected WHERE fire <= '$TLAST'")"
check "schedules: run_count, last_run, next_run agree with the fire times" "$(testdb_sql "SELECT COUNT(*)
    FROM export_schedules s WHERE s.failure_count <> 0
    OR s.run_count <> (SELECT COUNT(*) FROM t_expected e WHERE e.sid = s.id AND e.fire <= '$TLAST')
    OR NOT (s.last_run <=> (SELECT MAX(fire) FROM t_expected e WHERE e.sid = s.id AND e.fire <= '$TLAST'))
    OR s.next_run <> (SELECT MIN(fire) FROM t_expected e WHERE e.sid = s.id AND e.fire > '$TLAST')")" 0
check "recurring requests: next_run after the last fire time" "$(testdb_sql "SELECT COUNT(*)
    FROM export_requests o WHERE o.id LIKE 'o%'
    AND NOT (o.next_run <=> (SELECT MIN(fire) FROM t_expected e WHERE e.sid = o.id AND e.fire > '$TLAST'))")" 0
check "one 'created' audit row per request made" "$(testdb_sql "SELECT COUNT(*), COUNT(DISTINCT export_request_id)
    FROM export_audit_logs WHERE action = 'created'")" "$made	$made"
check "no audit row for a request that does not exist" "$(testdb_sql "SELECT COUNT(*) FROM export_audit_logs a
    WHERE NOT EXISTS (SELECT 1 FROM export_requests q WHERE q.id = a.export_request_id)")" 0
check "a schedule's audit row names its run's schedule and fire time" "$(testdb_sql "SELECT COUNT(*)
    FROM ferry_schedule_runs r JOIN export_audit_logs a ON a.export_request_id = r.request_id
    WHERE a.action = 'created' AND JSON_VALUE(a.additional_data, '\$.schedule_id') = r.schedule_id
    AND JSON_VALUE(a.additional_data, '\$.fire_time') = DATE_FORMAT(r.fire_time, '%Y-%m-%d %H:%i:%s')")" \
    "$(testdb_sql "SELECT COUNT(*) FROM ferry_schedule_runs")"
check "a copy's audit row names its origin" "$(testdb_sql "SELECT COUNT(*) FROM export_requests q
    JOIN export_audit_logs a ON a.export_request_id = q.id AND a.action = 'created'
    WHERE JSON_VALUE(a.additional_data, '\$.origin_id') = q.ferry_origin_id")" \
    "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE ferry_origin_id IS NOT NULL")"
check "every request pending" "$(testdb_sql "SELECT DISTINCT status FROM export_requests
    WHERE ferry_schedule_id IS NOT NULL OR ferry_origin_id IS NOT NULL")" pending
# The log says "fired" only of what was made: a run killed before its
# COMMIT (or whose COMMIT failed) made nothing.
grep -oE 'msg="(schedule|recurring request) fired".*request_id=[0-9a-f]{32}' "$tmp/sched.log" |
    grep -oE '[0-9a-f]{32}$' | sort -u >"$tmp/logged"
testdb_sql "SELECT id FROM export_requests" | sort >"$tmp/made"
check "requests the log says were made that do not exist" "$(comm -23 "$tmp/logged" "$tmp/made" | wc -l)" 0
check "no error logged" "$(grep -c 'level=error' "$tmp/sched.log" || true)" 0
echo "points where runs stopped (mode, statement):"
awk '{ print "  " $5, $6, $7, $8, $9 }' "$tmp/points" | sort | uniq -c | sort -rn
echo "faults scheduler_kills: seed $SEED, $kills scheduler kills survived, $cuts faults injected (COMMIT answers lost), $made requests made once over $STEPS fire times ($SCHEDULES schedules, ${#origins[@]} recurring requests, $runs runs)"
assert_done
