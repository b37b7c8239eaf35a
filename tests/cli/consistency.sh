#!/bin/bash
# tests/cli/consistency.sh — every command and verb answers --help with
# exit 0; a request ID that is not one is a usage error (exit 2); `ferry
# run` prints a download URL only when ferry.conf configures a server.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$FERRY_SOURCE_DIR/tests/lib/assert.sh"
unset FERRY_CONFIG FERRY_SECRET FERRY_PLUGIN_PATH

cmds=$("$FERRY" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF>1 {print $1}')
[ "$(echo "$cmds" | wc -w)" -ge 11 ] || fail_later "ferry --help lists: $cmds"
verbs="request:list request:show request:run request:cancel request:retry request:delete
db:migrate db:status plugins:list plugins:info plugins:check schedule:next config:check
config:reference queue:pause queue:resume queue:status schedule:list schedule:show
schedule:pause schedule:resume schedule:run-now"
for c in $cmds; do
    "$FERRY" "$c" --help >"$tmp/o" 2>&1 || fail_later "ferry $c --help: exit $?"
    grep -q "usage: ferry $c" "$tmp/o" || fail_later "ferry $c --help: $(head -2 "$tmp/o")"
done
for v in $verbs; do
    "$FERRY" "${v%%:*}" "${v#*:}" --help >"$tmp/o" 2>&1 || fail_later "ferry ${v/:/ } --help: exit $?"
    grep -q "usage: ferry ${v%%:*}" "$tmp/o" || fail_later "ferry ${v/:/ } --help: $(head -2 "$tmp/o")"
done

for v in show cancel retry delete run; do
    "$FERRY" request $v abc >"$tmp/o" 2>"$tmp/err"
    rc=$?
    [ $rc = 2 ] || fail_later "request $v abc: exit $rc"
    grep -q '"abc" is not a request ID' "$tmp/err" || fail_later "request $v abc: $(cat "$tmp/err")"
done

# A URL only with a server: the same run under two site configs, on a tty.
printf 'a,b\n1,2\n' >"$tmp/in.csv"
cat >"$tmp/p.cfg" <<CFG
name = "p";
source = { plugin = "source-csv"; path = "$tmp/in.csv"; columns = ["a", "b"]; };
format = { plugin = "format-csv"; };
output = { directory = "$tmp/out"; name = "p"; };
sinks = ( { plugin = "sink-file"; } );
CFG
mkdir -p "$tmp/out"
echo 'plugins = { sink-file = { base_url = "http://files.example"; }; };' >"$tmp/noserver.conf"
cp "$tmp/noserver.conf" "$tmp/server.conf"
echo 'download = { listen = "127.0.0.1:8080"; };' >>"$tmp/server.conf"
tty_run() { script -qec "$FERRY --config $1 run $tmp/p.cfg" /dev/null >"$tmp/tty" 2>&1; }
tty_run "$tmp/server.conf" || fail_later "run with a server: $(cat "$tmp/tty")"
grep -q "http://files.example" "$tmp/tty" || fail_later "no URL with a server: $(cat "$tmp/tty")"
tty_run "$tmp/noserver.conf" || fail_later "run without a server: $(cat "$tmp/tty")"
grep -q "wrote " "$tmp/tty" || fail_later "run without a server printed: $(cat "$tmp/tty")"
grep -q "http" "$tmp/tty" && fail_later "a URL without a server: $(cat "$tmp/tty")"
# `ferry serve` will not sign with the sample config's placeholder secret.
timeout 20 "$FERRY" --config "$FERRY_SOURCE_DIR/conf/ferry.conf" serve >"$tmp/o" 2>&1
rc=$?
[ $rc = 3 ] || fail_later "serve with the sample secret: exit $rc"
grep -q 'download.secret is the sample.*FERRY_SECRET' "$tmp/o" || fail_later "serve: $(cat "$tmp/o")"
[ "$ASSERT_FAILED" != 0 ] || pass "--help everywhere, bad IDs are usage errors, URLs only with a server"
assert_done
