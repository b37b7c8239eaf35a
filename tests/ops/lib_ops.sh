# tests/ops/lib_ops.sh — sourced by the operator tests (after
# tests/lib/testdb.sh and tests/worker/lib.sh): scraping /metrics with the
# Prometheus client's parser, waiting for a condition, a port.

# prom SRC NAME [label=value…]: the sample's value (0 when absent).
prom() {
    /usr/bin/python3 "$FERRY_SOURCE_DIR/tests/ops/prom.py" "$@"
}

# ops_port: a free loopback TCP port.
ops_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for WHAT 'SHELL CONDITION': evaluates the condition until it holds
# (at most ~120 s of polling: a deadline, not a timing assertion), else
# fails the test.
wait_for() {
    local i
    for i in $(seq 1 1200); do
        eval "$2" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "timed out waiting for $1"
}

# wait_http URL: until it answers.
wait_http() {
    wait_for "$1" "curl -sf -o /dev/null '$1'"
}


# ops_request USER FORMAT [SET_SQL]: inserts one pending request as the web
# app would, with SET_SQL (e.g. "created_at = …") applied in the same
# transaction (so no worker sees it before); prints its id.
ops_request() {
    local id
    id=$(/usr/bin/python3 -c 'import uuid; print(uuid.uuid4().hex)')
    testdb_sql "START TRANSACTION;
      INSERT INTO export_requests (id, title, description, format, filters, date_range_start,
        date_range_end, selected_fields, status, progress_percentage, error_message, file_path,
        file_size, download_url, download_count, is_scheduled, schedule_pattern, next_run,
        created_at, updated_at, started_at, completed_at, expires_at, template_id, user_id)
      VALUES ('$id', 'export $id', '', '$2', '{}', NULL, NULL, '[]', 'pending', 0, '', '', NULL,
        '', 0, 0, '', NULL, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), NULL, NULL, NULL, NULL, $1);
      ${3:+UPDATE export_requests SET $3 WHERE id = '$id';}
      COMMIT"
    echo "$id"
}
