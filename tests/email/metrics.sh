#!/usr/bin/env bash
# metrics.sh — ferry_email_deliveries_total{outcome} moves with real mail:
# a private `ferry worker --metrics-listen` and a real SMTP server on
# loopback (smtp_sink.py), /metrics read with python3-prometheus-client's
# parser (tests/ops/prom.py).
# 1. A scheduled request mailed to two recipients: {outcome="sent"} grows
#    by exactly 2 (sent from the request's own process, a forked child in
#    the normal build), {outcome="failed"} stays.
# 2. A request mailed to a malformed address and to one the server refuses
#    with 550 (both failed for good at once, in the request's process: a
#    5xx can never succeed) and to one it defers with 450 (failed on its
#    last attempt, by the worker's idle delivery step after the retry
#    wait): {outcome="failed"} grows by exactly 3, "sent" stays.
# The retry waits are the deliveries.* settings at their smallest (first
# retry after 0.5–1 s, two attempts); every wait has a deadline.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/lib/assert.sh"

assert_on_fail() {
    for f in "${tmp:-/nonexistent}"/*.log; do
        [ -f "$f" ] && { echo "== $f"; tail -20 "$f"; }
    done
    return 0
}

testdb_create email_metrics
tmp=$(mktemp -d)
smtp_pid= wpid=
cleanup() {
    for p in $wpid $smtp_pid; do kill -KILL "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
    testdb_drop
}
trap cleanup EXIT

# until DEADLINE_S WHAT 'SHELL CONDITION': polls every 0.1 s; fatal at the deadline.
until_ok() {
    local end=$((SECONDS + $1))
    while [ "$SECONDS" -lt "$end" ]; do
        eval "$3" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "timed out after $1 s waiting for $2"
}
# soon DEADLINE_S 'SHELL CONDITION': the same, but not fatal (the check after says what was seen).
soon() {
    local end=$((SECONDS + $1))
    until eval "$2" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.1
    done
}
uuid() { /usr/bin/python3 -c 'import uuid; print(uuid.uuid4().hex)'; }
free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# emails OUTCOME: the sample's value, through the Prometheus parser.
emails() {
    timeout 10 /usr/bin/python3 "$FERRY_SOURCE_DIR/tests/ops/prom.py" "$M" \
        ferry_email_deliveries_total "outcome=$1"
}

# ---- the SMTP server: refuses rejected@example.com at RCPT TO (550), ----
# ---- defers busy@example.com (450) ----
mkdir -p "$tmp/store" "$tmp/mail"
/usr/bin/python3 "$FERRY_SOURCE_DIR/tests/email/smtp_sink.py" "$tmp/mail" \
    --reject rejected@example.com --defer busy@example.com >"$tmp/port" 2>"$tmp/smtp.log" &
smtp_pid=$!
until_ok 10 "the SMTP server" 'test -s "$tmp/port"'
sport=$(cat "$tmp/port")

sed 's|^sinks = .*|sinks = ( { plugin = "sink-file"; }, { plugin = "sink-email"; } );|' \
    "$FERRY_SOURCE_DIR/conf/pipelines/timesheet.cfg" >"$tmp/timesheet.cfg"
grep -q sink-email "$tmp/timesheet.cfg" || fail "could not add sink-email to the pipeline"
# One slot, so the request's own process sends its first tries; sink-email
# does not retry in itself (retries = 0): the retries are the durable ones.
cat >"$tmp/ferry.conf" <<CONF
database: { url = "$FERRY_DATABASE_URL"; };
store: { path = "$tmp/store"; base_url = "https://exports.example.com"; retention_days = 7; };
download: { secret = "email-metrics-test-secret-0123456789"; };
requests: { pipeline = "$tmp/timesheet.cfg"; };
worker: { poll_interval_ms = 50; concurrency = 1; };
deliveries: { retry_seconds = 1; max_retry_seconds = 1; max_attempts = 2; lease_seconds = 5; };
plugins: {
    path = ["$FERRY_PLUGIN_DIR"];
    sink-email = { smtp_url = "smtp://127.0.0.1:$sport"; from = "Reports <reports@example.com>";
                   starttls = "none"; retries = 0; timeout_seconds = 5; };
};
CONF
export FERRY_CONFIG=$tmp/ferry.conf
. "$FERRY_SOURCE_DIR/tests/email/lib_email.sh"
email_fixture 50
# settled REQUEST N: the request completed and N of its deliveries are sent or failed for good.
settled() {
    [ "$(testdb_sql "SELECT status FROM export_requests WHERE id = '$1'")" = completed ] &&
        [ "$(testdb_sql "SELECT COUNT(*) FROM ferry_email_deliveries WHERE request_id = '$1'
            AND (sent_at IS NOT NULL OR failed_at IS NOT NULL)")" = "$2" ]
}

# ---- the worker, its /metrics on a free port ----
wport=$(free_port)
M=http://127.0.0.1:$wport/metrics
"$FERRY" worker --metrics-listen "127.0.0.1:$wport" 2>"$tmp/worker.log" &
wpid=$!
soon 15 '! kill -0 $wpid || curl -sf -m 2 -o /dev/null "$M"' || fail "no /metrics on port $wport"
kill -0 "$wpid" 2>/dev/null || fail "the worker exited (port $wport taken?)"
sent0=$(emails sent) failed0=$(emails failed)
expect_eq "sent before any mail" "$sent0" 0
expect_eq "failed before any mail" "$failed0" 0

# ---- 1. two recipients, both accepted ----
S1=$(uuid) R1=$(uuid)
email_schedule "$S1" '["alice@example.com", "Bob <bob@example.org>"]'
email_request "$R1" "$S1"
until_ok 20 "request 1's two mails to be sent" "settled $R1 2"
expect_eq "request 1's deliveries sent" "$(testdb_sql "SELECT COUNT(*) FROM ferry_email_deliveries
    WHERE request_id = '$R1' AND sent_at IS NOT NULL")" 2
expect_eq "messages the SMTP server got" "$(find "$tmp/mail" -name '*.eml' | wc -l)" 2
# The counter moves right after the row's commit: a short grace, then exact.
soon 5 'test "$(emails sent)" -ge 2' || true
expect_eq 'ferry_email_deliveries_total{outcome="sent"} after 2 accepted recipients' \
    "$(emails sent)" 2
expect_eq 'ferry_email_deliveries_total{outcome="failed"} after 2 accepted recipients' \
    "$(emails failed)" 0

# ---- 2. a malformed address and a refused one ----
S2=$(uuid) R2=$(uuid)
email_schedule "$S2" '["not an address", "rejected@example.com", "busy@example.com"]'
email_request "$R2" "$S2"
until_ok 20 "request 2's three mails to fail for good" "settled $R2 3"
row=$(testdb_sql "SELECT attempts, failed_at IS NOT NULL, last_error FROM ferry_email_deliveries
    WHERE request_id = '$R2' AND recipient = 'rejected@example.com'")
expect_match "the refused recipient: 1 attempt (a 5xx is not retried), failed, the 550 kept" \
    "$row" "^1"$'\t'"1"$'\t'".*550"
row=$(testdb_sql "SELECT attempts, failed_at IS NOT NULL, last_error FROM ferry_email_deliveries
    WHERE request_id = '$R2' AND recipient = 'busy@example.com'")
expect_match "the deferred recipient: 2 attempts, failed, the 450 kept" "$row" \
    "^2"$'\t'"1"$'\t'".*450"
row=$(testdb_sql "SELECT attempts, failed_at IS NOT NULL FROM ferry_email_deliveries
    WHERE request_id = '$R2' AND recipient = 'not an address'")
expect_eq "the malformed recipient: 1 attempt, failed" "$row" "1"$'\t'"1"
soon 5 'test "$(emails failed)" -ge 3' || true
expect_eq 'ferry_email_deliveries_total{outcome="failed"} after 3 failed recipients' \
    "$(emails failed)" 3
expect_eq 'ferry_email_deliveries_total{outcome="sent"} unchanged by the failures' \
    "$(emails sent)" 2
expect_eq "no message for the failed recipients" "$(find "$tmp/mail" -name '*.eml' | wc -l)" 2
# No outcome but these two.
others=$(timeout 10 /usr/bin/python3 - "$M" <<'PY'
import sys, urllib.request
from prometheus_client.parser import text_string_to_metric_families
body = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
for fam in text_string_to_metric_families(body):
    for s in fam.samples:
        if s.name == "ferry_email_deliveries_total" and s.labels.get("outcome") not in ("sent", "failed"):
            print(s)
PY
)
expect_eq "no other outcome label" "$others" ""

# ---- the worker stops on SIGTERM (a deadline, then SIGKILL) ----
kill -TERM "$wpid"
soon 15 '! kill -0 $wpid' || fail "the worker did not exit within 15 s of SIGTERM"
rc=0
wait "$wpid" || rc=$?
wpid=
expect_eq "the worker's exit status" "$rc" 0
assert_done
