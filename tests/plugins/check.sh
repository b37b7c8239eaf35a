#!/bin/bash
# tests/plugins/check.sh BROKEN_DIR — `ferry plugins check` catches each
# defect of the deliberately broken plugins (one line naming it, exit
# non-zero) and passes every bundled plugin in $FERRY_PLUGIN_DIR.
set -u
broken_dir=$1
fails=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

expect() { # expect DEFECT EXIT_CODE PATTERN
    local so="$broken_dir/broken-$1.so"
    "$FERRY" plugins check --timeout 3 "$so" >"$out" 2>/dev/null
    local rc=$?
    if [ "$rc" -ne "$2" ]; then
        echo "broken-$1: exit $rc, expected $2"; cat "$out"; fails=$((fails + 1)); return
    fi
    if ! grep -Eq -- "$3" "$out"; then
        echo "broken-$1: no line matching /$3/"; cat "$out"; fails=$((fails + 1)); return
    fi
    if [ "$(grep -c 'FAIL' "$out")" -lt 1 ] || ! grep -q 'result: FAILED' "$out"; then
        echo "broken-$1: no FAIL result"; cat "$out"; fails=$((fails + 1))
    fi
    echo "broken-$1: caught: $(grep -E -- "$3" "$out" | head -1 | sed 's/^ *//')"
}

expect crash 1 '^  FAIL  crash: killed by signal 11 .* during filter process \(batch 2\)'
expect stdout 1 '^  FAIL  stdout: the plugin wrote [0-9]+ bytes to stdout \("debug: processing'
expect exit 1 '^  FAIL  exit: the plugin ended the process with exit\(3\) during filter process'
expect hang 1 '^  FAIL  hang: still running after 3 s, during filter process \(batch 2\); killed'
expect abi 4 '^  FAIL  load: plugin .*broken-abi.so was built for plugin ABI 2\.[0-9]+; this ferry has ABI 1\.[0-9]+'
expect options 4 '^  FAIL  load: plugin .*broken-options.so: option "mode" (appears twice|has no help)'
expect leak 1 '^  FAIL  leak: 4096 bytes in 1 blocks allocated with host->alloc were never freed'
expect nomsg 1 '^  FAIL  no-message: filter process \(batch 2\) returned -1 without calling host->error'
# Strings are bytes, not checked UTF-8: the generated batches hold invalid
# sequences, a NUL and controls, so a plugin that assumes valid text fails.
expect utf8 1 '^  FAIL  crash: killed by signal 6 .* during filter process \(batch 2\)'
expect noschema 1 '^  FAIL  schema: open gave no schema$'
expect wrongtype 1 '^  FAIL  value: filter process \(batch 2\): row 1, column "project" \(string\): a value of another type than its column'

# The well-behaved parts of the broken plugins report no false defects:
# the leak plugin's run itself is fine, the stdout one did not crash.
if grep -q 'crash\|hang\|exit' <("$FERRY" plugins check --timeout 5 "$broken_dir/broken-leak.so" 2>/dev/null | grep FAIL); then
    echo "broken-leak: reported more than the leak"; fails=$((fails + 1))
fi

# The broken plugins' files (broken-leak.so) are not named after their
# descriptors (filter-broken-leak): a note says ferry would not find them.
if ! "$FERRY" plugins check --timeout 5 "$broken_dir/broken-leak.so" 2>/dev/null |
    grep -q '^  note  name: the file is broken-leak.so but the descriptor calls the plugin "filter-broken-leak"; ferry finds it by its file name only as filter-broken-leak.so$'; then
    echo "broken-leak: no note about its file name"; fails=$((fails + 1))
fi

# Every bundled plugin passes.
"$FERRY" plugins check "$FERRY_PLUGIN_DIR"/*.so >"$out" 2>/dev/null
rc=$?
nbundled=$(ls "$FERRY_PLUGIN_DIR"/*.so | wc -l)
npassed=$(grep -c 'result: passed' "$out")
if [ "$rc" -ne 0 ] || [ "$npassed" -ne "$nbundled" ]; then
    echo "bundled plugins: exit $rc, $npassed of $nbundled passed"; grep -B8 'FAILED' "$out"
    fails=$((fails + 1))
else
    echo "bundled plugins: all $nbundled passed"
fi
# And by name, through the plugin path.
if ! FERRY_PLUGIN_PATH="$FERRY_PLUGIN_DIR" "$FERRY" plugins check filter-where source-csv >"$out" 2>/dev/null; then
    echo "check by name failed"; cat "$out"; fails=$((fails + 1))
fi
exit $((fails > 0))
