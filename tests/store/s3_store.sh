#!/bin/bash
# s3_store.sh — artifacts in an S3-compatible object store (s3rver on
# loopback): a request's artifact is uploaded (one PUT, and multipart above
# the threshold) with the same bytes and SHA-256, recorded as
# s3://bucket/key; an unknown access key is refused with a one-line error;
# `ferry serve` counts the download and redirects to a presigned URL that
# gives the same bytes (curl -L) under the offered name; a request completed
# on the file store before the switch stays downloadable (mixed stores);
# with download.objects = "stream" serve sends the same bytes itself;
# `ferry request delete` and `ferry expire` delete the objects; a row naming
# an object outside the store's prefix is neither served nor deleted.
set -euo pipefail
. "$(dirname "$0")/s3lib.sh"
core_setup s3 300
s3_start
port=$(free_port)
sed -i "s|base_url = \"http://127.0.0.1:8080\"; retention_days|base_url = \"http://127.0.0.1:$port\"; retention_days|" "$CONF"
sed -i "s|^download: { |download: { listen = \"127.0.0.1:$port\"; |" "$CONF"
srv=
trap 'kill $S3PID ${srv:-} 2>/dev/null; wait 2>/dev/null; testdb_drop; rm -rf "$TMP"' EXIT
zoe=$(uid zoe)

# Before the switch: a request completed on the file store.
old=$(new_request "$zoe" '{}' '[]')
run_request "$old"
[ "$RC" = 0 ] || fail "file-store run exited $RC: $ERR"
expect_match "file store path" "$(req_col "$old" file_path)" "^$old-1\.csv$"

s3_use
# One PUT.
req=$(new_request "$zoe" '{}' '[]')
testdb_sql "UPDATE export_requests SET title = 'Zoë report' WHERE id = '$req'"
run_request "$req"
[ "$RC" = 0 ] || fail "request run exited $RC: $ERR"
expect_eq "file_path names the object" "$(req_col "$req" file_path)" "s3://ferry/exports/$req-1.csv"
expect_eq "GET object" "$(s3_get "exports/$req-1.csv" "$TMP/small")" 200
expect_eq "same bytes (sha256)" "$(sha "$TMP/small")" "$(req_col "$req" ferry_checksum)"
expect_eq "size" "$(stat -c %s "$TMP/small")" "$(req_col "$req" file_size)"
[ ! -e "$STORE/$req-1.csv" ] || fail "the staging copy was left in $STORE"

# Multipart: threshold below the artifact, parts of 1 KiB.
sed -i "s|^store: { |store: { multipart_threshold = 1000; part_size = 1024; |" "$CONF"
big=$(new_request "$zoe" '{}' '[]')
run_request "$big"
[ "$RC" = 0 ] || fail "multipart run exited $RC: $ERR"
size=$(req_col "$big" file_size)
[ "$size" -gt 2048 ] || fail "artifact of $size bytes is too small for three parts"
expect_eq "GET multipart object" "$(s3_get "exports/$big-1.csv" "$TMP/big")" 200
expect_eq "multipart: same bytes (sha256)" "$(sha "$TMP/big")" "$(req_col "$big" ferry_checksum)"
expect_match "uploaded in parts (s3rver log)" "$(grep -c 'uploadId' "$TMP/s3rver.log")" "^[3-9]|^[1-9][0-9]"

# An unknown access key: refused, one line that says why.
cp "$CONF" "$TMP/good.conf"
sed -i 's|access_key_id = "S3RVER"|access_key_id = "NOSUCHKEY"|' "$CONF"
bad=$(new_request "$zoe" '{}' '[]')
run_request "$bad"
[ "$RC" != 0 ] || fail "an unknown access key was accepted"
line=$(printf '%s\n' "$ERR" | grep '^ferry: ' || true)
expect_eq "one error line" "$(printf '%s\n' "$line" | grep -c .)" 1
expect_match "it says why" "$line" "^ferry: s3 (PUT|POST) ferry/exports/$bad-1\.csv: HTTP 403 InvalidAccessKeyId: The AWS Access Key Id you provided does not exist"
expect_eq "not completed" "$(req_col "$bad" status)" failed
[ ! -e "$STORE/$bad-1.csv" ] || fail "the staged file of a failed upload was left"
cp "$TMP/good.conf" "$CONF"

# Downloads through ferry serve: a redirect to a presigned URL.
"$FERRY" serve >"$TMP/serve.log" 2>&1 &
srv=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
url=$(req_col "$req" download_url)
code=$(curl -sS -o /dev/null -D "$TMP/h1" -w '%{http_code}' "$url")
expect_eq "serve redirects" "$code" 302
loc=$(grep -i '^location:' "$TMP/h1" | tr -d '\r' | cut -d' ' -f2-)
expect_match "to a presigned URL on the store" "$loc" "^http://127\.0\.0\.1:$S3PORT/ferry/exports/$req-1\.csv\?X-Amz-Algorithm=AWS4-HMAC-SHA256&.*X-Amz-Signature="
expect_match "with the offered name" "$loc" "response-content-disposition=attachment"
code=$(curl -sS -L -D "$TMP/h2" -o "$TMP/dl" -w '%{http_code}' "$url")
expect_eq "curl -L status" "$code" 200
expect_eq "download: same bytes" "$(sha "$TMP/dl")" "$(req_col "$req" ferry_checksum)"
expect_match "Content-Disposition from the override" "$(grep -i '^content-disposition' "$TMP/h2")" "Zo%C3%AB%20report\.csv"
expect_eq "download_count" "$(req_col "$req" download_count)" 2
code=$(curl -sS -L -o "$TMP/olddl" -w '%{http_code}' "$(req_col "$old" download_url)")
expect_eq "file-store request still served" "$code" 200
expect_eq "file-store request: same bytes" "$(sha "$TMP/olddl")" "$(req_col "$old" ferry_checksum)"

# download.objects = "stream": ferry serve fetches the object and sends the
# same bytes itself, with the offered name and type.
kill "$srv"
wait "$srv" 2>/dev/null || true
sed -i "s|^download: { |download: { objects = \"stream\"; |" "$CONF"
"$FERRY" serve >"$TMP/serve2.log" 2>&1 &
srv=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
code=$(curl -sS -D "$TMP/h3" -o "$TMP/dl3" -w '%{http_code}' "$url")
expect_eq "stream: served directly" "$code" 200
expect_eq "stream: no redirect" "$(grep -ci '^location:' "$TMP/h3" || true)" 0
expect_eq "stream: same bytes (sha256)" "$(sha "$TMP/dl3")" "$(req_col "$req" ferry_checksum)"
expect_match "stream: Content-Disposition" "$(grep -i '^content-disposition' "$TMP/h3" | tr -d '\r')" "^[Cc]ontent-[Dd]isposition: attachment;.*Zo%C3%AB%20report\.csv"
expect_match "stream: Content-Type" "$(grep -i '^content-type' "$TMP/h3" | tr -d '\r')" "^[Cc]ontent-[Tt]ype: text/csv"
expect_eq "stream: counted" "$(req_col "$req" download_count)" 3

# A row naming an object outside the store's prefix (the web app shares the
# table): serve neither presigns nor streams it, expire does not delete it.
echo secret >"$TMP/secret"
expect_eq "PUT outside the prefix" "$(s3_put "other/secret.csv" "$TMP/secret")" 200
out=$(new_request "$zoe" '{}' '[]')
run_request "$out"
[ "$RC" = 0 ] || fail "request run exited $RC: $ERR"
testdb_sql "UPDATE export_requests SET file_path = 's3://ferry/other/secret.csv' WHERE id = '$out'"
code=$(curl -sS -L -o "$TMP/outdl" -w '%{http_code}' "$(req_col "$out" download_url)")
[ "$code" != 200 ] && [ "$code" != 302 ] || fail "an object outside the prefix was served ($code)"
if grep -q secret "$TMP/outdl" 2>/dev/null; then fail "the outside object's bytes were sent"; fi
testdb_sql "UPDATE export_requests SET expires_at = NOW(6) - INTERVAL 1 DAY WHERE id = '$out'"
"$FERRY" expire >"$TMP/expire-out.log" 2>&1 || true
expect_eq "outside object kept by expire" "$(s3_get "other/secret.csv" "$TMP/kept")" 200
expect_match "expire says why" "$(cat "$TMP/expire-out.log")" "is not an object of the store s3://ferry/exports"
testdb_sql "UPDATE export_requests SET expires_at = NOW(6) + INTERVAL 1 DAY WHERE id = '$out'"

# ferry request delete removes the object.
"$FERRY" request delete "$req" >/dev/null 2>"$TMP/del.err" || fail "request delete: $(cat "$TMP/del.err")"
expect_eq "deleted object gone" "$(s3_get "exports/$req-1.csv" "$TMP/gone")" 404

# ferry expire removes an expired one.
testdb_sql "UPDATE export_requests SET expires_at = NOW(6) - INTERVAL 1 DAY WHERE id = '$big'"
"$FERRY" expire >"$TMP/expire.log" 2>&1 || fail "expire: $(cat "$TMP/expire.log")"
expect_eq "expired" "$(req_col "$big" status)" expired
expect_eq "expired object gone" "$(s3_get "exports/$big-1.csv" "$TMP/gone")" 404
assert_done
