# tests/worker/lib.sh — sourced by the worker tests: fixtures on top of
# tests/lib/testdb.sh (a user, pending requests) and small helpers; the
# assertions are tests/lib/assert.sh's.
. "$FERRY_SOURCE_DIR/tests/lib/assert.sh"

# worker_conf FILE STORE [extra libconfig text]: a site config for the test
# database ($FERRY_DATABASE_URL) and a file store.
worker_conf() {
    cat >"$1" <<CONF
database: { url = "$FERRY_DATABASE_URL"; };
store: { path = "$2"; base_url = "http://127.0.0.1:1"; retention_days = 7; };
requests: { pipeline = "${WORKER_PIPELINE:-$FERRY_SOURCE_DIR/conf/pipelines/timesheet.cfg}"; };
plugins: {
    path = ["$FERRY_PLUGIN_DIR"${WORKER_TEST_PLUGIN_DIR:+, \"$WORKER_TEST_PLUGIN_DIR\"}];
    sink-file = { base_url = "http://127.0.0.1:1"; };
    sink-email = { smtp_url = "smtp://127.0.0.1:1"; from = "ferry@localhost"; };
};
${3:-}
CONF
}

# worker_test_setup NAME: a temp dir $tmp and the test database NAME,
# both removed on exit after the test's background jobs are killed (and
# after worker_test_cleanup_more, when the test defines it).
worker_test_setup() {
    tmp=$(mktemp -d)
    testdb_create "$1"
    trap worker_test_cleanup EXIT
}
worker_test_cleanup() {
    kill -9 $(jobs -p) 2>/dev/null || true
    wait 2>/dev/null || true
    if declare -F worker_test_cleanup_more >/dev/null; then
        worker_test_cleanup_more || true
    fi
    testdb_drop
    rm -rf "$tmp"
}

# worker_tracking_conf DIR URL WORKER_OPTS: the demo pipeline reading
# through connections.tracking = URL (DIR/timesheet.cfg, exported as
# WORKER_PIPELINE), and DIR/ferry.conf (exported as FERRY_CONFIG) with the
# store DIR/store and `worker: { WORKER_OPTS }`.
worker_tracking_conf() {
    export WORKER_PIPELINE=$1/timesheet.cfg FERRY_CONFIG=$1/ferry.conf
    sed 's|^  # connection = "tracking";.*|  connection = "tracking";|' \
        "$FERRY_SOURCE_DIR/conf/pipelines/timesheet.cfg" >"$WORKER_PIPELINE"
    grep -q '^  connection = "tracking";' "$WORKER_PIPELINE" || fail "the pipeline names no connection"
    worker_conf "$FERRY_CONFIG" "$1/store" "
worker: { $3 };
connections: { tracking = { url = \"$2\"; }; };"
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

# assert_on_fail: the end of every worker log in $tmp, printed by
# tests/lib/assert.sh's fail.
assert_on_fail() {
    local f
    for f in "${tmp:-/nonexistent}"/*.log; do
        [ -f "$f" ] || continue
        echo "--- $(basename "$f") (last lines)" >&2
        tail -n 8 "$f" | cut -c1-400 >&2
    done
}

# worker_mode MODE [DRIVER]: how the tests start a worker. "stub" runs
# worker_driver (the real worker engine, a stand-in request execution whose
# speed STUB_WORK_MS sets); "real" runs `ferry worker` with the request
# pipeline (slow exports come from a large demo data set).
worker_mode() {
    WORKER_MODE=$1
    if [ "$WORKER_MODE" = stub ]; then
        WORKER=("$2")
    else
        WORKER=("$FERRY" worker)
    fi
}

# worker_slow: makes real exports slow (the test plugin filter-slow in
# tests/worker/slow.cfg); the stub is slowed by STUB_WORK_MS instead.
worker_slow() {
    export WORKER_PIPELINE=$FERRY_SOURCE_DIR/tests/worker/slow.cfg
}

# wait_for SQL WANT [SECONDS]: polls the test database until SQL gives WANT.
# (A generous limit against a hang; no test asserts how fast anything is.)
wait_for() {
    local sql=$1 want=$2 limit=${3:-120} got=
    for _ in $(seq 1 $((limit * 10))); do
        got=$(testdb_sql "$sql")
        [ "$got" = "$want" ] && return 0
        sleep 0.1
    done
    fail "gave up waiting for [$sql] = '$want' (last '$got')"
}

# visible_files STORE: paths (relative to STORE) of the files a user could
# find there: staging files are hidden dot-files.
visible_files() {
    find "$1" -type f ! -name '.*' -printf '%P\n' | sort
}

# named_files STORE: the file_path of every request that has one, relative
# to STORE, sorted.
named_files() {
    testdb_sql "SELECT file_path FROM export_requests WHERE file_path <> ''" |
        sed "s|^$1/||" | sort
}

# worker_fixture N [ROWS] [FORMAT]: N pending requests. Stub mode: one
# plain user. Real mode: the demo data set with ROWS time entries (default
# 200) and requests spread over its users.
worker_fixture() {
    local n=$1 rows=${2:-200} fmt=${3:-csv}
    if [ "$WORKER_MODE" = stub ]; then
        worker_requests "$(worker_user alice)" "$n" "$fmt"
        return
    fi
    testdb_demo "$rows"
    local users=($(testdb_sql "SELECT id FROM auth_user WHERE username IN ('zoe', 'olga', 'taro', 'sam') ORDER BY id"))
    local k=${#users[@]} i=0
    for u in "${users[@]}"; do
        local m=$(((n - i + k - 1) / k))
        [ "$m" -gt 0 ] && worker_requests "$u" "$m" "$fmt"
        i=$((i + 1))
    done
}

