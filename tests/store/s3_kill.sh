#!/bin/bash
# s3_kill.sh — a worker SIGKILLed in the middle of a multipart upload
# (s3_proxy.py holds its second part, so the kill lands there every time):
# no object is visible and no request names one; once the lease has run out
# (on the database's clock) another worker completes the request exactly
# once, as attempt 2; `ferry expire` then sweeps what the killed attempt
# left: its published staging copy in store.path and its unfinished
# multipart upload (listed and aborted through the proxy, since s3rver has
# neither ListMultipartUploads nor AbortMultipartUpload).
set -euo pipefail
. "$(dirname "$0")/s3lib.sh"
core_setup s3kill 300
s3_start
s3_proxy_start 2
w1= w2=
trap '[ -n "${S3_KEEP:-}" ] && cp -r "$TMP" /tmp/s3kill-debug; kill -9 $S3PID $PROXYPID ${w1:-} ${w2:-} 2>/dev/null; wait 2>/dev/null; testdb_drop; rm -rf "$TMP"' EXIT
s3_use
sed -i "s|endpoint = \"http://127.0.0.1:$S3PORT\"|endpoint = \"http://127.0.0.1:$PROXYPORT\"|" "$CONF"
sed -i "s|^store: { |store: { multipart_threshold = 1000; part_size = 1024; |" "$CONF"
echo 'worker: { lease_seconds = 2; poll_interval_ms = 100; };' >>"$CONF"
req=$(new_request "$(uid zoe)" '{}' '[]')

"$FERRY" worker --concurrency 1 >"$TMP/w1.log" 2>&1 &
w1=$!
wait_until "the upload's second part" test -e "$TMP/stalled"
expect_eq "held by attempt 1" "$(req_col "$req" "CONCAT(status, ' ', ferry_attempt)")" "processing 1"
kill -9 "$w1"
wait "$w1" 2>/dev/null || true
w1=
expect_eq "no object of attempt 1" "$(s3_head "exports/$req-1.csv")" 404
expect_eq "no request names an object" "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE file_path <> ''")" 0
expect_match "an upload was started" "$(curl -sS "http://127.0.0.1:$PROXYPORT/ferry?uploads")" "<Key>exports/$req-1\.csv</Key>"

# Another worker takes the request over once the lease has lapsed.
"$FERRY" worker --concurrency 1 >"$TMP/w2.log" 2>&1 &
w2=$!
is_completed() { [ "$(req_col "$req" status)" = completed ]; }
wait_until "completion" is_completed
kill -TERM "$w2"
wait "$w2" || fail "second worker exited $?: $(tail -5 "$TMP/w2.log")"
w2=
expect_eq "completed by attempt 2" "$(req_col "$req" "CONCAT(ferry_attempt, ' ', file_path)")" "2 s3://ferry/exports/$req-2.csv"
expect_eq "completed once" "$(testdb_sql "SELECT action, COUNT(*) FROM export_audit_logs WHERE export_request_id = '$req' GROUP BY action ORDER BY action" | tr '\n' ' ')" "completed	1 started	1 "
expect_eq "GET the object" "$(s3_get "exports/$req-2.csv" "$TMP/dl")" 200
expect_eq "same bytes" "$(sha "$TMP/dl")" "$(req_col "$req" ferry_checksum)"
expect_eq "still no object of attempt 1" "$(s3_head "exports/$req-1.csv")" 404
expect_eq "the killed attempt's staging copy is left" "$(visible_files "$STORE")" "$req-1.csv"

# ferry expire sweeps it.
sed -i "s|^store: { |store: { orphan_grace_seconds = 0; |" "$CONF"
out=$("$FERRY" expire 2>&1) || fail "expire: $out"
expect_match "the staging copy removed" "$out" "removed 1 orphan "
expect_eq "store.path empty" "$(visible_files "$STORE")" ""
expect_match "the upload aborted" "$out" "aborted unfinished upload.*object=\"s3://ferry/exports/$req-1\.csv\""
expect_eq "no unfinished upload left" "$(curl -sS "http://127.0.0.1:$PROXYPORT/ferry?uploads" | grep -c '<Upload>' || true)" 0
expect_eq "the request's object stays" "$(s3_head "exports/$req-2.csv")" 200
expect_eq "request untouched" "$(req_col "$req" status)" completed
echo "passed"
