#!/usr/bin/env bash
# test_scheduler.sh — `ferry scheduler` against the real MariaDB with an
# injected clock (--now): schedules across both 2025 DST changes in
# Europe/Berlin, a weekday schedule across a week, missed ticks firing once,
# relative date ranges resolved into the request, invalid patterns and time
# zones counted and skipped until the row changes, the unique run key
# stopping a second request for one tick, pending migrations refused.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"

testdb_create sched
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; testdb_drop' EXIT
export FERRY_CONFIG=$tmp/ferry.conf
echo 'scheduler: { interval_seconds = 1; };' >"$FERRY_CONFIG"

. "$FERRY_SOURCE_DIR/tests/lib/assert.sh"

# A database with pending migrations: the scheduler refuses to start.
set +e
"$FERRY" scheduler --once 2>"$tmp/refuse.err"
rc=$?
set -e
check "refuses to start with pending migrations (exit 5)" "$rc" 5
check "says migrations are pending" "$(grep -c 'pending migration' "$tmp/refuse.err")" 1

testdb_migrate

tick() { # tick UTC-TIME: one scheduler pass at that clock
    "$FERRY" scheduler --once --now "$1" 2>>"$tmp/scheduler.log"
}

testdb_sql "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name,
    email, is_staff, is_active, date_joined) VALUES
    (1, '', 0, 'alice', '', '', 'alice@example.com', 0, 1, NOW(6)),
    (2, '', 0, 'bob', '', '', 'bob@example.com', 0, 1, NOW(6))"

template() { # template ID USER FORMAT FIELD_CONFIGURATION DEFAULT_FILTERS
    testdb_sql "INSERT INTO export_templates (id, name, description, format, field_configuration,
        default_filters, layout_settings, is_public, usage_count, last_used, created_at,
        updated_at, user_id) VALUES ('$1', 'tpl $1', '', '$3', '$4', '$5', '{}', 0, 0, NULL,
        NOW(6), NOW(6), $2)"
}
schedule() { # schedule ID USER TEMPLATE NAME PATTERN TZ NEXT_RUN [ACTIVE]
    testdb_sql "INSERT INTO export_schedules (id, name, cron_pattern, timezone, email_recipients,
        include_download_link, attach_file, is_active, last_run, next_run, run_count,
        failure_count, created_at, updated_at, template_id, user_id) VALUES ('$1', '$4', '$5',
        '$6', '[]', 1, 0, ${8:-1}, NULL, '$7', 0, 0, NOW(6) - INTERVAL 1 SECOND,
        NOW(6) - INTERVAL 1 SECOND, '$3', $2)"
}
fires() { # fires SCHEDULE: its requests' fire times (from the runs table), one line each
    testdb_sql "SELECT DATE_FORMAT(r.fire_time, '%Y-%m-%d %H:%i:%s') FROM ferry_schedule_runs r
        JOIN export_requests q ON q.id = r.request_id AND q.ferry_schedule_id = r.schedule_id
        WHERE r.schedule_id = '$1' ORDER BY r.fire_time" | paste -sd, -
}
state() { # state SCHEDULE: run_count failure_count last_run next_run
    testdb_sql "SELECT run_count, failure_count, IFNULL(DATE_FORMAT(last_run, '%Y-%m-%d %H:%i'), '-'),
        DATE_FORMAT(next_run, '%Y-%m-%d %H:%i:%s') FROM export_schedules WHERE id = '$1'" | tr '\t' ' '
}

T1=11111111111111111111111111111111 # weekly report: last week's entries, some fields
T2=22222222222222222222222222222222 # plain JSON, no fields
template $T1 1 csv '{"fields": ["date", "project", "duration"], "headers": ["D", "P", "H"]}' \
    '{"date_range": "previous_week", "project": [3, 4]}'
template $T2 2 json '{}' '{}'
T3=33333333333333333333333333333333 # an unknown relative range
template $T3 1 csv '{}' '{"date_range": "fortnight_ago"}'

BER=a0000000000000000000000000000001 # 30 2 * * * in Berlin, across spring forward
WEEK=a0000000000000000000000000000002 # Mondays 08:00 Berlin, previous week
BADPAT=a0000000000000000000000000000003
BADTZ=a0000000000000000000000000000004
OFF=a0000000000000000000000000000005 # inactive
BADTPL=a0000000000000000000000000000006
schedule $BER 2 $T2 "Nightly" '30 2 * * *' Europe/Berlin '2025-03-29 01:30:00'
schedule $WEEK 1 $T1 "Weekly hours" '0 8 * * mon' Europe/Berlin '2025-03-31 06:00:00'
schedule $BADPAT 1 $T2 "Broken pattern" '61 * * * *' UTC '2025-03-01 00:00:00'
schedule $BADTZ 1 $T2 "Broken zone" '0 * * * *' 'Mars/Olympus_Mons' '2025-03-01 00:00:00'
schedule $OFF 1 $T2 "Off" '* * * * *' UTC '2025-03-01 00:00:00' 0
schedule $BADTPL 1 $T3 "Bad range" '0 3 * * *' UTC '2025-03-29 03:00:00'

# --- spring forward: 2025-03-30 02:00 CET -> 03:00 CEST ----------------------
tick '2025-03-29 01:29:59'
check "nothing before next_run" "$(fires $BER)" ""
tick '2025-03-29 01:30:00'
check "fires at 02:30 CET" "$(fires $BER)" "2025-03-29 01:30:00"
check "next run is the transition (03:00 CEST)" "$(state $BER)" "1 0 2025-03-29 01:30 2025-03-30 01:00:00"
tick '2025-03-29 01:31:00'
tick '2025-03-30 00:59:59'
check "no second request for the same tick" "$(fires $BER)" "2025-03-29 01:30:00"
tick '2025-03-30 01:00:00'
tick '2025-03-30 01:30:00'
check "fires once on the spring-forward day, at 03:00 CEST" "$(fires $BER)" \
    "2025-03-29 01:30:00,2025-03-30 01:00:00"
check "then 02:30 CEST" "$(state $BER)" "2 0 2025-03-30 01:00 2025-03-31 00:30:00"

check "invalid pattern counted once" "$(state $BADPAT | cut -d' ' -f1,2)" "0 1"
check "invalid zone counted once" "$(state $BADTZ | cut -d' ' -f1,2)" "0 1"
check "invalid schedules marked" \
    "$(testdb_sql "SELECT COUNT(*) FROM export_schedules WHERE ferry_invalid_at IS NOT NULL")" 2
check "invalid pattern logged with its schedule id" \
    "$(grep -c "level=error.*schedule is invalid.*61 is out of range 0-59.*schedule_id=$BADPAT" "$tmp/scheduler.log")" 1
check "invalid zone logged with its schedule id" \
    "$(grep -c "level=error.*unknown time zone.*schedule_id=$BADTZ" "$tmp/scheduler.log")" 1
check "bad template range counts a failure per tick, skipping it" "$(state $BADTPL)" \
    "0 1 - 2025-03-30 03:00:00"
check "bad template range logged" \
    "$(grep -c "unknown date range \\\\\"fortnight_ago\\\\\".*schedule_id=$BADTPL" "$tmp/scheduler.log")" 1
check "inactive schedule never fires" "$(state $OFF)" "0 0 - 2025-03-01 00:00:00"

# --- Monday 08:00 CEST: the weekly report and a missed nightly -------------
tick '2025-03-31 06:00:00'
check "missed nightly ticks fire once (the latest)" "$(fires $BER)" \
    "2025-03-29 01:30:00,2025-03-30 01:00:00,2025-03-31 00:30:00"
check "weekly fires" "$(fires $WEEK)" "2025-03-31 06:00:00"
check "weekly next run" "$(state $WEEK)" "1 0 2025-03-31 06:00 2025-04-07 06:00:00"
WREQ=$(testdb_sql "SELECT id FROM export_requests WHERE ferry_schedule_id = '$WEEK'")
check "weekly request" "$(testdb_sql "SELECT user_id, title, description, format, template_id,
    filters, DATE_FORMAT(date_range_start, '%Y-%m-%d %H:%i:%s'),
    DATE_FORMAT(date_range_end, '%Y-%m-%d %H:%i:%s'), selected_fields, status,
    progress_percentage, error_message, file_path, download_url, download_count, is_scheduled,
    schedule_pattern, DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s'), file_size IS NULL
    FROM export_requests WHERE id = '$WREQ'")" \
    "$(printf '1\tWeekly hours (2025-03-31 08:00 CEST)\t\tcsv\t%s\t{"project":[3,4]}\t2025-03-23 23:00:00\t2025-03-30 22:00:00\t["date","project","duration"]\tpending\t0\t\t\t\t0\t1\t0 8 * * mon\t2025-03-31 06:00:00\t1' $T1)"
check "nightly request without a range" "$(testdb_sql "SELECT COUNT(*) FROM export_requests
    WHERE ferry_schedule_id = '$BER' AND user_id = 2 AND format = 'json' AND filters = '{}'
    AND selected_fields = '[]' AND date_range_start IS NULL AND is_scheduled = 1
    AND title = 'Nightly (2025-03-30 03:00 CEST)'")" 1

# --- autumn: 2025-10-26 03:00 CEST -> 02:00 CET, 02:30 happens twice ----------
testdb_sql "UPDATE export_schedules SET is_active = 0 WHERE id IN ('$WEEK', '$BADTPL')"
testdb_sql "UPDATE export_schedules SET next_run = '2025-10-25 00:30:00' WHERE id = '$BER'"
tick '2025-10-25 00:30:00'
tick '2025-10-26 00:30:00'
tick '2025-10-26 01:30:00' # the second 02:30: no run
check "after the first 02:30" "$(state $BER)" "5 0 2025-10-26 00:30 2025-10-27 01:30:00"
tick '2025-10-27 01:30:00'
check "fires once at the first 02:30 on the fall-back day" "$(fires $BER | tr ',' '\n' | tail -3 | paste -sd, -)" \
    "2025-10-25 00:30:00,2025-10-26 00:30:00,2025-10-27 01:30:00"

# --- 0 9 * * 1-5 across a week ---------------------------------------------
testdb_sql "UPDATE export_schedules SET is_active = 0 WHERE id = '$BER'"
WD=a0000000000000000000000000000007
schedule $WD 1 $T2 "Weekdays" '0 9 * * 1-5' Europe/Berlin '2025-06-09 07:00:00'
for day in 07 08 09 10 11 12 13 14 15; do
    tick "2025-06-$day 06:59:59"
    tick "2025-06-$day 07:00:00"
    tick "2025-06-$day 12:00:00"
done
check "weekdays fire Monday to Friday at 09:00 CEST" "$(fires $WD)" \
    "2025-06-09 07:00:00,2025-06-10 07:00:00,2025-06-11 07:00:00,2025-06-12 07:00:00,2025-06-13 07:00:00"
check "weekdays next run is the next Monday" "$(state $WD)" "5 0 2025-06-13 07:00 2025-06-16 07:00:00"

# --- an invalid schedule is retried once its row changes --------------------
tick '2025-06-16 06:00:00'
check "still skipped while unchanged" "$(state $BADPAT | cut -d' ' -f1,2)" "0 1"
testdb_sql "UPDATE export_schedules SET cron_pattern = '0 6 * * *', updated_at = NOW(6) + INTERVAL 1 SECOND WHERE id = '$BADPAT'"
tick '2025-06-16 06:00:00'
check "fixed pattern fires after the edit" "$(fires $BADPAT)" "2025-06-16 06:00:00"
check "fixed schedule moves on" "$(state $BADPAT)" "1 1 2025-06-16 06:00 2025-06-17 06:00:00"
check "the other invalid one is still skipped" "$(state $BADTZ | cut -d' ' -f1,2)" "0 1"

# --- the run key: a stale next_run cannot make a second request -------------
testdb_sql "UPDATE export_schedules SET next_run = '2025-06-16 06:00:00' WHERE id = '$BADPAT'"
tick '2025-06-16 06:30:00'
check "unique (schedule, fire time) stops a duplicate" "$(fires $BADPAT)" "2025-06-16 06:00:00"
check "duplicate moves next_run without counting a run" "$(state $BADPAT)" "1 1 2025-06-16 06:00 2025-06-17 06:00:00"
check "duplicate logged" "$(grep -c "schedule tick already run.*schedule_id=$BADPAT" "$tmp/scheduler.log")" 1

# --- every request has one 'created' audit row written by ferry -------------
check "one created audit row per request" "$(testdb_sql "SELECT COUNT(*) FROM export_requests q
    WHERE (SELECT COUNT(*) FROM export_audit_logs a WHERE a.export_request_id = q.id
    AND a.action = 'created' AND a.ip_address = '' AND a.user_agent LIKE 'ferry-scheduler/%'
    AND a.user_id = q.user_id AND JSON_VALUE(a.additional_data, '$.schedule_id') = q.ferry_schedule_id) = 1")" \
    "$(testdb_sql "SELECT COUNT(*) FROM export_requests")"
check "requests total" "$(testdb_sql "SELECT COUNT(*) FROM export_requests")" 13
check "audit rows total" "$(testdb_sql "SELECT COUNT(*) FROM export_audit_logs")" 13
check "runs total" "$(testdb_sql "SELECT COUNT(*) FROM ferry_schedule_runs")" 13

# --- ferry schedule next ------------------------------------------------------
check "schedule next output" "$("$FERRY" schedule next '30 2 * * *' --timezone Europe/Berlin --from '2025-03-29' --count 3)" \
"  Original form: 30 2 * * *
      Time zone: Europe/Berlin
    Next elapse: Sat 2025-03-29 02:30:00 CET
       (in UTC): Sat 2025-03-29 01:30:00 UTC
       Iter. #2: Sun 2025-03-30 03:00:00 CEST
       (in UTC): Sun 2025-03-30 01:00:00 UTC
       Iter. #3: Mon 2025-03-31 02:30:00 CEST
       (in UTC): Mon 2025-03-31 00:30:00 UTC"
check "schedule next, fall back, from a UTC time" \
    "$("$FERRY" schedule next '30 2 * * *' --timezone Europe/Berlin --from '2025-10-26T00:00:00Z' --count 2 | grep -v 'form\|zone')" \
"    Next elapse: Sun 2025-10-26 02:30:00 CEST
       (in UTC): Sun 2025-10-26 00:30:00 UTC
       Iter. #2: Mon 2025-10-27 02:30:00 CET
       (in UTC): Mon 2025-10-27 01:30:00 UTC"
set +e
"$FERRY" schedule next '0 25 * * *' 2>"$tmp/next.err"; rc=$?
set -e
check "schedule next rejects a bad pattern (exit 3)" "$rc" 3
check "with a one-line message" "$(cat "$tmp/next.err")" \
    'ferry: cron pattern "0 25 * * *": hour field at position 3: 25 is out of range 0-23'

if [ "$ASSERT_FAILED" != 0 ]; then
    echo "--- scheduler log"; cat "$tmp/scheduler.log"
fi
assert_done
