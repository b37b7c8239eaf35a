#!/usr/bin/env bash
# crash.sh BROKEN_SO_DIR — a request's crash or hang is that request's
# alone: three requests on one worker (--concurrency 3), one through a
# filter plugin that segfaults, one through a plugin that hangs, one good.
# The good one completes; the crash fails naming the plugin and the signal
# (after worker.max_attempts); the hang is killed at
# worker.request_timeout_seconds and fails saying so; the worker lives on
# and completes a fourth request.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
broken=$1
# Under AddressSanitizer a SIGSEGV would be caught, reported and turned into
# exit status 1; the test wants the signal itself, as a normal build sees it.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
testdb_create crash
tmp=$(mktemp -d)
wpid=
trap '[ -n "$wpid" ] && kill -KILL "$wpid" 2>/dev/null; rm -rf "$tmp"; testdb_drop' EXIT
store=$tmp/store
mkdir -p "$store" "$tmp/plugins"
# The loader trusts only plugins nobody else may write: private copies.
for d in crash hang; do
    cp "$broken/broken-$d.so" "$tmp/plugins/filter-broken-$d.so"
    sed "s/filter-slow\"; ms_per_batch = 200;/filter-broken-$d\";/" \
        "$FERRY_SOURCE_DIR/tests/worker/slow.cfg" >"$tmp/$d.cfg"
done
chmod -R go-w "$tmp/plugins"
export WORKER_TEST_PLUGIN_DIR=$tmp/plugins
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$store" "worker: { max_attempts = 2; retry_delay_seconds = 0;
    poll_interval_ms = 100; request_timeout_seconds = 3; };"
# requests.pipelines for the templates (a second requests group is not
# allowed: add the names to the one worker_conf wrote).
sed -i "s|^requests: { |requests: { pipelines = { crash = \"$tmp/crash.cfg\"; hang = \"$tmp/hang.cfg\"; }; |" "$FERRY_CONFIG"
worker_migrate
testdb_demo 200
uid=$(testdb_sql "SELECT id FROM auth_user WHERE username = 'zoe'")
for d in crash hang; do
    testdb_sql "INSERT INTO export_templates (id, name, description, format, field_configuration,
        default_filters, layout_settings, is_public, usage_count, last_used, created_at,
        updated_at, user_id) VALUES ('t$d', '$d', '', 'csv', '{}', '{}', '{\"pipeline\": \"$d\"}',
        0, 0, NULL, NOW(6), NOW(6), $uid)"
done
worker_requests "$uid" 3
ids=($(testdb_sql "SELECT id FROM export_requests ORDER BY created_at"))
testdb_sql "UPDATE export_requests SET template_id = 'tcrash' WHERE id = '${ids[0]}';
    UPDATE export_requests SET template_id = 'thang' WHERE id = '${ids[1]}'"

"$FERRY" worker --concurrency 3 2>"$tmp/worker.log" &
wpid=$!
wait_for "SELECT status FROM export_requests WHERE id = '${ids[2]}'" completed
wait_for "SELECT status FROM export_requests WHERE id = '${ids[0]}'" failed
wait_for "SELECT status FROM export_requests WHERE id = '${ids[1]}'" failed
msg() { testdb_sql "SELECT error_message FROM export_requests WHERE id = '$1'"; }
case "$(msg "${ids[0]}")" in
*"plugin filter-broken-crash"*"crashed: SIGSEGV"*) echo "ok: crash named: $(msg "${ids[0]}")" ;;
*) fail "crash message: $(msg "${ids[0]}")" ;;
esac
expect_eq "crash: attempts" "$(testdb_sql "SELECT ferry_attempt FROM export_requests WHERE id = '${ids[0]}'")" 2
case "$(msg "${ids[1]}")" in
*"timed out after 3 s"*"filter-broken-hang"*) echo "ok: hang named: $(msg "${ids[1]}")" ;;
*) fail "hang message: $(msg "${ids[1]}")" ;;
esac
kill -0 "$wpid" || fail "the worker died"

worker_requests "$uid" 1
wait_for "SELECT COUNT(*) FROM export_requests WHERE status = 'completed'" 2
kill -TERM "$wpid"
expect_exit "worker exits cleanly" "$wpid" 0
wpid=
echo "crash tests passed"
