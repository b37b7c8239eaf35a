#!/usr/bin/env bash
# test_reconnect.sh — a long-running scheduler survives a database restart:
# it logs the lost connection, reconnects with backoff, and then handles a
# schedule that became due while the database was down. Uses a MariaDB of
# its own (scripts/db.sh in a temporary folder), so other tests are not
# disturbed by the restart.
set -euo pipefail
tmp=$(mktemp -d /tmp/ferry-schedrc.XXXXXX)
dbdir=$tmp/db
sched=
cleanup() {
    [ -n "$sched" ] && kill "$sched" 2>/dev/null || true
    "$FERRY_SOURCE_DIR/scripts/db.sh" stop "$dbdir" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
if ! "$FERRY_SOURCE_DIR/scripts/db.sh" start "$dbdir" >"$tmp/dbstart.log" 2>&1; then
    echo "skipped: cannot start a private MariaDB: $(tail -1 "$tmp/dbstart.log")"
    exit 77
fi
sql() { mariadb --socket="$dbdir/mysqld.sock" -uroot -N -B ferry_rc -e "$1"; }
mariadb --socket="$dbdir/mysqld.sock" -uroot -e "CREATE DATABASE ferry_rc CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
export FERRY_DATABASE_URL="mysql://ferry:ferry@localhost/ferry_rc?socket=$dbdir/mysqld.sock"
export FERRY_CONFIG=$tmp/ferry.conf
echo '' >"$FERRY_CONFIG"
"$FERRY" db migrate >/dev/null

sql "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email,
    is_staff, is_active, date_joined) VALUES (1, '', 0, 'alice', '', '', '', 0, 1, NOW(6));
    INSERT INTO export_templates (id, name, description, format, field_configuration,
    default_filters, layout_settings, is_public, usage_count, created_at, updated_at, user_id)
    VALUES ('t0000000000000000000000000000001', 't', '', 'csv', '{}', '{}', '{}', 0, 0, NOW(6),
    NOW(6), 1)"
schedule() { # schedule ID: a daily schedule due an hour ago
    sql "INSERT INTO export_schedules (id, name, cron_pattern, timezone, email_recipients,
        include_download_link, attach_file, is_active, next_run, run_count, failure_count,
        created_at, updated_at, template_id, user_id) VALUES ('$1', 'daily', '0 0 * * *',
        'UTC', '[]', 1, 0, 1, UTC_TIMESTAMP(6) - INTERVAL 1 DAY, 0, 0, NOW(6), NOW(6),
        't0000000000000000000000000000001', 1)"
}
wait_runs() { # wait_runs ID: until the schedule has run once (30 s at most)
    for _ in $(seq 1 150); do
        [ "$(sql "SELECT run_count FROM export_schedules WHERE id = '$1'" 2>/dev/null)" = 1 ] && return 0
        sleep 0.2
    done
    return 1
}

. "$FERRY_SOURCE_DIR/tests/lib/assert.sh"

schedule s0000000000000000000000000000001
"$FERRY" scheduler --interval 0.2 2>"$tmp/sched.log" &
sched=$!
wait_runs s0000000000000000000000000000001 && r=ran || r=waiting
check "first schedule ran" "$r" ran

"$FERRY_SOURCE_DIR/scripts/db.sh" stop "$dbdir"
sleep 2
kill -0 "$sched" 2>/dev/null && alive=yes || alive=no
check "scheduler alive while the database is down" "$alive" yes
"$FERRY_SOURCE_DIR/scripts/db.sh" start "$dbdir" >/dev/null
schedule s0000000000000000000000000000002
wait_runs s0000000000000000000000000000002 && r=ran || r=waiting
check "schedule due after the restart ran" "$r" ran
check "lost connection logged" "$(grep -c 'level=warn.*\(scheduler pass failed\|database unreachable\)' "$tmp/sched.log" | awk '{print ($1 > 0)}')" 1
check "one request per schedule" "$(sql "SELECT COUNT(*) FROM export_requests")" 2

kill -TERM "$sched"
rc=0
wait "$sched" || rc=$?
sched=
check "SIGTERM exits 0" "$rc" 0
[ "$ASSERT_FAILED" = 0 ] || cat "$tmp/sched.log"
assert_done
