#!/bin/bash
# template_options.sh — a template's layout_settings may set only the
# format options the plugin marks FERRY_OPT_TEMPLATE (presentation); a path
# (format-pdf.font), a cap (row_cap) or a safety switch (formula_guard) is
# refused with a message naming the key and the template, unless ferry.conf's
# requests.template_options allows it; a cap so allowed is refused above the
# site's value and accepted at or below it. Keys no option of the format
# has (the web app's own) are still ignored. A template's date_format is
# presentation, but the text it makes is guarded like any string: a public
# template cannot put a formula in the CSV of whoever uses it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
core_setup tplopts 200

olga=$(uid olga)
# template LAYOUT_JSON: a template of olga's with these layout_settings.
template() {
    local id
    id=$(testdb_sql "SELECT LOWER(HEX(RANDOM_BYTES(16)))")
    testdb_sql "INSERT INTO export_templates (id, name, description, format, field_configuration,
        default_filters, layout_settings, is_public, usage_count, last_used, created_at,
        updated_at, user_id) VALUES ('$id', 'opts', '', 'csv', '{}', '{}', $(sql_quote "$1"), 0,
        0, NULL, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), $olga)"
    echo "$id"
}
# refused WHAT FORMAT LAYOUT REGEX: the request fails (exit 3), its
# error_message matches REGEX and it names no file.
refused() {
    local tpl req
    tpl=$(template "$3")
    req=$(new_request "$olga" '{}' '[]' "$tpl" "$2")
    run_request "$req"
    expect_eq "$1: exit code" "$RC" 3
    expect_eq "$1: status" "$(req_col "$req" status)" failed
    expect_match "$1: error" "$(req_col "$req" error_message)" "^template $tpl: layout_settings\.$4"
    expect_eq "$1: file_path" "$(req_col "$req" file_path)" ""
}
# accepted WHAT FORMAT LAYOUT: the request completes.
accepted() {
    local tpl req
    tpl=$(template "$3")
    req=$(new_request "$olga" '{}' '[]' "$tpl" "$2")
    run_request "$req"
    [ "$RC" = 0 ] || fail "$1: request run exited $RC: $ERR"
    expect_eq "$1: status" "$(req_col "$req" status)" completed
}

refused "formula_guard = false" csv '{"formula_guard": false}' \
    "formula_guard: a template may not set format-csv's option \"formula_guard\" \(ferry.conf requests.template_options can allow \"format-csv.formula_guard\"\)$"
mkfifo "$TMP/fifo"
refused "a font path" pdf "{\"font\": \"$TMP/fifo\"}" \
    "font: a template may not set format-pdf's option \"font\""
refused "row_cap above the default" pdf '{"row_cap": 999999999}' \
    "row_cap: a template may not set format-pdf's option \"row_cap\""
refused "sheet_rows" excel '{"sheet_rows": 2}' "sheet_rows: a template may not set"
accepted "presentation options and a key of the web app's" csv \
    '{"delimiter": "semicolon", "bom": true, "title": "x", "unrelated_ui_key": 1}'

# The site allows templates to lower row_cap: above its value is refused.
sed -i 's|^requests: { |requests: { template_options = ["format-pdf.row_cap"]; |' "$CONF"
grep -q template_options "$CONF" || fail "could not add requests.template_options to $CONF"
refused "row_cap above the site's" pdf '{"row_cap": 100001}' \
    "row_cap = 100001 is above the site's 100000: refused$"
accepted "row_cap at the site's" pdf '{"row_cap": 100000}'
accepted "row_cap below the site's" pdf '{"row_cap": 5000}'
refused "formula_guard, still" csv '{"formula_guard": false}' "formula_guard: a template may not"

# zoe's public template formats dates as formulas; olga's export through it
# has every date guarded (one leading ').
zoe=$(uid zoe)
tpl=$(new_template "$zoe" 1 '{"formatting": {"date": {"date_format": "=1+%d"}}}')
req=$(new_request "$olga" '{}' '["date", "project"]' "$tpl" csv)
run_request "$req"
[ "$RC" = 0 ] || fail "date_format request exited $RC: $ERR"
csv="$STORE/$(req_col "$req" file_path)"
[ "$(sed -n 2p "$csv" | cut -d, -f1)" != "" ] || fail "no data rows in $csv"
unguarded=$(tail -n +2 "$csv" | cut -d, -f1 | grep -cv "^'=1+[0-9][0-9]\$" || true)
expect_eq "dates made formulas by a template, unguarded" "$unguarded" 0
assert_done
