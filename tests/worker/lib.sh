# tests/worker/lib.sh — sourced by the worker tests: fixtures on top of
# tests/lib/testdb.sh (a user, pending requests) and small helpers.

# worker_conf FILE STORE [extra libconfig text]: a site config for the test
# database ($FERRY_DATABASE_URL) and a file store.
worker_conf() {
    cat >"$1" <<CONF
database: { url = "$FERRY_DATABASE_URL"; };
store: { path = "$2"; base_url = "http://127.0.0.1:1"; };
${3:-}
CONF
}

# Applies ferry's migrations to the test database with `ferry db migrate`.
worker_migrate() {
    "$FERRY" db migrate >/dev/null
}

# worker_user NAME: creates an auth_user row, prints its id.
worker_user() {
    testdb_sql "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,
        email, is_staff, is_active, date_joined) VALUES ('!', 0, '$1', '', '', '$1@example.com', 0, 1,
        UTC_TIMESTAMP(6)); SELECT LAST_INSERT_ID();"
}

# worker_requests USER_ID N [FORMAT] [STATUS]: inserts N requests as the web
# app would (Django's columns, ferry's with their defaults), created in order.
worker_requests() {
    local fmt=${3:-csv} status=${4:-pending}
    testdb_sql "INSERT INTO export_requests (id, title, description, format, filters,
        date_range_start, date_range_end, selected_fields, status, progress_percentage,
        error_message, file_path, file_size, download_url, download_count, is_scheduled,
        schedule_pattern, next_run, created_at, updated_at, started_at, completed_at, expires_at,
        template_id, user_id)
      SELECT LOWER(HEX(RANDOM_BYTES(16))), CONCAT('export ', seq), '', '$fmt', '{}', NULL, NULL,
        '[]', '$status', 0, '', '', NULL, '', 0, 0, '', NULL,
        UTC_TIMESTAMP(6) - INTERVAL 1 HOUR + INTERVAL seq MICROSECOND, UTC_TIMESTAMP(6), NULL, NULL,
        NULL, NULL, $1
      FROM seq_1_to_$2"
}

# fail MESSAGE: prints it and exits 1.
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# expect_eq WHAT GOT WANT
expect_eq() {
    if [ "$2" != "$3" ]; then
        fail "$1: got '$2', want '$3'"
    fi
    echo "ok: $1 = $3"
}
