#!/bin/bash
# csv_roundtrip.sh — proves that `ferry run conf/pipelines/timesheet.cfg`
# writes a CSV that Python's csv module reads back as exactly the
# database's 2,000 demo rows and values (non-ASCII text, quotes, commas,
# LF and CRLF newlines, a formula neutralised with a leading ').
set -euo pipefail
. "$(dirname "$0")/lib.sh"
core_setup csv 2000

out=$("$FERRY" run "$FERRY_SOURCE_DIR/conf/pipelines/timesheet.cfg" --output-dir "$TMP/out")
expect_eq "printed path" "$out" "$TMP/out/timesheet.csv"
expect_eq "files in the output dir" "$(all_files "$TMP/out")" "timesheet.csv"
expect_eq "demo rows" "$(testdb_sql "SELECT COUNT(*) FROM tracking_timeentry")" 2000
check_csv "$TMP/out/timesheet.csv" all --specials

assert_done
