# lib_email.sh — sourced by the email tests that queue scheduled mail:
# a schedule of the first demo user's first template mailing a JSON list
# of recipients, a pending scheduled request of it (the columns the
# web app writes), and the fixture that sets $uid and $tpl.

# email_schedule ID RECIPIENTS_JSON
email_schedule() {
    testdb_sql "INSERT INTO export_schedules (id, name, cron_pattern, timezone, email_recipients,
        include_download_link, attach_file, is_active, last_run, next_run, run_count, failure_count,
        created_at, updated_at, template_id, user_id) VALUES ('$1', 'weekly', '0 8 * * 1', 'UTC',
        '$2', 1, 0, 1, NULL, UTC_TIMESTAMP(6) + INTERVAL 1 DAY, 0, 0, UTC_TIMESTAMP(6),
        UTC_TIMESTAMP(6), '$tpl', $uid)"
}

# email_request ID SCHEDULE: a pending csv request of the schedule.
email_request() {
    testdb_sql "INSERT INTO export_requests (id, title, description, format, filters,
        selected_fields, status, progress_percentage, error_message, file_path, download_url,
        download_count, is_scheduled, schedule_pattern, created_at, updated_at, user_id,
        ferry_schedule_id) VALUES ('$1', 'week', '', 'csv', '{}', '[]', 'pending', 0, '', '', '', 0,
        1, '0 8 * * 1', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), $uid, '$2')"
}

# email_fixture ROWS: migrations, ROWS demo time entries, and $uid / $tpl
# (the first demo user with entries, the first template by name).
email_fixture() {
    testdb_migrate
    testdb_demo "$1"
    uid=$(testdb_sql "SELECT MIN(user_id) FROM tracking_timeentry")
    tpl=$(testdb_sql "SELECT id FROM export_templates ORDER BY name LIMIT 1")
    [ -n "$uid" ] && [ -n "$tpl" ] || fail "no demo user or template"
}
