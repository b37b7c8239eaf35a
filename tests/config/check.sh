#!/bin/bash
# tests/config/check.sh — every kind of bad ferry.conf setting (unknown
# section, unknown key, wrong type, out of range, not a group) is refused
# with FILE:LINE: key: what is allowed and exit 3 by every command that
# reads the file; `ferry config check` prints each setting's value, masked
# when secret, and where it came from; the sample conf/ferry.conf holds
# the table's defaults.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$FERRY_SOURCE_DIR/tests/lib/assert.sh"
unset FERRY_CONFIG FERRY_SECRET FERRY_DATABASE_URL FERRY_PLUGIN_PATH

# bad CONTENT EXPECTED-MESSAGE: every command that reads ferry.conf refuses it.
bad() {
    printf '%s\n' "$1" >"$tmp/bad.conf"
    local cmd
    for cmd in "config check" "worker" "scheduler" "serve" "daemon" "expire" "db status" \
        "request list" "plugins list" "run $FERRY_SOURCE_DIR/conf/pipelines/timesheet.cfg"; do
        # shellcheck disable=SC2086
        timeout 20 "$FERRY" --config "$tmp/bad.conf" $cmd >"$tmp/out" 2>"$tmp/err" </dev/null
        local rc=$?
        [ $rc = 3 ] || fail_later "$cmd with '$1': exit $rc, not 3 ($(head -c 300 "$tmp/err"))"
        grep -qF -- "$tmp/bad.conf:$2" "$tmp/err" || fail_later "$cmd with '$1': $(cat "$tmp/err") lacks '$2'"
        [ "$(wc -l <"$tmp/err")" = 1 ] || fail_later "$cmd with '$1': not one line: $(cat "$tmp/err")"
    done
}
bad 'bogus_section = 1;' '1: bogus_section: unknown setting; allowed here: database, connections'
bad $'worker = {\n  concurency = 4; };' '2: worker.concurency: unknown setting; allowed here: concurrency, lease_seconds'
bad 'worker = { lease_seconds = "x"; };' '1: worker.lease_seconds: an integer from 1 to 86400 is allowed, not "x"'
bad $'\nworker = { concurrency = 0; };' '2: worker.concurrency: an integer from 1 to 256 is allowed, not 0'
bad 'worker = { concurrency = 257; };' '1: worker.concurrency: an integer from 1 to 256 is allowed, not 257'
bad 'daemon = { serve = 1; };' '1: daemon.serve: true or false is allowed, not 1'
bad 'store = { base_url = 8080; };' '1: store.base_url: a string is allowed, not 8080'
bad 'worker = 4;' '1: worker: a group { … } is allowed, not 4'
bad 'connections = { a = { url = "mysql://x/y"; host = "h"; }; };' '1: connections.a.host: unknown setting; allowed here: url'
bad 'plugins = { path = 5; };' '1: plugins.path: a string or an array of strings is allowed, not 5'
bad 'worker = { concurency = 4; lease_seconds = "x"; }; bogus_section = 1;' '1: worker.concurency: unknown setting'

# A good file: values, origins, masking.
cat >"$tmp/good.conf" <<'CONF'
database = { url = "mysql://ferry:hunter2@db:3306/ferry"; };
connections = { tracking = { url = "mysql://reader:s3cret@db2/tracking"; }; };
download = { secret = "0123456789abcdef-secret-0123456789abcdef"; };

worker = { concurrency = 4; };
CONF
FERRY_DATABASE_URL= "$FERRY" config check "$tmp/good.conf" >"$tmp/out" 2>"$tmp/err" || fail_later "config check good: $(cat "$tmp/err")"
line() { grep -E "^$1 +=" "$tmp/out"; }
line worker.concurrency | grep -qF "= 4 " && line worker.concurrency | grep -qF "# $tmp/good.conf:5" || fail_later "worker.concurrency: $(line worker.concurrency)"
line worker.lease_seconds | grep -qE '= 30 +# default$' || fail_later "worker.lease_seconds: $(line worker.lease_seconds)"
line database.url | grep -qF '"mysql://ferry:***@db:3306/ferry"' || fail_later "database.url: $(line database.url)"
line connections.tracking.url | grep -qF '"mysql://reader:***@db2/tracking"' || fail_later "connection: $(line connections.tracking.url)"
line download.secret | grep -qF '"***"' || fail_later "secret: $(line download.secret)"
grep -qE 'hunter2|s3cret|0123456789abcdef' "$tmp/out" && fail_later "a secret printed: $(cat "$tmp/out")"
FERRY_SECRET=from-the-environment-0123456789abcdef "$FERRY" config check "$tmp/good.conf" >"$tmp/out" 2>&1
line download.secret | grep -qF '# environment FERRY_SECRET' || fail_later "env origin: $(line download.secret)"
grep -q 'from-the-environment' "$tmp/out" && fail_later "env secret printed"

# The sample config holds the table's defaults wherever the table has one.
: >"$tmp/empty.conf"
"$FERRY" config check "$tmp/empty.conf" >"$tmp/defaults" || fail_later "config check of an empty file"
"$FERRY" config check "$FERRY_SOURCE_DIR/conf/ferry.conf" >"$tmp/sample" || fail_later "config check of the sample"
while read -r key _ val _; do
    d=$(grep -E "^$key +=" "$tmp/defaults" | awk '{print $3}')
    [ "$d" = "(unset)" ] || [ "$d" = "$val" ] || fail_later "conf/ferry.conf: $key = $val, the documented default is $d"
done < <(grep -v '^#' "$tmp/sample" | grep -v '# default$' | grep -v -E '^(database\.url|download\.secret|requests\.|connections\.)')
[ "$ASSERT_FAILED" != 0 ] || pass "bad settings refused by every command; config check values, origins and masks; sample = defaults"
assert_done
