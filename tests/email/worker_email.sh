#!/usr/bin/env bash
# worker_email.sh — sink-email after a real request: `ferry worker --once`
# runs a scheduled request through the request pipeline (timesheet, CSV,
# sink-file then sink-email), and the SMTP server on loopback receives one
# message for each of the schedule's email_recipients, with the signed download link
# and the attachment identical to the published artifact. Then the same with
# the SMTP server gone: the request still completes (the mail is after the
# commit), the failure is logged, the artifact stays. A request naming
# another user's schedule is denied.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/lib/assert.sh"

assert_on_fail() {
    [ -f "${tmp:-/nonexistent}/worker.log" ] && tail -20 "$tmp/worker.log"
}

testdb_create email
tmp=$(mktemp -d)
smtp_pid=
cleanup() {
    [ -n "$smtp_pid" ] && kill "$smtp_pid" 2>/dev/null || true
    rm -rf "$tmp"
    testdb_drop
}
trap cleanup EXIT

mkdir -p "$tmp/store" "$tmp/mail"
/usr/bin/python3 "$FERRY_SOURCE_DIR/tests/email/smtp_sink.py" "$tmp/mail" >"$tmp/port" &
smtp_pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port")
[ -n "$port" ] || fail "the SMTP server did not start"

sed 's|^sinks = .*|sinks = ( { plugin = "sink-file"; }, { plugin = "sink-email"; subject = "Report: {title} ({rows} rows)"; } );|' \
    "$FERRY_SOURCE_DIR/conf/pipelines/timesheet.cfg" >"$tmp/timesheet.cfg"
grep -q sink-email "$tmp/timesheet.cfg" || fail "could not add sink-email to the pipeline"
write_conf() { # write_conf SMTP_PORT
    cat >"$tmp/ferry.conf" <<CONF
database: { url = "$FERRY_DATABASE_URL"; };
store: { path = "$tmp/store"; base_url = "https://exports.example.com"; retention_days = 7; };
download: { secret = "worker-email-test-secret-0123456789"; };
requests: { pipeline = "$tmp/timesheet.cfg"; };
plugins: {
    path = ["$FERRY_PLUGIN_DIR"];
    sink-email = { smtp_url = "smtp://127.0.0.1:$1"; from = "Reports <reports@example.com>";
                   starttls = "none"; retries = 1; retry_delay_seconds = 0.1; };
};
CONF
}
write_conf "$port"
export FERRY_CONFIG=$tmp/ferry.conf
. "$FERRY_SOURCE_DIR/tests/email/lib_email.sh"
email_fixture 200
sched=$(/usr/bin/python3 -c 'import uuid; print(uuid.uuid4().hex)')
testdb_sql "INSERT INTO export_schedules (id, name, cron_pattern, timezone, email_recipients,
    include_download_link, attach_file, is_active, last_run, next_run, run_count, failure_count,
    created_at, updated_at, template_id, user_id) VALUES ('$sched', 'weekly', '0 8 * * 1', 'UTC',
    '[\"alice@example.com\", \"bob@example.org\"]', 1, 1, 1, NULL, UTC_TIMESTAMP(6) + INTERVAL 1 DAY,
    0, 0, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), '$tpl', $uid)"
request() { # request ID TITLE
    testdb_sql "INSERT INTO export_requests (id, title, description, format, filters,
        selected_fields, status, progress_percentage, error_message, file_path, download_url,
        download_count, is_scheduled, schedule_pattern, created_at, updated_at, user_id,
        ferry_schedule_id) VALUES ('$1', '${2//\'/\'\'}', '', 'csv', '{}', '[]', 'pending', 0, '', '', '', 0,
        1, '0 8 * * 1', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), $uid, '$sched')"
}

# 1. A scheduled request: mailed once to the schedule's recipients.
R1=$(/usr/bin/python3 -c 'import uuid; print(uuid.uuid4().hex)')
request "$R1" "Zoë's week"
"$FERRY" worker --once 2>"$tmp/worker.log" || fail "worker failed"
[ "$(testdb_sql "SELECT status FROM export_requests WHERE id = '$R1'")" = completed ] ||
    fail "request not completed"
for _ in $(seq 1 100); do [ -f "$tmp/mail/0002.eml" ] && break; sleep 0.1; done
path=$(testdb_sql "SELECT file_path FROM export_requests WHERE id = '$R1'")
url=$(testdb_sql "SELECT download_url FROM export_requests WHERE id = '$R1'")
rows=$(testdb_sql "SELECT ferry_row_count FROM export_requests WHERE id = '$R1'")
case "$path" in /*) ;; *) path="$tmp/store/$path" ;; esac
/usr/bin/python3 - "$tmp/mail" "$path" "$url" "$rows" <<'PY' || fail "the message is not right"
import email, email.policy, hashlib, os, sys
folder, path, url, rows = sys.argv[1:5]
names = sorted(n for n in os.listdir(folder) if n.endswith(".eml"))
assert names == ["0001.eml", "0002.eml"], names  # one message per recipient
rcpt = sorted(open(os.path.join(folder, n[:-4] + ".rcpt")).read().strip() for n in names)
assert rcpt == ["alice@example.com", "bob@example.org"], rcpt
msg = email.message_from_bytes(open(os.path.join(folder, "0001.eml"), "rb").read(),
                               policy=email.policy.default)
assert str(msg["subject"]) == "Report: Zoë's week (%s rows)" % rows, str(msg["subject"])
body = att = None
for part in msg.iter_parts():
    if part.get_content_disposition() == "attachment":
        att = part
    elif part.get_content_type() == "text/plain":
        body = part.get_content()
assert url and url in body, (url, body)
assert att is not None, "no attachment"
data = open(path, "rb").read()
assert hashlib.sha256(att.get_payload(decode=True)).digest() == hashlib.sha256(data).digest()
print("ok: mailed to %s with the link and the %d-byte attachment" % (rcpt, len(data)))
PY

# 2. SMTP server gone: the request completes anyway; the failure is logged.
kill "$smtp_pid"; wait "$smtp_pid" 2>/dev/null || true; smtp_pid=
R2=$(/usr/bin/python3 -c 'import uuid; print(uuid.uuid4().hex)')
request "$R2" "no mail"
"$FERRY" worker --once 2>"$tmp/worker.log" || fail "worker failed without SMTP"
[ "$(testdb_sql "SELECT status FROM export_requests WHERE id = '$R2'")" = completed ] ||
    fail "request not completed while SMTP was down"
grep -q "failed after 2 attempts" "$tmp/worker.log" || fail "the mail failure was not logged"
p2=$(testdb_sql "SELECT file_path FROM export_requests WHERE id = '$R2'")
case "$p2" in /*) ;; *) p2="$tmp/store/$p2" ;; esac
[ -f "$p2" ] || fail "the artifact did not stay after the mail failed"
pass "with the SMTP server down the request completed, the failure was logged, the file stayed"

# 3. A request naming another user's schedule: its recipients would get
# this user's rows. Denied; no delivery, no file.
other=$(testdb_sql "SELECT MAX(user_id) FROM tracking_timeentry")
[ "$other" != "$uid" ] || fail "the fixture has one user only"
R3=$(/usr/bin/python3 -c 'import uuid; print(uuid.uuid4().hex)')
request "$R3" "not mine"
testdb_sql "UPDATE export_requests SET user_id = $other WHERE id = '$R3'"
"$FERRY" worker --once 2>"$tmp/worker.log" || fail "worker failed on a foreign schedule"
[ "$(testdb_sql "SELECT status FROM export_requests WHERE id = '$R3'")" = failed ] ||
    fail "a request on another user's schedule was not failed"
testdb_sql "SELECT error_message FROM export_requests WHERE id = '$R3'" | grep -q "is not the user's" ||
    fail "no reason given: $(testdb_sql "SELECT error_message FROM export_requests WHERE id = '$R3'")"
[ "$(testdb_sql "SELECT COUNT(*) FROM ferry_email_deliveries WHERE request_id = '$R3'")" = 0 ] ||
    fail "a delivery was queued for another user's schedule"
pass "a request on another user's schedule is denied"
assert_done
