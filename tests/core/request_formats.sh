#!/bin/bash
# request_formats.sh — `ferry request run` serves every seed format through
# the one request pipeline: json, excel (→ .xlsx), pdf and csv, each read
# back by a real consumer and matched to the user's rows; a template's
# layout_settings become the formatter's options (sheet name, PDF title and
# orientation); the offered file name, content type and the per-format
# usage counters are right.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
core_setup fmts 600

olga=$(uid olga)
n=$(testdb_sql "SELECT COUNT(*) FROM tracking_timeentry WHERE user_id = $olga")
layout='{"sheet_name": "Stunden", "title": "Bericht Ольга", "orientation": "landscape", "unrelated_ui_key": 1}'
tpl=$(testdb_sql "SELECT LOWER(HEX(RANDOM_BYTES(16)))")
testdb_sql "INSERT INTO export_templates (id, name, description, format, field_configuration,
    default_filters, layout_settings, is_public, usage_count, last_used, created_at, updated_at,
    user_id) VALUES ('$tpl', 'layout', '', 'csv', '{}', '{}', $(sql_quote "$layout"), 0, 0, NULL,
    UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), $olga)"

declare -A want_ext=([csv]=csv [json]=json [excel]=xlsx [pdf]=pdf)
declare -A want_type=([csv]="text/csv; charset=utf-8" [json]="application/json"
    [excel]="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" [pdf]="application/pdf")
for f in csv json excel pdf; do
    req=$(new_request "$olga" '{}' '[]' "$tpl" "$f")
    testdb_sql "UPDATE export_requests SET title = 'Olga $f' WHERE id = '$req'"
    run_request "$req"
    [ "$RC" = 0 ] || fail "$f: request run exited $RC: $ERR"
    expect_eq "$f: status" "$(req_col "$req" status)" completed
    expect_eq "$f: offered name" "$(req_col "$req" ferry_file_name)" "Olga $f.${want_ext[$f]}"
    expect_eq "$f: content type" "$(req_col "$req" ferry_content_type)" "${want_type[$f]}"
    expect_eq "$f: row count" "$(req_col "$req" ferry_row_count)" "$n"
    file=$STORE/$(req_col "$req" file_path)
    case $f in
    csv) got=$(/usr/bin/python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8"))))-1)' "$file") ;;
    json) got=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1], encoding="utf-8")); assert all(set(r)=={"date","project","task","duration","description","billable"} for r in d); print(len(d))' "$file") ;;
    excel)
        got=$(/usr/bin/python3 -c 'import openpyxl,sys; wb=openpyxl.load_workbook(sys.argv[1], read_only=True); ws=wb.worksheets[0]; print(ws.title, sum(1 for _ in ws.iter_rows())-2)' "$file")
        expect_eq "excel: sheet name from layout_settings, title row + header" "$got" "Stunden $n"
        got=$n ;;
    pdf)
        info=$(pdfinfo "$file")
        expect_match "pdf: landscape from layout_settings" "$(grep 'Page size' <<<"$info")" '84[12](\.[0-9]+)? x 595'
        expect_match "pdf: title from layout_settings" "$(pdftotext -l 1 "$file" - 2>/dev/null | head -3)" 'Bericht Ольга'
        got=$n ;;
    esac
    expect_eq "$f: rows read back" "$got" "$n"
done
expect_eq "usage: one export per format" \
    "$(testdb_sql "SELECT CONCAT_WS(' ', total_exports, csv_exports, json_exports, excel_exports, pdf_exports) FROM export_usage_stats WHERE user_id = $olga")" "4 1 1 1 1"
expect_eq "template usage" "$(testdb_sql "SELECT usage_count FROM export_templates WHERE id = '$tpl'")" 4
assert_done
