# tests/serve/fixtures.sh — sourced by the serve and expire tests (after
# tests/lib/testdb.sh): users and finished export requests inserted with
# SQL, a site config, free ports. Values are the tests' own, quoted for SQL.

fx_q() { # SQL string literal
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g; s/\\\\/\\\\\\\\/g")"
}

fx_user() { # fx_user NAME -> prints the new auth_user id
    testdb_sql "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,
        email, is_staff, is_active, date_joined) VALUES ('', 0, $(fx_q "$1"), '', '',
        $(fx_q "$1@example.com"), 0, 1, NOW(6)); SELECT LAST_INSERT_ID();"
}

fx_newid() { /usr/bin/python3 -c 'import uuid; print(uuid.uuid4().hex)'; }

# fx_request ID USER STATUS FILE_PATH EXPIRES_SQL [FILE_NAME [CONTENT_TYPE [CHECKSUM [SIZE [FORMAT]]]]]
fx_request() {
    local id=$1 user=$2 status=$3 path=$4 expires=$5 name=${6:-} ctype=${7:-} sum=${8:-} \
        size=${9:-NULL} format=${10:-csv}
    testdb_sql "INSERT INTO export_requests (id, title, description, format, filters,
        selected_fields, status, progress_percentage, error_message, file_path, file_size,
        download_url, download_count, is_scheduled, schedule_pattern, created_at, updated_at,
        started_at, completed_at, expires_at, user_id, ferry_file_name, ferry_content_type,
        ferry_checksum) VALUES ($(fx_q "$id"), 'test', '', $(fx_q "$format"), '{}', '[]',
        $(fx_q "$status"), 100, '', $(fx_q "$path"), $size, '', 0, 0, '',
        NOW(6) - INTERVAL 2 HOUR, NOW(6), NOW(6) - INTERVAL 1 HOUR, NOW(6) - INTERVAL 50 MINUTE,
        $expires, $user, $(fx_q "$name"), $(fx_q "$ctype"), $(fx_q "$sum"))"
}

fx_free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# fx_conf FILE STORE [extra libconfig text]
fx_conf() {
    cat >"$1" <<CONF
database: { url = "$FERRY_DATABASE_URL"; };
store: { path = "$2"; base_url = "http://127.0.0.1:1"; orphan_grace_seconds = 3600; };
${3:-}
CONF
}

# fail, expect_eq, …: tests/lib/assert.sh.
. "$FERRY_SOURCE_DIR/tests/lib/assert.sh"
