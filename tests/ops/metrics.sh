#!/usr/bin/env bash
# metrics.sh — every metric moves when its event happens, read through
# python3-prometheus-client's parser: a real `ferry worker
# --metrics-listen` (exports by format and outcome, rows, bytes, duration,
# wait, lease renewals and losses, retries), `ferry serve` (downloads by
# code, bytes served, the database gauges), `ferry scheduler` (fires and
# failures, of schedules and of recurring requests) and `ferry daemon` (one
# endpoint its children count into). Email deliveries: tests/email/metrics.sh.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
. "$FERRY_SOURCE_DIR/tests/ops/lib_ops.sh"
worker_mode real
testdb_create ops_metrics
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; rm -rf "$tmp"; testdb_drop' EXIT
store=$tmp/store
mkdir -p "$store"
# On a failure: the requests and the end of every process's log.
assert_on_fail() {
    testdb_sql "SELECT id, format, status, ferry_attempt, ferry_lease_owner, error_message
        FROM export_requests ORDER BY created_at" 2>/dev/null || true
    for f in "$tmp"/*.log; do
        [ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }
    done
}
export FERRY_CONFIG=$tmp/ferry.conf
export FERRY_SECRET=metrics-test-secret-0123456789abcdef
worker_conf "$FERRY_CONFIG" "$store" 'worker: { lease_seconds = 60; poll_interval_ms = 100; retry_delay_seconds = 0; };'
worker_migrate
testdb_demo 400
zoe=$(testdb_sql "SELECT id FROM auth_user WHERE username = 'zoe'")

# --- the worker: completed csv and json, a failed unknown format.
wport=$(ops_port)
"$FERRY" worker --metrics-listen "127.0.0.1:$wport" 2>"$tmp/worker.log" &
wpid=$!
W=http://127.0.0.1:$wport/metrics
wait_http "$W"
prom "$W" --families >"$tmp/families"
for f in ferry_build_info ferry_exports ferry_export_rows ferry_export_bytes \
    ferry_export_duration_seconds ferry_export_wait_seconds ferry_lease_renewals \
    ferry_lease_losses ferry_export_retries ferry_email_deliveries ferry_scheduler_fires \
    ferry_scheduler_failures ferry_downloads ferry_download_bytes ferry_requests \
    ferry_oldest_pending_seconds ferry_database_up; do
    grep -q "^$f " "$tmp/families" || fail "family $f missing: $(tr '\n' ' ' <"$tmp/families")"
done
expect_eq "build info" "$(prom "$W" ferry_build_info version="$("$FERRY" --version | awk '{print $2}')")" 1
expect_eq "no exports yet" "$(prom "$W" ferry_exports_total)" 0

worker_requests "$zoe" 2 csv
worker_requests "$zoe" 1 json
worker_requests "$zoe" 1 xml
wait_for "requests to finish" 'test "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status IN ('\''pending'\'', '\''processing'\'')")" = 0'
wait_for "the failure to be counted" 'test "$(prom "$W" ferry_exports_total outcome=failed)" = 1'
expect_eq "csv completed" "$(prom "$W" ferry_exports_total format=csv outcome=completed)" 2
expect_eq "json completed" "$(prom "$W" ferry_exports_total format=json outcome=completed)" 1
expect_eq "xml failed, as other" "$(prom "$W" ferry_exports_total format=other outcome=failed)" 1
expect_eq "csv rows" "$(prom "$W" ferry_export_rows_total format=csv)" \
    "$(testdb_sql "SELECT SUM(ferry_row_count) FROM export_requests WHERE format = 'csv'")"
expect_eq "json bytes" "$(prom "$W" ferry_export_bytes_total format=json)" \
    "$(testdb_sql "SELECT SUM(file_size) FROM export_requests WHERE format = 'json'")"
expect_eq "csv durations" "$(prom "$W" ferry_export_duration_seconds_count format=csv)" 2
expect_eq "csv durations, +Inf bucket" "$(prom "$W" ferry_export_duration_seconds_bucket format=csv le=+Inf)" 2
expect_eq "waits" "$(prom "$W" ferry_export_wait_seconds_count)" 4
expect_eq "gauge completed" "$(prom "$W" ferry_requests status=completed)" 3
expect_eq "gauge failed" "$(prom "$W" ferry_requests status=failed)" 1
expect_eq "no pending: age 0" "$(prom "$W" ferry_oldest_pending_seconds)" 0
# A pending request an hour old that no worker may claim yet (retry delay).
ops_request "$zoe" csv "ferry_lease_expires_at = UTC_TIMESTAMP(6) + INTERVAL 1 DAY,
    created_at = UTC_TIMESTAMP(6) - INTERVAL 2 HOUR" >/dev/null
age=$(prom "$W" ferry_oldest_pending_seconds)
/usr/bin/python3 -c "import sys; sys.exit(not 7200 <= float('$age') < 7300)" || fail "oldest pending age $age"
expect_eq "gauge pending" "$(prom "$W" ferry_requests status=pending)" 1
testdb_sql "DELETE FROM export_requests WHERE status = 'pending'"
kill -TERM $wpid
expect_exit "worker exit" $wpid 0

# --- lease renewals and a lease lost, on a slow export (lease 3 s: renewed
# every second while the export sleeps 3 s per batch of 50 rows).
sed 's/ms_per_batch = 200/ms_per_batch = 3000/' "$FERRY_SOURCE_DIR/tests/worker/slow.cfg" >"$tmp/slow.cfg"
WORKER_PIPELINE=$tmp/slow.cfg WORKER_TEST_PLUGIN_DIR=$FERRY_TEST_PLUGIN_DIR \
    worker_conf "$FERRY_CONFIG" "$store" "worker: { lease_seconds = 3; poll_interval_ms = 100; metrics_listen = \"127.0.0.1:$wport\"; };"
"$FERRY" worker 2>"$tmp/worker2.log" &
wpid=$!
wait_http "$W"
worker_requests "$zoe" 1 csv
wait_for "a renewal" 'test "$(prom "$W" ferry_lease_renewals_total)" -ge 1'
testdb_sql "UPDATE export_requests SET ferry_lease_owner = 'elsewhere:1:0' WHERE status = 'processing'"
wait_for "the loss" 'test "$(prom "$W" ferry_lease_losses_total)" = 1'
wait_for "the lost attempt" 'test "$(prom "$W" ferry_exports_total format=csv outcome=lost)" = 1'
kill -TERM $wpid
expect_exit "slow worker exit" $wpid 0
worker_conf "$FERRY_CONFIG" "$store" 'worker: { lease_seconds = 60; poll_interval_ms = 100; };'

# --- a transient failure, retried once, then given up: the store is a
# regular file, so no staging file can be made there (an I/O error, which is
# not permanent). The lost request of the last part is ended first, so that
# this worker has one request only (a pdf: no other is).
testdb_sql "UPDATE export_requests SET status = 'failed' WHERE status IN ('pending', 'processing')"
echo "not a directory" >"$tmp/store-file"
worker_conf "$FERRY_CONFIG" "$tmp/store-file" "worker: { max_attempts = 2; retry_delay_seconds = 0; poll_interval_ms = 100; metrics_listen = \"127.0.0.1:$wport\"; };"
"$FERRY" worker --concurrency 1 2>"$tmp/worker3.log" &
wpid=$!
wait_http "$W"
worker_requests "$zoe" 1 pdf
wait_for "the request given up" 'test "$(prom "$W" ferry_exports_total format=pdf outcome=failed)" = 1'
expect_eq "retries" "$(prom "$W" ferry_export_retries_total)" 1
expect_eq "pdf retried" "$(prom "$W" ferry_exports_total format=pdf outcome=retried)" 1
expect_eq "the request" "$(testdb_sql "SELECT status, ferry_attempt FROM export_requests WHERE format = 'pdf'")" "failed	2"
kill -TERM $wpid
expect_exit "retrying worker exit" $wpid 0
worker_conf "$FERRY_CONFIG" "$store" 'worker: { lease_seconds = 60; poll_interval_ms = 100; };'

# --- ferry serve: downloads by code and bytes served.
sport=$(ops_port)
"$FERRY" serve --listen "127.0.0.1:$sport" 2>"$tmp/serve.log" &
S=http://127.0.0.1:$sport
wait_http "$S/healthz"
read -r url size < <(testdb_sql "SELECT download_url, file_size FROM export_requests WHERE format = 'json' AND status = 'completed'")
url=$S${url#http://127.0.0.1:1}
curl -sf -o "$tmp/dl" "$url" || fail "download $url"
curl -s -o /dev/null "${url%%token=*}token=forged"
expect_eq "downloads 200" "$(prom "$S/metrics" ferry_downloads_total code=200)" 1
expect_eq "downloads 403" "$(prom "$S/metrics" ferry_downloads_total code=403)" 1
expect_eq "bytes served" "$(prom "$S/metrics" ferry_download_bytes_total)" "$size"
# The gauge is the database's count. Not a constant: on a loaded machine
# the slow export's 3 s lease can run out before the test takes it, and
# another slot then completes the request, as it should.
expect_eq "serve's gauges" "$(prom "$S/metrics" ferry_requests status=completed)" \
    "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status = 'completed'")"

# --- the scheduler: one due schedule fires once, one with an unknown time
# zone fails; a due recurring request fires, one with a bad pattern fails.
tpl=$(fx=1 /usr/bin/python3 -c 'import uuid; print(uuid.uuid4().hex)')
testdb_sql "INSERT INTO export_templates (id, name, description, format, field_configuration,
    default_filters, layout_settings, is_public, usage_count, last_used, created_at, updated_at,
    user_id) VALUES ('$tpl', 'weekly', '', 'csv', '{\"fields\": [\"date\"]}', '{}', '{}', 0, 0,
    NULL, NOW(6), NOW(6), $zoe)"
testdb_sql "INSERT INTO export_schedules (id, name, cron_pattern, timezone, email_recipients,
    include_download_link, attach_file, is_active, last_run, next_run, run_count, failure_count,
    created_at, updated_at, template_id, user_id) VALUES (REPLACE(UUID(), '-', ''), 'weekly',
    '* * * * *', 'UTC', '[]', 1, 0, 1, NULL, UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, 0, 0,
    NOW(6) - INTERVAL 1 SECOND, NOW(6) - INTERVAL 1 SECOND, '$tpl', $zoe)"
testdb_sql "INSERT INTO export_schedules (id, name, cron_pattern, timezone, email_recipients,
    include_download_link, attach_file, is_active, last_run, next_run, run_count, failure_count,
    created_at, updated_at, template_id, user_id) VALUES (REPLACE(UUID(), '-', ''), 'on mars',
    '* * * * *', 'Mars/Olympus_Mons', '[]', 1, 0, 1, NULL, UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, 0, 0,
    NOW(6) - INTERVAL 1 SECOND, NOW(6) - INTERVAL 1 SECOND, '$tpl', $zoe)"
ops_request "$zoe" csv "is_scheduled = 1, schedule_pattern = '* * * * *',
    next_run = UTC_TIMESTAMP(6) - INTERVAL 1 HOUR" >/dev/null
ops_request "$zoe" csv "is_scheduled = 1, schedule_pattern = 'not a pattern',
    next_run = UTC_TIMESTAMP(6) - INTERVAL 1 HOUR" >/dev/null
cport=$(ops_port)
"$FERRY" scheduler --interval 3600 --metrics-listen "127.0.0.1:$cport" 2>"$tmp/scheduler.log" &
wait_http "http://127.0.0.1:$cport/metrics"
C=http://127.0.0.1:$cport/metrics
wait_for "the fire" 'test "$(prom "$C" ferry_scheduler_fires_total kind=schedule)" = 1'
wait_for "the recurring fire" 'test "$(prom "$C" ferry_scheduler_fires_total kind=recurring)" = 1'
expect_eq "schedule fires" "$(prom "$C" ferry_scheduler_fires_total kind=schedule)" 1
expect_eq "schedule failures" "$(prom "$C" ferry_scheduler_failures_total kind=schedule)" 1
expect_eq "recurring failures" "$(prom "$C" ferry_scheduler_failures_total kind=recurring)" 1

# --- ferry daemon: its children count into the daemon's one endpoint.
dport=$(ops_port)
"$FERRY" daemon --no-serve --no-expire --no-scheduler --metrics-listen "127.0.0.1:$dport" 2>"$tmp/daemon.log" &
D=http://127.0.0.1:$dport/metrics
wait_http "$D"
worker_requests "$zoe" 1 excel
wait_for "the daemon's worker's export" 'test "$(prom "$D" ferry_exports_total format=excel outcome=completed)" = 1'
echo "metrics test passed"
