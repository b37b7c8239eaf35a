#!/usr/bin/env bash
# admin_test.sh — `ferry request list|show|cancel|retry|delete` against the
# real MariaDB: table output, exit 6 for unknown IDs, the state changes and
# audit rows of cancel, retry and delete, and delete never touching a file
# outside the store. $1 runs the verbs (admin_driver, or `$FERRY request`).
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
ADMIN=$1
req() { "$ADMIN" request "$@"; }

testdb_create admin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; testdb_drop' EXIT
store=$tmp/store
mkdir -p "$store" "$tmp/outside"
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$store" 'worker: { max_attempts = 3; };'
worker_migrate
uid=$(worker_user alice)
bob=$(worker_user bob)
worker_requests "$uid" 4
worker_requests "$bob" 1 json
ids=($(testdb_sql "SELECT id FROM export_requests WHERE user_id = $uid ORDER BY created_at"))
A=${ids[0]} B=${ids[1]} C=${ids[2]} D=${ids[3]}

# list
out=$(req list)
expect_eq "list header" "$(head -n1 <<<"$out" | tr -s ' ')" "ID STATUS FORMAT USER PROGRESS ATTEMPT CREATED (UTC) TITLE"
expect_eq "list rows" "$(tail -n +2 <<<"$out" | wc -l)" 5
expect_eq "list --user" "$(req list --user "$bob" | tail -n +2 | awk '{print $3, $4}')" "json $bob"
expect_eq "list --limit" "$(req list --limit 2 | tail -n +2 | wc -l)" 2
expect_eq "list --status completed" "$(req list --status completed | tail -n +2 | wc -l)" 0
# columns line up: every row's STATUS starts where the header's does
col=$(head -n1 <<<"$out" | awk '{print index($0, "STATUS")}')
expect_eq "aligned" "$(tail -n +2 <<<"$out" | awk -v c="$col" 'substr($0, c, 7) != "pending" {n++} END {print n+0}')" 0
rc=0; req list --status bogus 2>/dev/null || rc=$?
expect_eq "bad status exit" "$rc" 2

# unknown IDs: exit 6, one line; malformed IDs: a usage error, exit 2
for verb in show cancel retry delete; do
    rc=0; err=$(req "$verb" 0123456789abcdef0123456789abcdef 2>&1 >/dev/null) || rc=$?
    expect_eq "$verb unknown id exit" "$rc" 6
    expect_eq "$verb unknown id message lines" "$(wc -l <<<"$err")" 1
    rc=0; req "$verb" not-an-id 2>/dev/null || rc=$?
    expect_eq "$verb malformed id exit" "$rc" 2
done

# show: every column, dashed UUID accepted, audit section
dashed="${A:0:8}-${A:8:4}-${A:12:4}-${A:16:4}-${A:20:12}"
out=$(req show "$dashed")
ncols=$(testdb_sql "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'export_requests'")
expect_eq "show prints every column" "$(sed '/^$/,$d' <<<"$out" | wc -l)" "$ncols"
expect_eq "show id" "$(awk '$1 == "id" {print $2}' <<<"$out")" "$A"
expect_eq "show status" "$(awk '$1 == "status" {print $2}' <<<"$out")" pending
grep -q '^audit (0):' <<<"$out" || fail "show has no audit section"

# cancel a pending request
req cancel "$A" >/dev/null
expect_eq "cancelled" "$(testdb_sql "SELECT status, error_message FROM export_requests WHERE id = '$A'")" "failed	cancelled by operator"
expect_eq "cancel audit" "$(testdb_sql "SELECT COUNT(*) FROM export_audit_logs WHERE export_request_id = '$A' AND action = 'failed' AND ip_address = '' AND user_agent LIKE 'ferry-request/%'")" 1
expect_eq "cancel usage" "$(testdb_sql "SELECT SUM(failed_exports) FROM export_usage_stats WHERE user_id = $uid")" 1
rc=0; req cancel "$A" 2>/dev/null || rc=$?
expect_eq "cancel twice exit" "$rc" 1
grep -q 'failed' <<<"$(req show "$A" | sed -n '/^audit/,$p')" || fail "show lists no audit row"

# cancel a processing request: the lease is cleared, so the holder's fenced
# updates (owner, attempt) match nothing
testdb_sql "UPDATE export_requests SET status = 'processing', ferry_attempt = 1, ferry_lease_owner = 'h:1:0', ferry_lease_expires_at = NOW(6) + INTERVAL 1 HOUR WHERE id = '$B'"
req cancel "$B" >/dev/null
expect_eq "processing cancelled" "$(testdb_sql "SELECT status, ferry_lease_owner, ferry_lease_expires_at IS NULL FROM export_requests WHERE id = '$B'")" "failed		1"
expect_eq "holder's renewal fenced" "$(testdb_sql "UPDATE export_requests SET ferry_lease_expires_at = NOW(6) WHERE id = '$B' AND ferry_lease_owner = 'h:1:0' AND ferry_attempt = 1 AND status = 'processing'; SELECT ROW_COUNT()")" 0

# retry: back to pending, attempt moved to the next multiple of max_attempts
testdb_sql "UPDATE export_requests SET ferry_attempt = 2 WHERE id = '$B'"
req retry "$B" >/dev/null
expect_eq "retried" "$(testdb_sql "SELECT status, error_message, ferry_attempt, started_at IS NULL, completed_at IS NULL FROM export_requests WHERE id = '$B'")" "pending		3	1	1"
req retry "$A" >/dev/null
expect_eq "retried from attempt 0" "$(testdb_sql "SELECT status, ferry_attempt FROM export_requests WHERE id = '$A'")" "pending	0"
rc=0; req retry "$A" 2>/dev/null || rc=$?
expect_eq "retry pending exit" "$rc" 1

# delete a completed request: file gone, row kept and marked, audit row
echo data >"$store/$C-1.csv"
testdb_sql "UPDATE export_requests SET status = 'completed', file_path = '$store/$C-1.csv', file_size = 5, download_url = 'http://x/d', expires_at = NOW(6) + INTERVAL 7 DAY WHERE id = '$C'"
out=$(req delete "$C")
[ ! -e "$store/$C-1.csv" ] || fail "artifact not removed"
expect_eq "deleted row" "$(testdb_sql "SELECT status, file_path, file_size IS NULL, download_url, expires_at <= NOW(6) FROM export_requests WHERE id = '$C'")" "expired		1		1"
expect_eq "deleted audit" "$(testdb_sql "SELECT JSON_EXTRACT(additional_data, '$.file_removed') FROM export_audit_logs WHERE export_request_id = '$C' AND action = 'deleted'")" true
rc=0; req delete "$C" 2>/dev/null || rc=$?
expect_eq "delete twice exit" "$rc" 1
expect_eq "one deleted row" "$(testdb_sql "SELECT COUNT(*) FROM export_audit_logs WHERE export_request_id = '$C' AND action = 'deleted'")" 1

# delete never touches a file outside the store
echo victim >"$tmp/outside/victim.csv"
testdb_sql "UPDATE export_requests SET status = 'completed', file_path = '$store/../outside/victim.csv' WHERE id = '$D'"
req delete "$D" >/dev/null 2>"$tmp/err"
[ -e "$tmp/outside/victim.csv" ] || fail "a file outside the store was deleted"
grep -q 'not beneath the file store' "$tmp/err" || fail "no warning for a file outside the store"
expect_eq "outside audit" "$(testdb_sql "SELECT JSON_EXTRACT(additional_data, '$.file_removed') FROM export_audit_logs WHERE export_request_id = '$D' AND action = 'deleted'")" false

# a processing request must be cancelled first
testdb_sql "UPDATE export_requests SET status = 'processing' WHERE id = '$A'"
rc=0; req delete "$A" 2>/dev/null || rc=$?
expect_eq "delete processing exit" "$rc" 1
assert_done
