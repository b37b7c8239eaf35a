#!/usr/bin/env bash
# status.sh — /status on a real `ferry serve`, loaded in Debian's headless
# chromium: the screenshot is kept with the test output
# (ops_status.png beside the test's working directory) and the DOM shows
# the numbers the fixture implies; no download URL, token, file path or
# secret appears; an address outside status.allow is refused unless it
# presents the bearer token.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/serve/fixtures.sh"
. "$FERRY_SOURCE_DIR/tests/ops/lib_ops.sh"
command -v chromium >/dev/null || { echo "chromium missing (scripts/deps.sh)"; exit 77; }
testdb_create ops_status
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; rm -rf "$tmp"; testdb_drop' EXIT
mkdir -p "$tmp/store"
export FERRY_CONFIG=$tmp/ferry.conf
export FERRY_SECRET=status-test-secret-0123456789abcdef
fx_conf "$FERRY_CONFIG" "$tmp/store" 'status: { token = "tok-123"; };'
"$FERRY" db migrate >/dev/null
alice=$(fx_user alice)
bob=$(fx_user bob)
req() { # req STATUS USER [SET_SQL]
    local id
    id=$(fx_newid)
    fx_request "$id" "$2" "$1" "$id-1.csv" "NOW(6) + INTERVAL 1 DAY" "a.csv" text/csv "" 10
    [ -z "${3:-}" ] || testdb_sql "UPDATE export_requests SET $3 WHERE id = '$id'"
}
req completed "$alice" "download_url = 'http://x/download/abc?token=SECRETTOKEN123', file_path = 'hidden/path-XYZ.csv'"
req completed "$alice"
req completed "$bob"
req pending "$bob"
req pending "$alice" "error_message = 'waiting for the site''s configuration to be fixed: /etc/ferry/pipelines/t.cfg:7: syntax error'"
req processing "$alice" "progress_percentage = 40, ferry_lease_owner = 'hostA:123:0'"
req failed "$bob" "error_message = 'source unreachable <script>alert(1)</script>'"
req failed "$alice" "error_message = 'unknown format \"xml\"'"
tpl=$(fx_newid)
testdb_sql "INSERT INTO export_templates VALUES ('$tpl', 't', '', 'csv', '{}', '{}', '{}', 0, 0, NULL, NOW(6), NOW(6), $alice)"
testdb_sql "INSERT INTO export_schedules (id, name, cron_pattern, timezone, email_recipients,
    include_download_link, attach_file, is_active, last_run, next_run, run_count, failure_count,
    created_at, updated_at, template_id, user_id) VALUES ('$(fx_newid)', 'Weekly NY', '0 7 * * 1',
    'America/New_York', '[]', 1, 0, 1, NULL, '2030-01-07 12:00:00', 0, 0, NOW(6), NOW(6), '$tpl', $alice)"
stats() { # stats USER DAYS_AGO TOTAL FAILED
    testdb_sql "INSERT INTO export_usage_stats VALUES ('$(fx_newid)', UTC_DATE() - INTERVAL $2 DAY,
        $3, $3, 0, 0, 0, 100, 1000, NULL, $4, NOW(6), NOW(6), $1)"
}
stats "$alice" 0 3 1
stats "$alice" 1 2 0
stats "$bob" 5 4 0
stats "$bob" 20 9 0 # older than 14 days: not shown

port=$(ops_port)
"$FERRY" serve --listen "127.0.0.1:$port" 2>"$tmp/serve.log" &
wait_http "http://127.0.0.1:$port/healthz"
url=http://127.0.0.1:$port/status
shot=$PWD/ops_status.png
chrome() {
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d -p "$tmp")" "$@" 2>>"$tmp/chromium.log"
}
chrome --window-size=1200,900 --screenshot="$shot" "$url" >/dev/null
[ -s "$shot" ] || fail "no screenshot"
echo "screenshot: $shot"
chrome --dump-dom "$url" >"$tmp/dom.html"
/usr/bin/python3 - "$tmp/dom.html" <<'PY' || fail "the page's DOM: see above"
import sys
from html.parser import HTMLParser

class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.stack, self.tables, self.totals, self.svgs, self.meta = {}, [], {}, {}, 0, []
        self.table = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.stack.append(a)
        if tag == "table":
            self.table = a.get("id"); self.tables[self.table] = []
        if tag == "tr" and self.table:
            self.tables[self.table].append([])
        if tag == "svg":
            self.svgs += 1
        if tag == "meta":
            self.meta.append(a)
    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()
        if tag == "table":
            self.table = None
    def handle_data(self, d):
        a = self.stack[-1] if self.stack else {}
        if "id" in a:
            self.ids[a["id"]] = d
        if a.get("class") == "total":
            self.totals[a["data-user"]] = int(d)
        if self.table and self.tables[self.table] and d.strip():
            self.tables[self.table][-1].append(d.strip())

text = open(sys.argv[1]).read()
p = P(); p.feed(text)
want = {"count-pending": "2", "count-processing": "1", "count-completed": "3", "count-failed": "2", "count-expired": "0"}
got = {k: p.ids.get(k) for k in want}
assert got == want, got
run = p.tables["running"][1:]
assert len(run) == 1 and "alice" in run[0] and "40%" in "".join(run[0]) and "hostA:123:0" in run[0], run
waiting = [" ".join(r) for r in p.tables["waiting"][1:]]
assert len(waiting) == 1 and "alice" in waiting[0], waiting
assert "waiting for the site's configuration to be fixed: /etc/ferry/pipelines/t.cfg:7: syntax error" in waiting[0], waiting
fails = [" ".join(r) for r in p.tables["failures"][1:]]
assert len(fails) == 2 and any("source unreachable <script>alert(1)</script>" in f for f in fails), fails
assert any('unknown format "xml"' in f for f in fails), fails
sched = p.tables["schedules"][1:]
assert len(sched) == 1 and "2030-01-07 07:00:00 EST" in sched[0], sched
assert p.totals == {"alice": 5, "bob": 4}, p.totals
assert p.svgs == 2, p.svgs
assert any(m.get("http-equiv") == "refresh" for m in p.meta), p.meta
for secret in ("SECRETTOKEN123", "hidden/path-XYZ", "status-test-secret", "tok-123", "token="):
    assert secret not in text, secret
assert "<script" not in text.replace("&lt;script", ""), "a script element"
print("status page DOM checks out")
PY
kill -TERM %1; wait

# An address outside status.allow: refused unless it has the token.
fx_conf "$FERRY_CONFIG" "$tmp/store" 'status: { token = "tok-123"; allow = "10.0.0.0/8"; };'
"$FERRY" serve --listen "127.0.0.1:$port" 2>"$tmp/serve2.log" &
wait_http "http://127.0.0.1:$port/healthz"
expect() { [ "$2" = "$3" ] || fail "$1: got $2, want $3"; }
expect "no token" "$(curl -s -o /dev/null -w '%{http_code}' "$url")" 403
expect "wrong token" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer tok-12' "$url")" 403
expect "the token" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer tok-123' "$url")" 200
echo "status test passed"
