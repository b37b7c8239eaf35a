#!/usr/bin/env bash
# deliveries.sh — mail that is not lost, against a real SMTP server
# (smtp_sink.py) and real workers:
# 1. three recipients, one malformed, one with a non-ASCII display name:
#    each gets its own message (the display name decoded right by Python's
#    email parser, the envelope bare), the malformed one is recorded failed
#    with its error in an export_audit_logs row and the schedule's
#    failure_count; the text states the token's expiry, not the artifact's.
# 2. SMTP down: the worker that completed the request is killed with
#    SIGKILL while it retries; the server comes back; another worker
#    process delivers the mail, exactly once.
# 3. a pending delivery of a request whose file_path was since set outside
#    the store (absolute, or climbing with ..): the file outside is never
#    attached; the delivery fails for good, saying why.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"

fail() {
    echo "FAIL: $*" >&2
    for f in "${tmp:-/nonexistent}"/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -15 "$f" >&2; }; done
    exit 1
}

testdb_create deliveries
tmp=$(mktemp -d)
smtp_pid= w1= w2=
cleanup() {
    for p in $smtp_pid $w1 $w2; do kill "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
    testdb_drop
}
trap cleanup EXIT
uuid() { /usr/bin/python3 -c 'import uuid; print(uuid.uuid4().hex)'; }
wait_for() { # wait_for WHAT COMMAND... : polls until COMMAND succeeds
    local what=$1
    shift
    for _ in $(seq 1 600); do "$@" && return 0; sleep 0.1; done
    fail "timed out waiting for $what"
}
start_smtp() { # start_smtp [PORT]
    rm -f "$tmp/port"
    /usr/bin/python3 "$FERRY_SOURCE_DIR/tests/email/smtp_sink.py" "$tmp/mail" "$@" >"$tmp/port" &
    smtp_pid=$!
    wait_for "the SMTP server" test -s "$tmp/port"
}

mkdir -p "$tmp/store" "$tmp/mail"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed 's|^sinks = .*|sinks = ( { plugin = "sink-file"; }, { plugin = "sink-email"; } );|' \
    "$FERRY_SOURCE_DIR/conf/pipelines/timesheet.cfg" >"$tmp/timesheet.cfg"
cat >"$tmp/ferry.conf" <<CONF
database: { url = "$FERRY_DATABASE_URL"; };
store: { path = "$tmp/store"; base_url = "https://exports.example.com"; retention_days = 7; };
download: { secret = "deliveries-test-secret-0123456789"; token_ttl_seconds = 7200; };
requests: { pipeline = "$tmp/timesheet.cfg"; };
worker: { poll_interval_ms = 50; };
deliveries: { retry_seconds = 1; lease_seconds = 1; max_attempts = 5; };
plugins: {
    path = ["$FERRY_PLUGIN_DIR"];
    sink-email = { smtp_url = "smtp://127.0.0.1:$port"; from = "Reports <reports@example.com>";
                   starttls = "none"; retries = 5; retry_delay_seconds = 300; };
};
CONF
export FERRY_CONFIG=$tmp/ferry.conf
. "$FERRY_SOURCE_DIR/tests/email/lib_email.sh"
email_fixture 50
mails() { ls "$tmp/mail" | grep -c '\.eml$' || true; }

# ---- 1. one bad recipient, a display name, the link's expiry --------------
start_smtp "$port"
S1=$(uuid) R1=$(uuid)
email_schedule "$S1" '["\\"Zoë Ünicode\\" <zoe@example.com>", "not an address", "bob@example.org"]'
email_request "$R1" "$S1"
"$FERRY" worker --once 2>"$tmp/w0.log" || fail "worker failed"
[ "$(testdb_sql "SELECT status FROM export_requests WHERE id = '$R1'")" = completed ] ||
    fail "request 1 not completed"
[ "$(mails)" = 2 ] || fail "expected 2 messages, got $(mails)"
/usr/bin/python3 - "$tmp/mail" <<'PY' || fail "the messages are not right"
import email, email.policy, os, re, sys
folder = sys.argv[1]
got = {}
for n in sorted(os.listdir(folder)):
    if n.endswith(".eml"):
        rcpt = open(os.path.join(folder, n[:-4] + ".rcpt")).read().split()
        msg = email.message_from_bytes(open(os.path.join(folder, n), "rb").read(),
                                       policy=email.policy.default)
        got[tuple(rcpt)] = msg
assert set(got) == {("zoe@example.com",), ("bob@example.org",)}, list(got)
to = got[("zoe@example.com",)]["to"].addresses
assert [(a.display_name, a.addr_spec) for a in to] == [("Zoë Ünicode", "zoe@example.com")], to
body = got[("zoe@example.com",)].get_body(("plain",)).get_content()
token = re.search(r"token=v1\.(\d+)\.", body)
until = re.search(r"The link works until (\S+)\.", body)
assert token and until, body
import datetime
exp = datetime.datetime.fromtimestamp(int(token.group(1)), datetime.timezone.utc)
assert until.group(1) == exp.strftime("%Y-%m-%dT%H:%M:%SZ"), (until.group(1), exp)
print("ok: two messages, the display name decoded, expiry %s = the token's" % until.group(1))
PY
row=$(testdb_sql "SELECT attempts, failed_at IS NOT NULL, sent_at IS NULL, last_error
    FROM ferry_email_deliveries WHERE request_id = '$R1' AND recipient = 'not an address'")
case "$row" in 1$'\t'1$'\t'1$'\t'*"invalid email address"*) ;; *) fail "bad recipient row: $row" ;; esac
[ "$(testdb_sql "SELECT COUNT(*) FROM ferry_email_deliveries WHERE request_id = '$R1'
    AND sent_at IS NOT NULL")" = 2 ] || fail "the two good deliveries are not marked sent"
audit=$(testdb_sql "SELECT CONCAT(JSON_VALUE(additional_data, '\$.recipient'), '|',
    JSON_VALUE(additional_data, '\$.error')) FROM export_audit_logs
    WHERE export_request_id = '$R1' AND action = 'failed'")
case "$audit" in "not an address|"*"invalid email address"*) ;; *) fail "audit row: $audit" ;; esac
[ "$(testdb_sql "SELECT failure_count FROM export_schedules WHERE id = '$S1'")" = 1 ] ||
    fail "the schedule's failure_count was not incremented"
grep -q "request_id=$R1.*not an address\|not an address.*request_id=$R1" "$tmp/w0.log" ||
    fail "no log line with the request_id"
echo "ok: the bad recipient failed alone: audited, counted on the schedule, logged"

# ---- 2. SMTP down; the worker killed while retrying; another delivers ------
kill "$smtp_pid"; wait "$smtp_pid" 2>/dev/null || true; smtp_pid=
rm -f "$tmp/mail"/*
S2=$(uuid) R2=$(uuid)
email_schedule "$S2" '["carol@example.net"]'
email_request "$R2" "$S2"
"$FERRY" worker 2>"$tmp/w1.log" &
w1=$!
wait_for "the first worker to retry" grep -q "attempt 1 failed, retrying" "$tmp/w1.log"
kill -KILL "$w1"; wait "$w1" 2>/dev/null || true; w1=
[ "$(testdb_sql "SELECT status FROM export_requests WHERE id = '$R2'")" = completed ] ||
    fail "request 2 not completed before the mail"
[ "$(testdb_sql "SELECT CONCAT(attempts, ' ', sent_at IS NULL) FROM ferry_email_deliveries
    WHERE request_id = '$R2'")" = "1 1" ] || fail "the killed worker's delivery is not pending"
start_smtp "$port"
"$FERRY" worker 2>"$tmp/w2.log" &
w2=$!
sent() { [ "$(testdb_sql "SELECT sent_at IS NOT NULL FROM ferry_email_deliveries
    WHERE request_id = '$R2'")" = 1 ]; }
wait_for "the second worker to send" sent
kill -TERM "$w2"; wait "$w2" || fail "the second worker did not stop cleanly"; w2=
[ "$(mails)" = 1 ] || fail "expected exactly one message, got $(mails)"
[ "$(cat "$tmp/mail/0001.rcpt")" = carol@example.net ] || fail "wrong recipient"
grep "mail to carol@example.net sent (attempt 2)" "$tmp/w2.log" | grep -q "request_id=$R2" ||
    fail "the second worker did not log the delivery"
echo "ok: mail survived SIGKILL of its worker; another worker sent it once"

# ---- 3. a redelivery never attaches a file outside the store ---------------
mkdir -p "$tmp/outside"
echo "OUTSIDE-SECRET-$(uuid)" >"$tmp/outside/secret.txt"
S3=$(uuid) R3=$(uuid)
email_schedule "$S3" '["dave@example.net"]'
testdb_sql "UPDATE export_schedules SET attach_file = 1 WHERE id = '$S3'"
email_request "$R3" "$S3"
"$FERRY" worker --once 2>"$tmp/w3.log" || fail "worker failed"
[ "$(testdb_sql "SELECT sent_at IS NOT NULL FROM ferry_email_deliveries WHERE request_id = '$R3'")" = 1 ] ||
    fail "request 3's first mail not sent"
for path in "$tmp/outside/secret.txt" "../outside/secret.txt"; do
    rm -f "$tmp/mail"/*
    testdb_sql "UPDATE export_requests SET file_path = '$path' WHERE id = '$R3';
        UPDATE ferry_email_deliveries SET sent_at = NULL, failed_at = NULL, attempts = 0,
        next_try_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND WHERE request_id = '$R3'"
    "$FERRY" worker --once 2>"$tmp/w4.log" || fail "worker failed"
    ! grep -rq "$(base64 -w0 <"$tmp/outside/secret.txt" | head -c 24)" "$tmp/mail" ||
        fail "$path: the file outside the store was mailed"
    row=$(testdb_sql "SELECT CONCAT(sent_at IS NULL, failed_at IS NOT NULL, ' ', last_error)
        FROM ferry_email_deliveries WHERE request_id = '$R3'")
    case "$row" in "11 "*"not beneath the store"*) ;; *) fail "$path: delivery row: $row" ;; esac
done
echo "ok: a redelivery refuses a file_path outside the store"
