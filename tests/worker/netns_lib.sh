# netns_lib.sh — sourced by netns.sh and netns_s3.sh: two network namespaces
# joined by a veth pair stand for two machines (host A and host B), and
# MariaDB runs on host A bound to its veth address.
#   netns_setup SUBNET_OCTET LINK_PREFIX
# sets tag, nsa, nsb, addr_a, addr_b, tmp (a temp dir removed at exit), dbsh,
# FERRY_TEST_DB_DIR and port, and installs the cleanup trap. Exits 77
# (skipped, saying why) without root or network namespaces.

netns_cleanup() {
    kill -9 $(jobs -p) 2>/dev/null || true
    "$dbsh" stop "$FERRY_TEST_DB_DIR" >/dev/null 2>&1 || true
    ip netns del "$nsa" 2>/dev/null || true
    ip netns del "$nsb" 2>/dev/null || true
    rm -rf "$tmp"
}

netns_setup() {
    local subnet=$1 pfx=$2 ns
    tag=$$
    if [ "$(id -u)" != 0 ]; then
        echo "skipped: needs root to create network namespaces"
        exit 77
    fi
    nsa=ferry-a-$tag nsb=ferry-b-$tag
    if ! ip netns add "$nsa" 2>/tmp/netns-$tag.err; then
        echo "skipped: network namespaces unavailable: $(cat /tmp/netns-$tag.err)"
        rm -f /tmp/netns-$tag.err
        exit 77
    fi
    rm -f /tmp/netns-$tag.err
    tmp=$(mktemp -d)
    export FERRY_TEST_DB_DIR=$tmp/db
    dbsh=$FERRY_SOURCE_DIR/scripts/db.sh
    trap netns_cleanup EXIT
    ip netns add "$nsb"
    local octet=$((tag % 200 + 20))
    addr_a=10.$subnet.$octet.1 addr_b=10.$subnet.$octet.2
    ip link add "${pfx}a$tag" type veth peer name "${pfx}b$tag"
    ip link set "${pfx}a$tag" netns "$nsa"
    ip link set "${pfx}b$tag" netns "$nsb"
    ip -n "$nsa" addr add "$addr_a/24" dev "${pfx}a$tag"
    ip -n "$nsb" addr add "$addr_b/24" dev "${pfx}b$tag"
    for ns in "$nsa" "$nsb"; do
        ip -n "$ns" link set lo up
    done
    ip -n "$nsa" link set "${pfx}a$tag" up
    ip -n "$nsb" link set "${pfx}b$tag" up
    ip netns exec "$nsa" env FERRY_DB_BIND="$addr_a" "$dbsh" start "$FERRY_TEST_DB_DIR" >/dev/null
    port=$(cat "$FERRY_TEST_DB_DIR/port")
}
