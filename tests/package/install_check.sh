# install_check.sh — sourced by deb.sh (CI=true, root): install, use, purge.
# Uses $deb, $dev, $tmp, fail and ok from deb.sh.
purge() { dpkg --purge ferry-dev ferry >/dev/null 2>&1 || true; }
trap 'purge; rm -rf "$tmp"' EXIT
if ! dpkg -i "$deb" "$dev" >"$tmp/dpkg.log" 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get -f install -y -qq >>"$tmp/dpkg.log" 2>&1 ||
        { cat "$tmp/dpkg.log"; fail "dpkg -i / apt-get -f install failed"; exit 1; }
fi
v=$(/usr/bin/ferry --version) && ok "installed: $v" || fail "ferry --version"
(cd / && env -u FERRY_CONFIG -u FERRY_PLUGIN_PATH /usr/bin/ferry config check >"$tmp/check") &&
    grep -q '^# /etc/ferry/ferry.conf: ok' "$tmp/check" && ok "ferry config check reads /etc/ferry" ||
    fail "ferry config check: $(cat "$tmp/check")"
if systemd-analyze verify /lib/systemd/system/ferry-*.service /lib/systemd/system/ferry-expire.timer \
    >"$tmp/verify" 2>&1; then ok "systemd-analyze verify"; else fail "systemd-analyze: $(cat "$tmp/verify")"; fi
getent passwd ferry >/dev/null && ok "user ferry" || fail "no user ferry"
[ "$(stat -c %U /var/lib/ferry/store)" = ferry ] && ok "store owned by ferry" || fail "store owner"
grep -q '^FERRY_SECRET=[0-9a-f]\{64\}$' /etc/ferry/ferry.env && ok "download secret generated" ||
    fail "no secret in /etc/ferry/ferry.env"

# An export as the ferry user, over TCP to the test MariaDB.
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
testdb_create deb
trap 'testdb_drop; purge; rm -rf "$tmp"' EXIT
url="mysql://ferry:ferry@127.0.0.1:$FERRY_TEST_DB_PORT/$TESTDB_NAME"
as_ferry() { (cd / && runuser -u ferry -- env -u FERRY_CONFIG -u FERRY_PLUGIN_PATH FERRY_DATABASE_URL="$url" "$@"); }
as_ferry /usr/bin/ferry db migrate >/dev/null || fail "ferry db migrate as ferry"
testdb_demo 50
out=$(as_ferry /usr/bin/ferry run --output-dir /var/lib/ferry/store /etc/ferry/pipelines/timesheet.cfg) ||
    fail "export as ferry"
[ -s "$out" ] && [ "$(stat -c %U "$out")" = ferry ] && ok "exported $out as ferry" ||
    fail "no export at '$out'"

dpkg --purge ferry-dev ferry >"$tmp/purge.log" 2>&1 || fail "purge: $(cat "$tmp/purge.log")"
for d in /usr/lib/ferry /etc/ferry /var/lib/ferry /usr/bin/ferry /usr/include/ferry; do
    [ ! -e "$d" ] && ok "purged $d" || fail "$d left after purge"
done
getent passwd ferry >/dev/null && fail "user ferry left after purge" || ok "user ferry removed"
getent group ferry >/dev/null && fail "group ferry left after purge" || ok "group ferry removed"
[ "$fails" = 0 ] || exit 1
echo "all passed"
