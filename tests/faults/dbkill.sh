#!/bin/bash
# dbkill.sh — the database killed (SIGKILL to mysqld) while `ferry run`
# streams rows from it, then restarted: the run fails with exit 5 (database) and one
# line, publishes nothing and leaves no staging file; after the restart the
# same run publishes the whole export. Uses a MariaDB of its own
# (scripts/db.sh in a temp dir). A worker's request completing exactly
# once across a database restart is tests/worker/dbrestart.sh; workers
# killed at random points tests/worker/kill.sh.
# Prints "faults dbkill: …".
set -euo pipefail
own=$(mktemp -d)
export FERRY_TEST_DB_DIR=$own/db
dbsh=$FERRY_SOURCE_DIR/scripts/db.sh
"$dbsh" start "$FERRY_TEST_DB_DIR" >/dev/null
export FERRY_TEST_DB_PORT=$(cat "$FERRY_TEST_DB_DIR/port")
. "$FERRY_SOURCE_DIR/tests/core/lib.sh"
core_setup dbkill 300000
trap '"$dbsh" stop "$FERRY_TEST_DB_DIR" >/dev/null 2>&1 || true; testdb_drop 2>/dev/null || true; rm -rf "$TMP" "$own"' EXIT
cfg=$TMP/pipelines/timesheet.cfg
out=$TMP/out
"$FERRY" run "$cfg" --output-dir "$out" >"$TMP/run.out" 2>"$TMP/run.err" &
pid=$!
stage=
for _ in $(seq 1 6000); do
    stage=$(find "$out" -maxdepth 1 -type f -name '.ferry-stage-*' -size +0 -print -quit)
    [ -n "$stage" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
done
[ -n "$stage" ] || fail "no staging file with data appeared (run: $(cat "$TMP/run.err"))"
kill -KILL "$(cat "$FERRY_TEST_DB_DIR/mysqld.pid")"
set +e
wait "$pid"
rc=$?
set -e
expect_eq "run with the database killed: exit code (5, the database)" "$rc" 5
expect_eq "run with the database killed: stderr lines" "$(wc -l <"$TMP/run.err")" 1
expect_match "run with the database killed: message" "$(cat "$TMP/run.err")" "^ferry: source-mysql: "
expect_eq "run with the database killed: published" "$(find "$out" -mindepth 1 -maxdepth 1 ! -name '.*' | wc -l)" 0
expect_eq "run with the database killed: staging leftovers" "$(find "$out" -mindepth 1 -maxdepth 1 -name '.ferry-*' | wc -l)" 0
"$dbsh" start "$FERRY_TEST_DB_DIR" >/dev/null
"$FERRY" run "$cfg" --output-dir "$out" >/dev/null 2>"$TMP/run.err" || fail "run after the restart: $(cat "$TMP/run.err")"
f=$(find "$out" -mindepth 1 -maxdepth 1 ! -name '.*')
expect_eq "run after the restart: data rows" "$(/usr/bin/python3 -c 'import csv, sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline="", encoding="utf-8-sig"))) - 1)' "$f")" "$(testdb_sql 'SELECT COUNT(*) FROM tracking_timeentry')"
echo "faults dbkill: 1 database kill mid-stream, 1 clean failure, 1 whole export after the restart"
