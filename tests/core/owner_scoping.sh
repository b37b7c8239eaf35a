#!/bin/bash
# owner_scoping.sh — proves owner scoping: a request of one user, with
# filters that try every way to reach another user's rows, exports only its
# own rows (compared with SELECT … WHERE user_id = owner) or fails with a
# clear error for a key that is not filterable; SQL injection attempts are
# bound values that match nothing, and every table stays intact.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
core_setup owner 1500

zoe=$(uid zoe)
olga=$(uid olga)
total=$(testdb_sql "SELECT COUNT(*) FROM tracking_timeentry")
tables=$(testdb_sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()")
[ "$(testdb_sql "SELECT COUNT(*) FROM tracking_timeentry WHERE user_id = $zoe")" -gt 0 ] ||
    fail "the demo data gives zoe no rows"

# exports_own ID USER WHERE: the request completes and its CSV holds exactly
# USER's rows matching WHERE.
exports_own() {
    run_request "$1"
    [ "$RC" = 0 ] || fail "request $1 exited $RC: $ERR"
    expect_eq "status of $1" "$(req_col "$1" status)" completed
    local f
    f=$(req_col "$1" file_path)
    [ -f "$STORE/$f" ] || fail "request $1: no file $STORE/$f"
    check_csv "$STORE/$f" "$2" --where "$3"
}

# refused ID PATTERN: the request fails with exit 3 and a one-line message
# matching PATTERN, recorded on the row; nothing is published.
refused() {
    local before
    before=$(visible_files "$STORE")
    run_request "$1"
    expect_eq "exit code of $1" "$RC" 3
    expect_eq "stderr lines of $1" "$(printf '%s\n' "$ERR" | wc -l)" 1
    expect_match "message of $1" "$ERR" "^ferry: .*$2"
    expect_eq "status of $1" "$(req_col "$1" status)" failed
    expect_match "error_message of $1" "$(req_col "$1" error_message)" "$2"
    expect_eq "store after $1" "$(visible_files "$STORE")" "$before"
}

echo "--- filters that are not filterable keys"
refused "$(new_request "$zoe" "{\"user_id\": $olga}")" \
    'filtering on "user_id" is not allowed \(filterable: date, project, task, duration, billable\)'
refused "$(new_request "$zoe" "{\"user_id\": {\"ne\": $zoe}}")" 'filtering on "user_id" is not allowed'
refused "$(new_request "$zoe" "{\"\`user_id\`\": $olga}")" 'is not allowed'
refused "$(new_request "$zoe" "{\"e.user_id\": $olga}")" 'is not allowed'
refused "$(new_request "$zoe" "{\"USER_ID\": $olga}")" 'is not allowed'
refused "$(new_request "$zoe" '{"1 OR 1": 1}')" 'is not allowed'
refused "$(new_request "$zoe" '{"description": "x"}')" 'filtering on "description" is not allowed'
refused "$(new_request "$zoe" '{"project": {"or": ["x"]}}')" 'unknown operator "or"'
refused "$(new_request "$zoe" '{}' '["date", "user_id"]')" 'unknown field "user_id" \(allowed: date, project, task, duration, description, billable\)'

echo "--- filters that would widen the rows: still only zoe's"
exports_own "$(new_request "$zoe" '{"project": {"ne": "x"}}')" "$zoe" "p.name <> 'x'"
exports_own "$(new_request "$zoe" '{"date": {"gte": "1900-01-01"}}')" "$zoe" 1
exports_own "$(new_request "$zoe" '{"date": {"gte": "1900-01-01", "lt": "2100-01-01"}, "project": {"is_null": false}, "task": {"is_null": false}}')" \
    "$zoe" "t.name IS NOT NULL"
exports_own "$(new_request "$zoe" '{"billable": true}')" "$zoe" "e.billable = 1"
# The same filters for olga give olga's rows: the owner is the request's user.
exports_own "$(new_request "$olga" '{"project": {"ne": "x"}}')" "$olga" 1

echo "--- SQL injection attempts: bound values that match nothing"
for f in '{"project": ["'"'"' OR 1=1 --"]}' \
    '{"project": "x'"'"'; DROP TABLE tracking_timeentry; --"}' \
    '{"task": {"contains": "'"'"' OR '"'"'1'"'"'='"'"'1"}}' \
    '{"task": {"contains": "%"}}' \
    '{"project": {"ne": "x'"'"') OR (1=1"}, "date": {"lt": "2000-01-01'"'"' OR '"'"'1'"'"'='"'"'1"}}' \
    '{"task": {"gt": "0 OR 1=1"}, "project": ["a\") OR (\"1\"=\"1"]}'; do
    echo "filters: $f"
    exports_own "$(new_request "$zoe" "$f")" "$zoe" 0
done

# On a duration field, text that is no duration is refused, naming the field.
refused "$(new_request "$zoe" '{"duration": {"gt": "0 OR 1=1"}}')" 'filter on "duration": not a duration'
expect_eq "time entries after the injections" "$(testdb_sql "SELECT COUNT(*) FROM tracking_timeentry")" "$total"
expect_eq "tables after the injections" \
    "$(testdb_sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()")" "$tables"
expect_eq "requests not completed or failed" \
    "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status NOT IN ('completed', 'failed')")" 0
assert_done
