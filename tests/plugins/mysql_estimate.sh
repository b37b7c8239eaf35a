#!/usr/bin/env bash
# mysql_estimate.sh — source-mysql runs the query once by default: progress
# gets the optimizer's row estimate from EXPLAIN of the same statement, and
# no COUNT(*) reaches the server (seen in the server's general log). With
# count = true the exact count runs first, as before.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
testdb_create estimate
work=$(mktemp -d)
table="est_$$"
root() { mariadb --socket="$TESTDB_SOCK" -uroot -N -B "$@"; }
old_log=$(root -e "SELECT @@GLOBAL.general_log, @@GLOBAL.log_output")
restore() {
    set -- $old_log
    root -e "SET GLOBAL general_log = $1; SET GLOBAL log_output = '$2'" || true
    rm -rf "$work"
    testdb_drop
}
trap restore EXIT
testdb_sql "CREATE TABLE $table (id INT PRIMARY KEY, v VARCHAR(10));
            INSERT INTO $table SELECT seq, CONCAT('v', seq) FROM seq_1_to_500"
cat >"$work/est.cfg" <<CFG
name = "est";
source = { plugin = "source-mysql"; query = "SELECT id, v FROM $table"; };
format = { plugin = "format-csv"; };
output = { directory = "$work/out"; name = "est"; };
CFG
root -e "SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = 1; TRUNCATE mysql.general_log"
fail=0
seen() { # pattern → how many statements ferry's user prepared or sent on the table
    root -e "SELECT COUNT(*) FROM mysql.general_log WHERE user_host LIKE 'ferry%' \
             AND argument LIKE '%$table%' AND argument LIKE '$1' \
             AND command_type IN ('Query', 'Prepare')"
}

"$FERRY" -v run "$work/est.cfg" >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
[ "$(wc -l <"$work/out/est.csv")" = 501 ] || { echo "FAIL: not 500 rows"; fail=1; }
grep -q 'row estimate (EXPLAIN): [0-9]' "$work/err" || { echo "FAIL: no estimate logged"; cat "$work/err"; fail=1; }
[ "$(seen 'EXPLAIN %')" -ge 1 ] || { echo "FAIL: no EXPLAIN reached the server"; fail=1; }
[ "$(seen '%COUNT(%')" = 0 ] || { echo "FAIL: a COUNT ran by default"; fail=1; }
[ "$(seen 'SELECT %')" = 1 ] || { echo "FAIL: the query ran $(seen 'SELECT %') times, want once"; fail=1; }

# The reading connection's session: one prepared SET (time zone, timeout,
# isolation) and the snapshot, nothing else before the EXPLAIN.
reader=$(root -e "SELECT thread_id FROM mysql.general_log WHERE command_type = 'Prepare' \
                  AND argument LIKE 'EXPLAIN %$table%' LIMIT 1")
session=$(root -e "SELECT CONCAT(command_type, ': ', argument) FROM mysql.general_log \
                   WHERE thread_id = '$reader' AND command_type IN ('Query', 'Prepare') \
                   AND argument NOT LIKE '%$table%'")
want="Prepare: SET SESSION net_write_timeout = ?, time_zone = '+00:00', tx_isolation = 'REPEATABLE-READ'
Query: START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY
Query: COMMIT"
[ "$session" = "$want" ] || { echo "FAIL: the session's statements:"; echo "$session"; fail=1; }

root -e "TRUNCATE mysql.general_log"
"$FERRY" run --set source.count=true "$work/est.cfg" >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
[ "$(seen '%COUNT(%')" = 1 ] || { echo "FAIL: count = true did not count"; fail=1; }
[ "$(seen 'EXPLAIN %')" = 0 ] || { echo "FAIL: count = true still explained"; fail=1; }
[ "$fail" = 0 ] && echo "ok: EXPLAIN by default, COUNT(*) only with count = true"
exit $fail
