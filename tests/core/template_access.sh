#!/bin/bash
# template_access.sh — proves the template access rule and precedence: a
# template that is not the user's, not shared with them and not public is
# refused (exit 7, status failed, one 'failed' audit row); shared_with or
# is_public lets the user use it; request selected_fields beat the
# template's field_configuration.fields, which beat the pipeline's; the
# template's headers become the CSV's header labels; an unknown selected
# field fails with exit 3 naming it and the allowed ones, publishing nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
core_setup tpl 600

zoe=$(uid zoe)
olga=$(uid olga)
tpl=$(new_template "$zoe" 0 \
    '{"fields": ["date", "duration", "project"], "headers": ["Day", "Time spent", "Projekt «P»"]}')

echo "--- not the user's, not shared, not public: refused"
req=$(new_request "$olga" '{}' '[]' "$tpl")
run_request "$req"
expect_eq "exit code" "$RC" 7
expect_eq "stderr lines" "$(printf '%s\n' "$ERR" | wc -l)" 1
expect_match "message" "$ERR" "^ferry: request $req: template $tpl is not the user's, not shared with them and not public$"
expect_eq "status" "$(req_col "$req" status)" failed
expect_match "error_message" "$(req_col "$req" error_message)" "not shared with them and not public"
expect_eq "audit rows" "$(testdb_sql "SELECT GROUP_CONCAT(action ORDER BY action) FROM export_audit_logs WHERE export_request_id = '$req'")" "failed,started"
expect_eq "audit user" "$(testdb_sql "SELECT DISTINCT user_id FROM export_audit_logs WHERE export_request_id = '$req'")" "$olga"
expect_eq "failed_exports" "$(testdb_sql "SELECT failed_exports FROM export_usage_stats WHERE user_id = $olga")" 1
expect_eq "store" "$(all_files "$STORE")" ""
expect_eq "template usage_count" "$(testdb_sql "SELECT usage_count FROM export_templates WHERE id = '$tpl'")" 0

# ok_run ID USER FIELDS HEADERS: the request completes with those columns.
ok_run() {
    run_request "$1"
    [ "$RC" = 0 ] || fail "request $1 exited $RC: $ERR"
    expect_eq "status of $1" "$(req_col "$1" status)" completed
    check_csv "$STORE/$(req_col "$1" file_path)" "$2" --fields "$3" --headers "$4"
}

echo "--- shared with the user: allowed, template fields and headers"
testdb_sql "INSERT INTO export_templates_shared_with (exporttemplate_id, user_id) VALUES ('$tpl', $olga)"
ok_run "$(new_request "$olga" '{}' '[]' "$tpl")" "$olga" date,duration,project "Day,Time spent,Projekt «P»"

echo "--- public (no longer shared): allowed"
testdb_sql "DELETE FROM export_templates_shared_with WHERE exporttemplate_id = '$tpl'"
testdb_sql "UPDATE export_templates SET is_public = 1 WHERE id = '$tpl'"
ok_run "$(new_request "$olga" '{}' '[]' "$tpl")" "$olga" date,duration,project "Day,Time spent,Projekt «P»"
expect_eq "template usage_count" "$(testdb_sql "SELECT usage_count FROM export_templates WHERE id = '$tpl'")" 2

echo "--- the owner: allowed even when private"
testdb_sql "UPDATE export_templates SET is_public = 0 WHERE id = '$tpl'"
echo "--- precedence: request selected_fields over the template's fields"
ok_run "$(new_request "$zoe" '{}' '["project", "description", "date"]' "$tpl")" "$zoe" \
    project,description,date "Projekt «P»,Description,Day"
echo "--- precedence: the template's fields over the pipeline's"
ok_run "$(new_request "$zoe" '{}' '[]' "$tpl")" "$zoe" date,duration,project "Day,Time spent,Projekt «P»"
echo "--- precedence: the pipeline's fields when neither says"
ok_run "$(new_request "$zoe" '{}' '[]')" "$zoe" date,project,task,duration,description,billable \
    "Date,Project,Task,Duration,Description,Billable"
ok_run "$(new_request "$zoe" '{}' '["billable", "task"]')" "$zoe" billable,task "Billable,Task"

echo "--- an unknown selected field: exit 3, naming it and the allowed ones"
before=$(all_files "$STORE")
req=$(new_request "$zoe" '{}' '["date", "hours"]' "$tpl")
run_request "$req"
expect_eq "exit code" "$RC" 3
expect_eq "stderr lines" "$(printf '%s\n' "$ERR" | wc -l)" 1
expect_match "message" "$ERR" '^ferry: .*unknown field "hours" \(allowed: date, project, task, duration, description, billable\)$'
expect_eq "status" "$(req_col "$req" status)" failed
expect_eq "store unchanged" "$(all_files "$STORE")" "$before"
assert_done
