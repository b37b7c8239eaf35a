#!/bin/bash
# s3_orphans.sh — `ferry expire` sweeps the object store (s3rver on
# loopback): an object under the store's prefix that no request names and
# that is older than store.orphan_grace_seconds is deleted; a named object,
# a young orphan and objects outside the prefix stay; the listing is read
# page by page (store.list_page_size = 2 makes several pages); --dry-run
# deletes nothing. s3rver does not implement ListMultipartUploads: expire
# says it skipped unfinished uploads and why (s3_kill.sh covers the rest).
set -euo pipefail
. "$(dirname "$0")/s3lib.sh"
core_setup s3orph 300
s3_start
trap 'kill $S3PID 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP:-}" ] || { testdb_drop; rm -rf "$TMP"; }' EXIT
s3_use
sed -i "s|^store: { |store: { list_page_size = 2; |" "$CONF"
zoe=$(uid zoe)
req=$(new_request "$zoe" '{}' '[]')
run_request "$req"
[ "$RC" = 0 ] || fail "request run exited $RC: $ERR"
named=exports/$req-1.csv
expect_eq "named object" "$(s3_head "$named")" 200

# Orphans as a worker killed between upload and commit leaves them, and
# objects that are not ferry's to touch.
echo "orphan" >"$TMP/o"
orphans="exports/0dead-1.csv exports/ffff-2.xlsx exports/sub/deep-1.csv exports/zz-1.pdf"
others="other/keep.csv exportsX/keep.csv exports"
for k in $orphans $others; do
    expect_eq "PUT $k" "$(s3_put "$k" "$TMP/o")" 200
done

# expire_run GRACE [ARGS]: `ferry expire` with that grace; output in $OUT.
expire_run() {
    sed -i "s|orphan_grace_seconds = [0-9]*; ||; s|^store: { |store: { orphan_grace_seconds = $1; |" "$CONF"
    shift
    OUT=$("$FERRY" expire "$@" 2>&1) || fail "ferry expire $*: $OUT"
}

# Young: everything stays.
expire_run 3600
expect_match "young orphans stay" "$OUT" "removed 0 orphans"
for k in $orphans; do expect_eq "young $k kept" "$(s3_head "$k")" 200; done

# A dry run says what it would delete and deletes nothing.
expire_run 0 --dry-run
expect_eq "dry run names each orphan" "$(printf '%s\n' "$OUT" | grep -c 'would remove orphan object')" 4
for k in $orphans; do expect_eq "dry run: $k kept" "$(s3_head "$k")" 200; done

expire_run 0
expect_match "four orphans removed" "$OUT" "removed 4 orphans"
for k in $orphans; do
    expect_eq "orphan $k deleted" "$(s3_head "$k")" 404
    expect_match "logged: $k" "$OUT" "removed orphan object.*object=\"s3://ferry/$k\""
done
expect_eq "the named object stays" "$(s3_head "$named")" 200
for k in $others; do expect_eq "outside the prefix: $k stays" "$(s3_head "$k")" 200; done
expect_eq "request untouched" "$(req_col "$req" "CONCAT(status, ' ', file_path)")" "completed s3://ferry/$named"
expect_match "unfinished uploads skipped, saying why" "$OUT" "does not list multipart uploads \(ListMultipartUploads: HTTP 501\)"
echo "passed"
