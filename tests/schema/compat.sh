#!/usr/bin/env bash
# compat.sh — the schema check (core/src/store/schema_check.c) on a real
# MariaDB: a database whose web-app tables lack a column ferry claims by
# (export_requests.schedule_pattern), lack a whole table
# (export_audit_logs), have a column of another kind of type
# (export_requests.started_at as date), or lack one of ferry's own columns:
# `ferry db status` lists each problem in one line and exits 5 with one
# error line; `ferry worker --once`, `scheduler --once`, `expire`, `serve`
# and `daemon` refuse to start with that one line and exit 5 (each bounded
# by a timeout: without the check they ran, logging an error per claim).
# With the schema intact, status exits 0 and the worker runs.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
testdb_create compat
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; testdb_drop' EXIT
assert_on_fail() { tail -n 5 "$tmp"/*.err 2>/dev/null || true; }
mkdir -p "$tmp/store"
export FERRY_CONFIG=$tmp/ferry.conf
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
worker_conf "$FERRY_CONFIG" "$tmp/store" "worker: { poll_interval_ms = 50; };
download: { secret = \"compat-test-secret-0123456789abcdef\"; listen = \"127.0.0.1:$port\"; };"
worker_migrate

# run NAME CMD...: runs ferry CMD (bounded), stdout to $tmp/NAME.out,
# stderr to $tmp/NAME.err; $rc gets the exit code.
run() {
    local name=$1
    shift
    rc=0
    timeout 20 "$FERRY" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
}

# intact STEP: the schema is whole: status exits 0 and says so; the worker
# runs its one pass.
intact() {
    run status db status
    check "$1: db status exit code" "$rc" 0
    check "$1: db status says the schema fits" \
        "$(grep -cE '^schema: the [0-9]+ columns ferry uses in [0-9]+ tables are present$' \
            "$tmp/status.out")" 1
    run worker worker --once
    check "$1: worker --once exit code" "$rc" 0
}

# refused WHAT LINE: every command that starts refuses with the one line
# "ferry: database schema: LINE" and exit 5; db status lists LINE too.
refused() {
    local what=$1 line=$2 name
    run status db status
    check "$what: db status exit code" "$rc" 5
    check "$what: db status lists it" "$(grep '^schema: ' "$tmp/status.out")" "schema: $line"
    check "$what: db status error" "$(cat "$tmp/status.err")" "ferry: database schema: $line"
    for name in "worker --once" "scheduler --once" expire serve daemon; do
        # shellcheck disable=SC2086 # the command and its option are words
        run cmd $name
        check "$what: $name exit code" "$rc" 5
        check "$what: $name says why in one line" "$(cat "$tmp/cmd.err")" \
            "ferry: database schema: $line"
    done
}

intact "before"

testdb_sql "ALTER TABLE export_requests DROP COLUMN schedule_pattern"
refused "a dropped column" "export_requests.schedule_pattern is missing: the web app's migrations are behind this ferry (or dropped what it uses)"
testdb_sql "ALTER TABLE export_requests ADD COLUMN schedule_pattern varchar(100) NOT NULL AFTER is_scheduled"
intact "column restored"

testdb_sql "CREATE TABLE audit_keep LIKE export_audit_logs; DROP TABLE export_audit_logs"
refused "a dropped table" "table export_audit_logs is missing: the web app's migrations are behind this ferry (or dropped what it uses)"
testdb_sql "CREATE TABLE export_audit_logs LIKE audit_keep; DROP TABLE audit_keep"
intact "table restored"

testdb_sql "ALTER TABLE export_requests MODIFY started_at date NULL"
refused "a column of another type" "export_requests.started_at is date, ferry needs datetime: the web app's migrations are behind or ahead of this ferry"
testdb_sql "ALTER TABLE export_requests MODIFY started_at datetime(6) NULL"

testdb_sql "ALTER TABLE export_requests DROP COLUMN ferry_warning_count"
refused "one of ferry's columns" "export_requests.ferry_warning_count is missing: it is ferry's own (schema/migrations), applied but since changed by hand: restore it as the migration declares"

# Two problems: the first is named, the rest counted.
testdb_sql "ALTER TABLE export_requests DROP COLUMN schedule_pattern"
run worker worker --once
check "two problems: worker exit code" "$rc" 5
expect_match "two problems: one line, the rest counted" "$(cat "$tmp/worker.err")" \
    '^ferry: database schema: export_requests\.[a-z_]+ is missing: .* \(and 1 more: see `ferry db status`\)$'
run status db status
check "two problems: db status lists both" "$(grep -c '^schema: ' "$tmp/status.out")" 2
assert_done
