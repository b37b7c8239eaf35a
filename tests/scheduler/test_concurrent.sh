#!/usr/bin/env bash
# test_concurrent.sh — several schedulers at once create no duplicates:
# four `ferry scheduler --once` processes per injected clock tick over 60
# minutely schedules make exactly one request per schedule and tick; then two
# long-running schedulers on the database clock, stopped with SIGTERM, exit 0
# and leave at most one request per (schedule, fire time).
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"

testdb_create schedconc
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
    testdb_drop
}
trap cleanup EXIT
export FERRY_CONFIG=$tmp/ferry.conf
echo '' >"$FERRY_CONFIG"
testdb_migrate

. "$FERRY_SOURCE_DIR/tests/lib/assert.sh"

testdb_sql "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name,
    email, is_staff, is_active, date_joined) VALUES (1, '', 0, 'alice', '', '', '', 0, 1, NOW(6))"
testdb_sql "INSERT INTO export_templates (id, name, description, format, field_configuration,
    default_filters, layout_settings, is_public, usage_count, created_at, updated_at, user_id)
    VALUES ('t0000000000000000000000000000001', 't', '', 'csv', '{}', '{\"date_range\": \"today\"}',
    '{}', 0, 0, NOW(6), NOW(6), 1)"
N=60
testdb_sql "INSERT INTO export_schedules (id, name, cron_pattern, timezone, email_recipients,
    include_download_link, attach_file, is_active, next_run, run_count, failure_count,
    created_at, updated_at, template_id, user_id)
    SELECT LPAD(seq, 32, '0'), CONCAT('s', seq), '* * * * *', 'America/New_York', '[]', 1, 0, 1,
    '2025-05-01 12:00:00', 0, 0, NOW(6), NOW(6), 't0000000000000000000000000000001', 1
    FROM seq_1_to_$N"

# Four schedulers per tick, ten ticks.
for m in 0 1 2 3 4 5 6 7 8 9; do
    now="2025-05-01 12:0$m:00"
    for i in 1 2 3 4; do
        "$FERRY" scheduler --once --now "$now" 2>>"$tmp/once.log" &
    done
    wait
done
check "one request per schedule and tick" "$(testdb_sql "SELECT COUNT(*) FROM export_requests")" $((N * 10))
check "no (schedule, fire time) twice" "$(testdb_sql "SELECT COUNT(*) FROM (SELECT ferry_schedule_id,
    title FROM export_requests GROUP BY 1, 2 HAVING COUNT(*) > 1) d")" 0
check "runs name their requests" "$(testdb_sql "SELECT COUNT(*) FROM ferry_schedule_runs r
    JOIN export_requests q ON q.id = r.request_id")" $((N * 10))
check "every schedule ran ten times" "$(testdb_sql "SELECT COUNT(*) FROM export_schedules
    WHERE run_count = 10 AND failure_count = 0 AND next_run = '2025-05-01 12:10:00'")" $N
check "one created audit row per request" "$(testdb_sql "SELECT COUNT(DISTINCT export_request_id)
    FROM export_audit_logs WHERE action = 'created'")" $((N * 10))
check "today in New York resolved" "$(testdb_sql "SELECT DISTINCT CONCAT(date_range_start, ' ', date_range_end)
    FROM export_requests")" "2025-05-01 04:00:00.000000 2025-05-02 04:00:00.000000"
check "no errors logged" "$(grep -c 'level=error' "$tmp/once.log" || true)" 0

# Two long-running schedulers on the database's clock: the schedules are
# due (next_run in the past); each fires once for the latest minute.
testdb_sql "UPDATE export_schedules SET next_run = UTC_TIMESTAMP(6) - INTERVAL 1 HOUR"
before=$(testdb_sql "SELECT COUNT(*) FROM export_requests")
"$FERRY" scheduler --interval 0.2 2>"$tmp/a.log" & pids+=($!)
"$FERRY" scheduler --interval 0.2 2>"$tmp/b.log" & pids+=($!)
for _ in $(seq 1 150); do
    left=$(testdb_sql "SELECT COUNT(*) FROM export_schedules WHERE next_run <= UTC_TIMESTAMP(6) - INTERVAL 30 MINUTE")
    [ "$left" = 0 ] && break
    sleep 0.2
done
check "all due schedules handled" "$left" 0
kill -TERM "${pids[@]}"
rc_a=0; rc_b=0
wait "${pids[0]}" || rc_a=$?
wait "${pids[1]}" || rc_b=$?
pids=()
check "SIGTERM stops scheduler A cleanly" "$rc_a" 0
check "SIGTERM stops scheduler B cleanly" "$rc_b" 0
check "A says it stopped" "$(grep -c 'msg="scheduler stopped"' "$tmp/a.log")" 1
check "no duplicate after the concurrent run" "$(testdb_sql "SELECT COUNT(*) FROM (SELECT schedule_id,
    fire_time FROM ferry_schedule_runs GROUP BY 1, 2 HAVING COUNT(*) > 1) d")" 0
after=$(testdb_sql "SELECT COUNT(*) FROM export_requests")
ran=$(testdb_sql "SELECT COUNT(*) FROM ferry_schedule_runs")
check "every request has its run row" "$after" "$ran"
# The catch-up fires each schedule once (for the latest minute); a minute
# boundary passing during the run may add one more each, never a backlog.
extra=$((after - before))
if [ "$extra" -lt "$N" ] || [ "$extra" -gt $((N * 3)) ]; then
    fail_later "catch-up made $extra requests for $N schedules"
else
    pass "catch-up made $extra requests for $N schedules, no backlog"
fi

[ "$ASSERT_FAILED" = 0 ] || tail -20 "$tmp/once.log" "$tmp/a.log" "$tmp/b.log"
assert_done
