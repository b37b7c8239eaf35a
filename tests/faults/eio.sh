#!/bin/bash
# eio.sh — EIO injected by an LD_PRELOAD shim (eio_shim.c, built here):
# write() failing on its 1st, 2nd and 3rd call into the staging file (csv,
# json, gzip: the formats ferry writes through its own write()), and
# fsync() failing on the staging file (every format). Each run must exit 1
# with one line naming "Input/output error", publish nothing, leave no
# staging file, and never call fsync again on a descriptor whose fsync
# failed (the shim logs "fsync RETRY"). Prints "faults eio: N faults injected, …".
. "$(dirname "$0")/lib.sh"
faults_setup eio
command -v cc >/dev/null || { echo "skipped: no C compiler for the shim"; exit 77; }
cc -shared -fPIC -O1 -Wall -Wextra -Werror -o "$TMP/eio_shim.so" "$FAULTS_DIR/eio_shim.c" -ldl \
    || fail "building the shim"
# Under ASan (the sanitizer pass) its runtime must come first in the
# preload list: the shim follows it.
preload=$TMP/eio_shim.so
# awk reads to the end: exiting at the match would leave ldd writing into
# a closed pipe, and its SIGPIPE fails the assignment under pipefail.
asan=$(ldd "$FERRY" 2>/dev/null | awk '/libasan/ && !found {print $3; found = 1}')
[ -n "$asan" ] && preload="$asan:$preload"
make_csv "$TMP/in.csv" 20000
out=$TMP/out
mkdir -p "$out"
n=0
# run_fault WHAT FORMAT ENV…: one run with the shim armed by ENV.
run_fault() {
    local what=$1 fmt=$2
    shift 2
    format_pipeline "$TMP/$fmt.cfg" "$fmt" "$TMP/in.csv" "$out"
    rm -f "$TMP/fault.log"
    set +e
    env LD_PRELOAD="$preload" FAULT_DIR="$out" FAULT_LOG="$TMP/fault.log" "$@" \
        "$FERRY" run "$TMP/$fmt.cfg" >"$TMP/stdout" 2>"$TMP/err"
    local rc=$?
    set -e
    [ -s "$TMP/fault.log" ] || fail "$what $fmt: the shim injected nothing (run: $(cat "$TMP/err"))"
    n=$((n + $(grep -c EIO "$TMP/fault.log")))
    expect_eq "$what $fmt: exit code" "$rc" 1
    expect_eq "$what $fmt: ferry's error lines" "$(grep -vc '^\[ERROR\]' "$TMP/err")" 1
    expect_match "$what $fmt: message" "$(grep -v '^\[ERROR\]' "$TMP/err")" "^ferry: .*Input/output error"
    expect_eq "$what $fmt: published" "$(visible_files "$out")" ""
    expect_eq "$what $fmt: staging leftovers" "$(staging_files "$out")" ""
    expect_eq "$what $fmt: fsync retried on the failed descriptor" "$(grep -c RETRY "$TMP/fault.log")" 0
}
for fmt in csv json gzip; do
    for k in 1 2 3; do
        run_fault "write #$k" "$fmt" FAULT_WRITE_N=$k
    done
done
for fmt in csv json xlsx pdf gzip; do
    run_fault "fsync" "$fmt" FAULT_FSYNC_N=1
done
# The shim is real: unarmed, the same run publishes.
format_pipeline "$TMP/ok.cfg" csv "$TMP/in.csv" "$out"
LD_PRELOAD="$preload" FAULT_DIR="$out" "$FERRY" run "$TMP/ok.cfg" >/dev/null 2>"$TMP/err" \
    || fail "unarmed shim: $(cat "$TMP/err")"
expect_eq "unarmed shim: published" "$(visible_files "$out")" "out-csv.csv"
echo "faults eio: $n faults injected (write and fsync), $n clean failures, 0 fsync retries"
