#!/bin/bash
# filter_values.sh — request filter values mean one thing whatever the
# column stores: on a duration field a number is seconds and text is h:mm
# (the demo's column holds Django's microseconds); a long "any of" list
# (more parameters than the source's first allocation) binds every value.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
core_setup fvals 1500

taro=$(uid taro)
rows() { /usr/bin/python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8"))))-1)' "$1"; }
check_filter() { # NAME FILTERS_JSON SQL_CONDITION
    local req
    req=$(new_request "$taro" "$2" '[]')
    run_request "$req"
    [ "$RC" = 0 ] || fail "$1: request run exited $RC: $ERR"
    local want
    want=$(testdb_sql "SELECT COUNT(*) FROM tracking_timeentry e JOIN tracking_project p ON p.id = e.project_id LEFT JOIN tracking_task t ON t.id = e.task_id WHERE e.user_id = $taro AND ($3)")
    expect_eq "$1" "$(rows "$OUT")" "$want"
}
check_filter "duration >= 3600 seconds" '{"duration": {"gte": 3600}}' "e.duration >= 3600000000"
check_filter "duration < \"0:30\"" '{"duration": {"lt": "0:30"}}' "e.duration < 1800000000"
check_filter "duration between 1.5 h and 2:00:00" '{"duration": {"gte": 5400.0, "lte": "2:00:00"}}' \
    "e.duration BETWEEN 5400000000 AND 7200000000"
# (names with a double quote would come back escaped from the client's batch mode)
names=$(testdb_sql "SELECT GROUP_CONCAT(JSON_QUOTE(name)) FROM tracking_project WHERE name NOT LIKE '%\"%'")
filler=$(seq 1 30 | sed 's/.*/"no such project &"/' | paste -sd,)
check_filter "project in a 30+ value list" "{\"project\": [$filler, $names]}" "p.name NOT LIKE '%\"%'"
check_filter "project in a list with one real name" "{\"project\": [$filler, \"東京 Office\"]}" "p.name = '東京 Office'"

# Values a column cannot hold are refused with one line naming the field,
# never matching every row or the wrong ones.
refuse() { # NAME FILTERS_JSON WANT_IN_ERROR [START END]
    local req
    req=$(new_request "$taro" "$2" '[]')
    [ -n "${4:-}" ] && testdb_sql "UPDATE export_requests SET date_range_start = '$4', date_range_end = '$5' WHERE id = '$req'"
    run_request "$req"
    [ "$RC" != 0 ] || fail "$1: accepted ($(rows "$OUT") rows)"
    grep -qF "$3" <<<"$ERR" || fail "$1: error does not name \"$3\": $ERR"
    [ "$(printf '%s\n' "$ERR" | grep -c .)" = 1 ] || fail "$1: not one line: $ERR"
    echo "ok: $1 refused: $ERR"
}
refuse "duration beyond the microsecond range" '{"duration": {"gte": 9300000000000}}' '"duration"'
refuse "duration text that is not one" '{"duration": {"gte": "soon"}}' '"duration"'
refuse "bool column given \"yes\"" '{"billable": "yes"}' '"billable"'
refuse "reversed date range" '{}' 'date range' '2024-06-01 00:00:00' '2024-01-01 00:00:00'
check_filter "bool column given true" '{"billable": true}' "e.billable = 1"
assert_done
