#!/bin/bash
# lifecycle.sh — proves a request's lifecycle through `ferry request run`:
# pending → completed with started_at, completed_at, progress 100, a
# file_path relative to the store, file_size, a signed download_url (its
# HMAC checked here independently), expires_at after the retention days,
# audit rows 'started' and 'completed' exactly once, the user's
# export_usage_stats row (1 export, 1 csv, records, bytes) and the
# template's usage_count/last_used; running it again changes nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
core_setup life 800

zoe=$(uid zoe)
tpl=$(new_template "$zoe" 0 '{}')
req=$(new_request "$zoe" '{"billable": true}' '[]' "$tpl")
expect_eq "status before" "$(req_col "$req" "CONCAT(status, ' ', progress_percentage, ' ', started_at IS NULL)")" "pending 0 1"
want_rows=$(testdb_sql "SELECT COUNT(*) FROM tracking_timeentry WHERE user_id = $zoe AND billable = 1")

run_request "$req"
[ "$RC" = 0 ] || fail "request run exited $RC: $ERR"
expect_eq "printed path" "$OUT" "$STORE/$(req_col "$req" file_path)"

row() { req_col "$req" "$1"; }
expect_eq "status" "$(row status)" completed
expect_eq "progress_percentage" "$(row progress_percentage)" 100
expect_eq "error_message" "$(row error_message)" ""
expect_eq "started_at <= completed_at" "$(row "started_at IS NOT NULL AND completed_at IS NOT NULL AND started_at <= completed_at")" 1
expect_eq "expires_at = completed_at + 7 days" "$(row "expires_at = completed_at + INTERVAL 7 DAY")" 1
path=$(row file_path)
expect_match "file_path is relative and beneath the store" "$path" '^[^/.][^/]*$'
[ -f "$STORE/$path" ] || fail "no file $STORE/$path"
expect_eq "file_size" "$(row file_size)" "$(stat -c %s "$STORE/$path")"
expect_eq "ferry_row_count" "$(row ferry_row_count)" "$want_rows"
expect_eq "ferry_checksum" "$(row ferry_checksum)" "$(sha256sum "$STORE/$path" | cut -d' ' -f1)"
check_csv "$STORE/$path" "$zoe" --where "e.billable = 1"

url=$(row download_url)
"$CORE_PY" - "$url" "$req" core-test-secret-0123456789abcdef <<'PY' || fail "download_url $url is not signed for the request"
import base64, hashlib, hmac, sys, time, urllib.parse
url, rid, secret = sys.argv[1:]
u = urllib.parse.urlsplit(url)
assert (u.scheme, u.netloc, u.path) == ("http", "127.0.0.1:8080", "/download/" + rid), url
token = urllib.parse.parse_qs(u.query)["token"][0]
v, exp, mac = token.split(".")
want = base64.urlsafe_b64encode(hmac.new(secret.encode(), f"v1|{rid}|{exp}".encode(),
                                         hashlib.sha256).digest()).rstrip(b"=").decode()
assert v == "v1" and hmac.compare_digest(mac, want), token
assert int(exp) > time.time(), "the token has expired already"
print("ok: download_url is signed for the request")
PY

audit() {
    testdb_sql "SELECT CONCAT(action, ':', COUNT(*)) FROM export_audit_logs WHERE export_request_id = '$req' GROUP BY action ORDER BY action" | tr '\n' ' '
}
expect_eq "audit rows" "$(audit)" "completed:1 started:1 "
expect_eq "audit rows are ferry's own" \
    "$(testdb_sql "SELECT COUNT(*) FROM export_audit_logs WHERE export_request_id = '$req' AND user_id = $zoe AND ip_address = '' AND user_agent LIKE '%ferry%'")" 2
expect_eq "completed audit row's data" \
    "$(testdb_sql "SELECT CONCAT(JSON_VALUE(additional_data, '$.rows'), ' ', JSON_VALUE(additional_data, '$.bytes')) FROM export_audit_logs WHERE export_request_id = '$req' AND action = 'completed'")" \
    "$want_rows $(row file_size)"

usage() {
    testdb_sql "SELECT CONCAT_WS(' ', date = (SELECT DATE(completed_at) FROM export_requests WHERE id = '$req'), total_exports, csv_exports, json_exports, pdf_exports, excel_exports, total_records_exported, total_file_size, failed_exports, avg_processing_time IS NOT NULL) FROM export_usage_stats WHERE user_id = $zoe"
}
expect_eq "usage stats" "$(usage)" "1 1 1 0 0 0 $want_rows $(row file_size) 0 1"
# The processing time is the request's own, started_at to completed_at
# (the usage upsert reads it from the row, the only export of the day).
expect_eq "usage processing time" \
    "$(testdb_sql "SELECT avg_processing_time = (SELECT TIMESTAMPDIFF(MICROSECOND, started_at, completed_at) FROM export_requests WHERE id = '$req') AND avg_processing_time > 0 FROM export_usage_stats WHERE user_id = $zoe")" 1
expect_eq "other users' usage stats" "$(testdb_sql "SELECT COUNT(*) FROM export_usage_stats WHERE user_id <> $zoe")" 0
tplrow() { testdb_sql "SELECT CONCAT(usage_count, ' ', last_used IS NOT NULL AND last_used >= (SELECT started_at FROM export_requests WHERE id = '$req')) FROM export_templates WHERE id = '$tpl'"; }
expect_eq "template usage" "$(tplrow)" "1 1"

echo "--- running a completed request again changes nothing"
before=$(testdb_sql "SELECT CONCAT_WS('|', status, completed_at, file_path, file_size, download_url) FROM export_requests WHERE id = '$req'")
run_request "$req"
[ "$RC" != 0 ] || fail "a completed request ran again"
expect_eq "stderr lines" "$(printf '%s\n' "$ERR" | wc -l)" 1
expect_match "message" "$ERR" "^ferry: .*$req"
expect_eq "the row" "$(testdb_sql "SELECT CONCAT_WS('|', status, completed_at, file_path, file_size, download_url) FROM export_requests WHERE id = '$req'")" "$before"
expect_eq "audit rows" "$(audit)" "completed:1 started:1 "
expect_eq "usage stats" "$(usage)" "1 1 1 0 0 0 $want_rows $(row file_size) 0 1"
# The processing time is the request's own, started_at to completed_at
# (the usage upsert reads it from the row, the only export of the day).
expect_eq "usage processing time" \
    "$(testdb_sql "SELECT avg_processing_time = (SELECT TIMESTAMPDIFF(MICROSECOND, started_at, completed_at) FROM export_requests WHERE id = '$req') AND avg_processing_time > 0 FROM export_usage_stats WHERE user_id = $zoe")" 1
expect_eq "template usage" "$(tplrow)" "1 1"
expect_eq "files in the store" "$(all_files "$STORE")" "$path"
assert_done
