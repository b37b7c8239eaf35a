#!/usr/bin/env bash
# recurring.sh — a recurring request inserted as Django would (is_scheduled,
# schedule_pattern, next_run in the past, a relative date range in its
# filters): `ferry scheduler --once` makes one new pending request from it
# (same user, template, format, fields; the range resolved at the fire time;
# ferry_origin_id naming it) and moves its next_run by the pattern in the
# site's zone; nothing else of the origin changes, no worker claims it;
# `ferry schedule list` shows both kinds; pause, resume and run-now work
# (run-now on a schedule: one request, its run at the current second).
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
. "$FERRY_SOURCE_DIR/tests/ops/lib_ops.sh"
testdb_create ops_recur
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; testdb_drop' EXIT
mkdir -p "$tmp/store"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$tmp/store" 'scheduler: { timezone = "Europe/Berlin"; };'
worker_migrate
testdb_demo 200
zoe=$(testdb_sql "SELECT id FROM auth_user WHERE username = 'zoe'")
tpl=$(testdb_sql "SELECT id FROM export_templates LIMIT 1")
[ -n "$tpl" ] || { tpl=0123456789abcdef0123456789abcdef; testdb_sql "INSERT INTO export_templates VALUES ('$tpl', 'basic', '', 'csv', '{\"fields\": [\"date\", \"project\"]}', '{}', '{}', 1, 0, NULL, NOW(6), NOW(6), $zoe)"; }
origin=fedcba9876543210fedcba9876543210
# Django: ExportRequest.objects.create(...) — every column named, is_scheduled
# with a daily 06:00 pattern; next_run (UTC) in the past.
testdb_sql "INSERT INTO export_requests (id, title, description, format, filters,
    date_range_start, date_range_end, selected_fields, status, progress_percentage,
    error_message, file_path, file_size, download_url, download_count, is_scheduled,
    schedule_pattern, next_run, created_at, updated_at, started_at, completed_at, expires_at,
    template_id, user_id)
  VALUES ('$origin', 'Daily hours', '', 'json', '{\"date_range\": \"last_7_days\"}', NULL, NULL,
    '[\"date\", \"project\", \"duration\"]', 'pending', 0, '', '', NULL, '', 0, 1, '0 6 * * *',
    '2026-03-10 05:00:00', '2026-03-01 10:00:00', '2026-03-01 10:00:00', NULL, NULL, NULL,
    '$tpl', $zoe)"
snapshot() { testdb_sql "SELECT title, format, filters, selected_fields, status, file_path, is_scheduled, schedule_pattern, created_at, updated_at, started_at, template_id, user_id FROM export_requests WHERE id = '$origin'"; }
before=$(snapshot)

# 2026-03-10 08:30 UTC = 09:30 in Berlin: the 06:00 Berlin (05:00 UTC) run is due.
"$FERRY" scheduler --once --now "2026-03-10 08:30" 2>"$tmp/s1.log"
expect_eq "one request made" "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE ferry_origin_id = '$origin'")" 1
expect_eq "the copy" "$(testdb_sql "SELECT user_id, template_id, format, title, selected_fields, status, is_scheduled, filters FROM export_requests WHERE ferry_origin_id = '$origin'")" \
    "$zoe	$tpl	json	Daily hours	[\"date\", \"project\", \"duration\"]	pending	0	{}"
# last_7_days at 06:00 Berlin on 10 March: [3 March 00:00, 10 March 00:00) Berlin = 23:00 UTC.
expect_eq "range resolved at the fire time" "$(testdb_sql "SELECT date_range_start, date_range_end FROM export_requests WHERE ferry_origin_id = '$origin'")" \
    "2026-03-02 23:00:00.000000	2026-03-09 23:00:00.000000"
expect_eq "next_run moved by the pattern in Berlin" "$(testdb_sql "SELECT next_run FROM export_requests WHERE id = '$origin'")" "2026-03-11 05:00:00.000000"
expect_eq "origin otherwise untouched" "$(snapshot)" "$before"
"$FERRY" scheduler --once --now "2026-03-10 08:40" 2>"$tmp/s2.log"
expect_eq "not fired twice" "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE ferry_origin_id = '$origin'")" 1

# A worker runs the copy, never the origin.
"$FERRY" worker --once 2>"$tmp/w.log"
expect_eq "copy completed" "$(testdb_sql "SELECT status FROM export_requests WHERE ferry_origin_id = '$origin'")" completed
expect_eq "origin not claimed" "$(snapshot)" "$before"

# ferry schedule: both kinds; pause, resume, run-now.
testdb_sql "INSERT INTO export_schedules (id, name, cron_pattern, timezone, email_recipients,
    include_download_link, attach_file, is_active, last_run, next_run, run_count, failure_count,
    created_at, updated_at, template_id, user_id) VALUES ('aaaabbbbccccddddeeeeffff00001111',
    'weekly', '0 7 * * 1', 'America/New_York', '[]', 1, 0, 1, NULL, '2030-01-07 12:00:00', 0, 0,
    NOW(6), NOW(6), '$tpl', $zoe)"
"$FERRY" schedule list --json >"$tmp/list"
/usr/bin/python3 - "$tmp/list" "$origin" <<'PY' || fail "schedule list: $(cat "$tmp/list")"
import json, sys
rows = {r["id"]: r for r in map(json.loads, open(sys.argv[1]))}
o = rows[sys.argv[2]]
assert o["kind"] == "recurring" and o["pattern"] == "0 6 * * *" and o["timezone"] == "Europe/Berlin", o
assert o["next_run"] == "2026-03-11T05:00:00Z" and o["runs"] == 1 and o["active"] is True, o
s = rows["aaaabbbbccccddddeeeeffff00001111"]
assert s["kind"] == "schedule" and s["timezone"] == "America/New_York" and s["active"] is True, s
PY
"$FERRY" schedule pause "$origin"
"$FERRY" schedule show "$origin" --json | grep '"active":false' >/dev/null || fail "pause"
"$FERRY" scheduler --once --now "2026-03-12 08:30" 2>"$tmp/s3.log"
expect_eq "paused: no run" "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE ferry_origin_id = '$origin'")" 1
"$FERRY" worker --once 2>"$tmp/w2.log"
expect_eq "paused origin still not claimed" "$(testdb_sql "SELECT status FROM export_requests WHERE id = '$origin'")" pending
"$FERRY" schedule resume "$origin"
"$FERRY" schedule run-now "$origin" >/dev/null
expect_eq "run-now made one" "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE ferry_origin_id = '$origin'")" 2
# run-now on the export_schedules row: one request through the scheduler's
# path, its run recorded at the database's current second, next_run kept.
S=aaaabbbbccccddddeeeeffff00001111
testdb_sql "UPDATE export_templates SET default_filters = '{\"date_range\": \"last_7_days\"}' WHERE id = '$tpl'"
out=$("$FERRY" schedule run-now "$S" 2>"$tmp/rn.log") || fail "run-now on a schedule: $(cat "$tmp/rn.log")"
made=$(sed -n 's/^request \([0-9a-f]\{32\}\) made from '"$S"'$/\1/p' <<<"$out")
[ -n "$made" ] || fail "run-now printed: $out"
expect_eq "the request" "$(testdb_sql "SELECT user_id, template_id, format, status, is_scheduled, ferry_schedule_id, title LIKE 'weekly (%' FROM export_requests WHERE id = '$made'")" \
    "$zoe	$tpl	$(testdb_sql "SELECT format FROM export_templates WHERE id = '$tpl'")	pending	1	$S	1"
expect_eq "range resolved now: 7 days to about now" "$(testdb_sql "SELECT TIMESTAMPDIFF(DAY, date_range_start, date_range_end), ABS(TIMESTAMPDIFF(DAY, date_range_end, UTC_TIMESTAMP())) <= 1 FROM export_requests WHERE id = '$made'")" "7	1"
expect_eq "created audit" "$(testdb_sql "SELECT JSON_VALUE(additional_data, '\$.source') FROM export_audit_logs WHERE export_request_id = '$made' AND action = 'created'")" run-now
expect_eq "the run row at last_run" "$(testdb_sql "SELECT COUNT(*) FROM ferry_schedule_runs r JOIN export_schedules s ON s.id = r.schedule_id AND s.last_run = r.fire_time WHERE r.schedule_id = '$S' AND r.request_id = '$made' AND r.fire_time = DATE_FORMAT(r.fire_time, '%Y-%m-%d %H:%i:%s')")" 1
expect_eq "schedule counters" "$(testdb_sql "SELECT run_count, next_run FROM export_schedules WHERE id = '$S'")" "1	2030-01-07 12:00:00.000000"
# A run already recorded for this second (here: every second of the next
# ten minutes) is not made twice: run-now refuses, nothing is created.
testdb_sql "INSERT IGNORE INTO ferry_schedule_runs (schedule_id, fire_time, request_id, created_at)
    SELECT '$S', DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:%i:%s') + INTERVAL seq SECOND, NULL,
    UTC_TIMESTAMP(6) FROM seq_0_to_600"
"$FERRY" schedule run-now "$S" >"$tmp/rn2.out" 2>"$tmp/rn2.log" && fail "run-now made a second run for one second: $(cat "$tmp/rn2.out")"
grep -q "already has a run at" "$tmp/rn2.log" || fail "run-now refusal: $(cat "$tmp/rn2.log")"
expect_eq "no second request for that second" "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE ferry_schedule_id = '$S'")" 1
expect_eq "counters unchanged" "$(testdb_sql "SELECT run_count FROM export_schedules WHERE id = '$S'")" 1
"$FERRY" schedule run-now ffffffffffffffffffffffffffffffff >/dev/null 2>&1 && fail "run-now of no schedule succeeded"
"$FERRY" schedule pause aaaabbbbccccddddeeeeffff00001111
expect_eq "schedule paused" "$(testdb_sql "SELECT is_active FROM export_schedules")" 0
echo "recurring test passed"
