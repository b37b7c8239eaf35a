#!/bin/bash
# audit_json.sh — the "completed" audit row's additional_data is built with
# jansson: a pipeline whose name holds a '"' still completes, and the row
# is valid JSON naming the pipeline as written.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
core_setup auditjson 50

sed -i 's|^name = "timesheet";|name = "time\\"sheet";|' "$TMP/pipelines/timesheet.cfg"
grep -q '^name = "time\\"sheet' "$TMP/pipelines/timesheet.cfg" || fail "could not rename the pipeline"
zoe=$(uid zoe)
req=$(new_request "$zoe")
run_request "$req"
[ "$RC" = 0 ] || fail "request run exited $RC: $ERR"
expect_eq "status" "$(req_col "$req" status)" completed
audit() {
    testdb_sql "SELECT $1 FROM export_audit_logs WHERE export_request_id = '$req' AND action = 'completed'"
}
expect_eq "additional_data is valid JSON" "$(audit "JSON_VALID(additional_data)")" 1
expect_eq "pipeline name in the audit row" "$(audit "JSON_VALUE(additional_data, '\$.pipeline')")" 'time"sheet'
assert_done
