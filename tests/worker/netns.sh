#!/usr/bin/env bash
# netns.sh MODE [DRIVER] — workers on two hosts: two network namespaces
# joined by a veth pair stand for two machines (each with a host name of its
# own); MariaDB listens on host A's veth address only, and workers on both
# hosts reach it over TCP. Same exactly-once result as on one machine.
# Needs root and network namespaces; otherwise skipped (exit 77) saying why.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/worker/netns_lib.sh"
netns_setup 213 fv
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
worker_mode "$@"
testdb_create netns
trap netns_cleanup EXIT
store=$tmp/store
mkdir -p "$store"
export FERRY_CONFIG=$tmp/ferry.conf
# Every ferry process, migrations included, connects over TCP to host A.
export FERRY_DATABASE_URL="mysql://ferry:ferry@$addr_a:$port/$TESTDB_NAME"
worker_conf "$FERRY_CONFIG" "$store" 'worker: { lease_seconds = 60; poll_interval_ms = 100; };'
ip netns exec "$nsa" "$FERRY" db migrate >/dev/null 2>&1 || fail "ferry db migrate over TCP failed"
n=300
worker_fixture $n
export STUB_WORK_MS=5

pids=()
i=0
for ns in "$nsa" "$nsb" "$nsa" "$nsb"; do
    i=$((i + 1))
    host=host-${ns:6:1}
    ip netns exec "$ns" unshare --uts sh -c 'hostname "$0" && exec "$@"' "$host" \
        "${WORKER[@]}" --concurrency 2 --once 2>"$tmp/w$i.log" &
    pids+=($!)
done
for i in 0 1 2 3; do
    expect_exit "worker $((i + 1)) exit" "${pids[$i]}" 0
done

expect_eq "completed" "$(testdb_sql "SELECT status, COUNT(*) FROM export_requests GROUP BY status")" "completed	$n"
expect_eq "completed rows, one per request" "$(testdb_sql "SELECT COUNT(*), COUNT(DISTINCT export_request_id) FROM export_audit_logs WHERE action = 'completed'")" "$n	$n"
expect_eq "started rows, one per request" "$(testdb_sql "SELECT COUNT(*), COUNT(DISTINCT export_request_id) FROM export_audit_logs WHERE action = 'started'")" "$n	$n"
expect_eq "usage total" "$(testdb_sql "SELECT SUM(total_exports) FROM export_usage_stats")" $n
expect_eq "artifacts" "$(visible_files "$store" | wc -l)" $n
expect_eq "both hosts worked" "$(testdb_sql "SELECT GROUP_CONCAT(DISTINCT SUBSTRING_INDEX(JSON_VALUE(additional_data, '$.worker'), ':', 1) ORDER BY 1) FROM export_audit_logs WHERE action = 'started'")" "host-a,host-b"
assert_done
