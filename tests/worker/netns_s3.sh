#!/usr/bin/env bash
# netns_s3.sh — many hosts, one object store: two network namespaces joined
# by a veth pair stand for two machines (netns.sh); host A runs MariaDB and
# s3rver on its veth address, both hosts run `ferry worker` and `ferry
# serve`. Every request is completed exactly once with its artifact in the
# bucket, and each request's download through either host's serve
# (following the redirect to the presigned URL) gives the same bytes.
# Needs root and network namespaces, and s3rver (npm); otherwise skipped
# (exit 77) saying why.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/store/s3lib.sh"
s3_install
. "$FERRY_SOURCE_DIR/tests/worker/netns_lib.sh"
netns_setup 214 fs
s3port=4568
mkdir -p "$tmp/s3data"
ip netns exec "$nsa" node --openssl-legacy-provider "$S3RVER_BIN" -d "$tmp/s3data" -a "$addr_a" \
    -p "$s3port" --no-vhost-buckets --configure-bucket ferry >"$tmp/s3rver.out" 2>&1 &
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
worker_mode real
testdb_create netns_s3
trap netns_cleanup EXIT
for _ in $(seq 1 200); do grep -q listening "$tmp/s3rver.out" && break; sleep 0.1; done
grep -q listening "$tmp/s3rver.out" || fail "s3rver did not start on host A: $(cat "$tmp/s3rver.out")"

# One site config; each host's serve listens on its own address.
export FERRY_DATABASE_URL="mysql://ferry:ferry@$addr_a:$port/$TESTDB_NAME"
sport=8090
base=http://$addr_a:$sport
for h in a b; do
    mkdir -p "$tmp/store-$h"
    addr=$addr_a
    [ $h = b ] && addr=$addr_b
    worker_conf "$tmp/ferry-$h.conf" "$tmp/store-$h" "worker: { lease_seconds = 60; poll_interval_ms = 100; };
download: { listen = \"$addr:$sport\"; secret = \"two-host-secret-0123456789abcdef0123\"; };"
    sed -i "s|http://127.0.0.1:1|$base|g; s|^store: { |store: { url = \"s3://ferry/exports\"; endpoint = \"http://$addr_a:$s3port\"; path_style = true; access_key_id = \"S3RVER\"; secret_access_key = \"S3RVER\"; multipart_threshold = 4000; part_size = 2048; |" "$tmp/ferry-$h.conf"
done
export FERRY_CONFIG=$tmp/ferry-a.conf
ip netns exec "$nsa" "$FERRY" db migrate >/dev/null 2>&1 || fail "ferry db migrate over TCP failed"
n=24
worker_fixture $n 600

pids=()
i=0
for h in a b a b; do
    i=$((i + 1))
    ip netns exec "ferry-$h-$tag" unshare --uts sh -c 'hostname "$0" && exec "$@"' "host-$h" \
        env FERRY_CONFIG="$tmp/ferry-$h.conf" "$FERRY" worker --concurrency 2 --once \
        2>"$tmp/w$i.log" &
    pids+=($!)
done
for i in 0 1 2 3; do
    expect_exit "worker $((i + 1)) exit" "${pids[$i]}" 0
done

expect_eq "completed" "$(testdb_sql "SELECT status, COUNT(*) FROM export_requests GROUP BY status")" "completed	$n"
expect_eq "completed rows, one per request" "$(testdb_sql "SELECT COUNT(*), COUNT(DISTINCT export_request_id) FROM export_audit_logs WHERE action = 'completed'")" "$n	$n"
expect_eq "every artifact an object of its attempt" "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE file_path = CONCAT('s3://ferry/exports/', id, '-', ferry_attempt, '.csv')")" "$n"
expect_eq "both hosts worked" "$(testdb_sql "SELECT GROUP_CONCAT(DISTINCT SUBSTRING_INDEX(JSON_VALUE(additional_data, '$.worker'), ':', 1) ORDER BY 1) FROM export_audit_logs WHERE action = 'started'")" "host-a,host-b"
expect_eq "no staging copies left" "$(visible_files "$tmp/store-a"; visible_files "$tmp/store-b")" ""

# ferry serve on both hosts; every download through each, from the other.
for h in a b; do
    ip netns exec "ferry-$h-$tag" env FERRY_CONFIG="$tmp/ferry-$h.conf" "$FERRY" serve \
        >"$tmp/serve-$h.log" 2>&1 &
done
for addr in "$addr_a" "$addr_b"; do
    for _ in $(seq 1 100); do
        ip netns exec "$nsa" curl -fsS "http://$addr:$sport/healthz" >/dev/null 2>&1 && break
        sleep 0.1
    done
done
ok=0
while IFS=$'\t' read -r id url sum; do
    for via in "$nsb:$addr_a" "$nsa:$addr_b"; do
        from=${via%%:*} addr=${via#*:}
        got=$(ip netns exec "$from" curl -sS -L -o "$tmp/dl" -w '%{http_code} %{num_redirects}' \
            "${url/$base/http://$addr:$sport}")
        [ "$got" = "200 1" ] || fail "download of $id via $addr: $got"
        [ "$(sha256sum <"$tmp/dl" | cut -d' ' -f1)" = "$sum" ] || fail "download of $id via $addr: other bytes"
        ok=$((ok + 1))
    done
done < <(testdb_sql "SELECT id, download_url, ferry_checksum FROM export_requests")
expect_eq "downloads through either host, same bytes" "$ok" $((2 * n))
expect_eq "each counted" "$(testdb_sql "SELECT SUM(download_count) FROM export_requests")" $((2 * n))
echo "two-host object-store test passed"
