#!/bin/bash
# tests/plugins/run_mistakes.sh BROKEN_DIR — what `ferry run` says when a
# plugin in its pipeline breaks the contract (docs/plugin-guide.md, "When a
# plugin breaks the rules"): one line on stderr naming the plugin and the
# callback, a documented exit status, nothing published, and ferry's own
# standard output (the artifact's path) kept clean.
set -u
broken_dir=$1
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# ferry finds a plugin by its file name, which must be its descriptor's
# name: the broken plugins are built as broken-X.so for filter-broken-X.
mkdir "$tmp/plugins"
for so in "$broken_dir"/broken-*.so; do
    b=$(basename "$so" .so)
    cp "$so" "$tmp/plugins/filter-$b.so"
done
chmod -R go-w "$tmp"
export FERRY_PLUGIN_PATH="$tmp/plugins"
# The second row is Latin-1, as files from elsewhere are: not UTF-8.
printf 'project,hours\nacme,1\ncaf\xe9,2\n' >"$tmp/in.csv"

pipeline() { # pipeline DEFECT -> $tmp/DEFECT.cfg
    cat >"$tmp/$1.cfg" <<CFG
name = "$1";
source = { plugin = "source-csv"; path = "in.csv"; columns = ["project", "hours:int64"]; };
filters = ( { plugin = "filter-broken-$1"; } );
format = { plugin = "format-csv"; };
output = { directory = "out-$1"; name = "$1"; };
CFG
}

# run DEFECT EXIT_STATUS STDERR_PATTERN [published]
run() {
    local d=$1 want=$2 pat=$3 published=${4:-}
    pipeline "$d"
    "$FERRY" run "$tmp/$d.cfg" >"$tmp/$d.out" 2>"$tmp/$d.err" </dev/null
    check "$d" $? "$want" "$pat" "$published"
}

check() {
    local d=$1 rc=$2 want=$3 pat=$4 published=$5
    local bad=0
    [ "$rc" -eq "$want" ] || { echo "$d: exit $rc, expected $want"; bad=1; }
    grep -Eq -- "$pat" "$tmp/$d.err" || { echo "$d: no stderr line matching /$pat/"; bad=1; }
    if [ -n "$published" ]; then
        [ "$(cat "$tmp/$d.out")" = "$tmp/out-$d/$d.csv" ] || { echo "$d: stdout is not the path"; bad=1; }
    else
        [ ! -e "$tmp/out-$d/$d.csv" ] || { echo "$d: an artifact was published"; bad=1; }
        [ ! -s "$tmp/$d.out" ] || { echo "$d: something on stdout"; bad=1; }
    fi
    if [ $bad = 1 ]; then
        echo "--- stderr"; cat "$tmp/$d.err"; echo "--- stdout"; cat "$tmp/$d.out"
        fails=$((fails + 1))
    else
        echo "$d: exit $rc: $(grep -E -- "$pat" "$tmp/$d.err" | head -1)"
    fi
}

# A crash is named, and ferry dies of the same signal (128 + 11).
run crash 139 '^ferry: plugin filter-broken-crash crashed: SIGSEGV in process; nothing was published$'
run utf8 134 '^ferry: plugin filter-broken-utf8 crashed: SIGABRT in process; nothing was published$'
# exit(3) is not ferry's "config error": a plugin error, exit 4.
run exit 4 '^ferry: plugin filter-broken-exit called exit\(\) in process \(a plugin returns an error instead\); nothing was published$'
run nomsg 1 '^ferry: filter-broken-nomsg: process failed \(no message\)$'
run wrongtype 4 '^ferry: filter-broken-wrongtype: process gave row 1 of its batch, column "project" \(string\), a value of another type than its column: int64 \(a plugin bug'
run noschema 4 '^ferry: filter-broken-noschema: open returned 0 but set no output schema \(a plugin bug\)$'
# What a plugin prints goes to stderr; stdout is the artifact's path alone.
run stdout 0 '^debug: processing 2 rows$' published
# A leak is reported in every run, not only by `ferry plugins check`
# (under ASan, LeakSanitizer would fail the run for the plugin's leak).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" run leak 0 'level=warn .*msg="destroy left 4096 bytes in 1 blocks allocated with host->alloc unfreed \(a leak in the plugin\)" plugin=filter-broken-leak' published

# With --log-format json the line is a JSON log object, as ferry's last
# line always is.
pipeline exit
"$FERRY" --log-format json run "$tmp/exit.cfg" >/dev/null 2>"$tmp/exit-json.err" </dev/null
rc=$?
if ! [ $rc = 4 ] || ! "$PYTHON" - "$tmp/exit-json.err" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
o = json.loads(lines[-1])
assert o["level"] == "error" and o["exit_code"] == 4, o
assert o["msg"].startswith("plugin filter-broken-exit called exit() in process"), o
assert o["time"].endswith("Z") and len(o["time"]) == 24, o
PY
then
    echo "exit (json): exit $rc"; cat "$tmp/exit-json.err"; fails=$((fails + 1))
else
    echo "exit (json): exit $rc: $(tail -1 "$tmp/exit-json.err")"
fi

# A plugin that never returns: the first SIGINT asks it to stop (it does
# not poll host->cancelled), the second ends ferry, naming it.
pipeline hang
"$FERRY" run "$tmp/hang.cfg" >"$tmp/hang.out" 2>"$tmp/hang.err" </dev/null &
pid=$!
for _ in $(seq 50); do grep -q . "$tmp/hang.err" 2>/dev/null && break; sleep 0.1; done
sleep 1
kill -INT $pid
sleep 0.5
kill -INT $pid
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -0 $pid 2>/dev/null && { kill -KILL $pid; echo "hang: still running after two SIGINTs"; }
wait $pid
check hang $? 130 '^ferry: interrupted again; plugin filter-broken-hang has not returned from process \(it does not poll host->cancelled\): stopping now$' ""

exit $((fails > 0))
