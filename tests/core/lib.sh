# tests/core/lib.sh — sourced by the core tests (issue 2): a test database
# (tests/lib/testdb.sh), a temp site config whose store and request pipeline
# are temp copies, users, templates and requests as the web app makes them,
# and the assertions of tests/lib/assert.sh.
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/lib/assert.sh"

CORE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CORE_PY=/usr/bin/python3


# core_setup NAME [DEMO_ROWS]: a fresh database (migrated, with demo data
# unless DEMO_ROWS is 0), a temp dir $TMP (removed on exit), a site config
# $CONF with its store at $STORE and the request pipeline a copy of
# conf/pipelines/timesheet.cfg at $TMP/pipelines/timesheet.cfg.
core_setup() {
    testdb_create "$1"
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/ferry-core-$1.XXXXXX")
    # FERRY_KEEP_TEST_DB keeps the temp dir too (for a look after a failure).
    if [ -z "${FERRY_KEEP_TEST_DB:-}" ]; then
        trap 'testdb_drop; rm -rf "$TMP"' EXIT
    fi
    STORE=$TMP/store
    mkdir -p "$STORE" "$TMP/pipelines" "$TMP/out"
    cp "$FERRY_SOURCE_DIR/conf/pipelines/timesheet.cfg" "$TMP/pipelines/timesheet.cfg"
    CONF=$TMP/ferry.conf
    cat >"$CONF" <<CONF
database: { url = "$FERRY_DATABASE_URL"; };
store: { path = "$STORE"; base_url = "http://127.0.0.1:8080"; retention_days = 7; };
requests: { pipeline = "$TMP/pipelines/timesheet.cfg"; };
download: { secret = "core-test-secret-0123456789abcdef"; token_ttl_seconds = 86400; };
plugins: {
    path = ["$FERRY_PLUGIN_DIR"];
    sink-file = { base_url = "http://127.0.0.1:8080"; };
    sink-email = { smtp_url = "smtp://127.0.0.1:1"; from = "ferry <noreply@ferry.example>"; };
};
CONF
    export FERRY_CONFIG=$CONF
    testdb_migrate
    if [ "${2:-1000}" != 0 ]; then
        testdb_demo "${2:-1000}"
    fi
}

# uid USERNAME: the id of a demo user.
uid() {
    testdb_sql "SELECT id FROM auth_user WHERE username = '$1'"
}

# sql_quote TEXT: TEXT as an SQL string literal (for fixtures only).
sql_quote() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/''/g")"
}

# new_request USER_ID [FILTERS_JSON] [SELECTED_JSON] [TEMPLATE_ID] [FORMAT]:
# inserts a pending export_requests row as the web app would; prints its id.
new_request() {
    local id
    id=$(testdb_sql "SELECT LOWER(HEX(RANDOM_BYTES(16)))")
    local tpl=NULL
    [ -n "${4:-}" ] && tpl="'$4'"
    testdb_sql "INSERT INTO export_requests (id, title, description, format, filters,
        date_range_start, date_range_end, selected_fields, status, progress_percentage,
        error_message, file_path, file_size, download_url, download_count, is_scheduled,
        schedule_pattern, next_run, created_at, updated_at, started_at, completed_at, expires_at,
        template_id, user_id)
      VALUES ('$id', 'core test', '', '${5:-csv}', $(sql_quote "${2:-{\}}"), NULL, NULL,
        $(sql_quote "${3:-[]}"), 'pending', 0, '', '', NULL, '', 0, 0, '', NULL,
        UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), NULL, NULL, NULL, $tpl, $1)"
    echo "$id"
}

# new_template OWNER_ID IS_PUBLIC FIELD_CONFIGURATION_JSON: prints its id.
new_template() {
    local id
    id=$(testdb_sql "SELECT LOWER(HEX(RANDOM_BYTES(16)))")
    testdb_sql "INSERT INTO export_templates (id, name, description, format, field_configuration,
        default_filters, layout_settings, is_public, usage_count, last_used, created_at,
        updated_at, user_id)
      VALUES ('$id', 'core template', '', 'csv', $(sql_quote "$3"), '{}', '{}', $2, 0, NULL,
        UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), $1)"
    echo "$id"
}

# run_request ID: runs `ferry request run ID`; sets RC, OUT, ERR.
run_request() {
    set +e
    OUT=$("$FERRY" request run "$1" 2>"$TMP/stderr")
    RC=$?
    set -e
    ERR=$(cat "$TMP/stderr")
}

# req_col ID COLUMN: one column of a request.
req_col() {
    testdb_sql "SELECT $2 FROM export_requests WHERE id = '$1'"
}

# check_csv FILE USER_ID|all [--where SQL] [--fields a,b] [--headers A,B]:
# the CSV equals the database's rows (tests/core/check_csv.py).
check_csv() {
    "$CORE_PY" "$CORE_DIR/check_csv.py" "$@" || fail "CSV $1 differs from the database"
}

# visible_files DIR: files a user could find there (staging files are dot-files).
visible_files() {
    find "$1" -type f ! -name '.*' -printf '%P\n' | sort
}

# all_files DIR: every file and folder below DIR, staging files included.
all_files() {
    find "$1" -mindepth 1 -printf '%P\n' | sort
}
