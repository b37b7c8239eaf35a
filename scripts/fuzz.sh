#!/usr/bin/env bash
# scripts/fuzz.sh — builds and runs ferry's libFuzzer targets (tests/fuzz/).
#
#   scripts/fuzz.sh build                 build every target (clang, ASan+UBSan)
#   scripts/fuzz.sh list                  the targets
#   scripts/fuzz.sh TARGET SECONDS        fuzz TARGET for SECONDS (new inputs go to
#                                         $FERRY_BUILD_DIR/fuzz/corpus/TARGET; crashes
#                                         to $FERRY_BUILD_DIR/fuzz/crashes/TARGET)
#   scripts/fuzz.sh TARGET --runs N       N runs from the committed seeds (what ctest does)
#   scripts/fuzz.sh TARGET --replay FILE… run the target once over each FILE
#
# The core's layers (util, engine, store, service) are compiled once into
# $FERRY_BUILD_DIR/fuzz/libferry_fuzz.a with -fsanitize=fuzzer-no-link,
# address,undefined; each target is tests/fuzz/fuzz_<target>.c linked with
# it (and the plugin sources it tests). The pipeline target loads the
# plugins of $FERRY_BUILD_DIR (build them first: scripts/build.sh).
# Exit 77 (skipped, with the reason) when clang or its libFuzzer runtime is
# missing. Every run ends with one line: "fuzz TARGET: N execs, …".
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${FERRY_BUILD_DIR:-$here/build}
out=$build/fuzz
targets=(pipeline config_ints cron_tz filters_fields csv_reader token_path http_range email_address
         xlsx_rowxml pdf_content glyf where_compare log_value)

# target → the extra sources it needs besides libferry_fuzz.a
extra_sources() {
    case $1 in
    csv_reader) echo "$here/plugins/source-csv/csv_reader.c $here/plugins/common/regfile.c" ;;
    email_address) echo "$here/plugins/sink-email/address.c $here/plugins/sink-email/text.c" ;;
    xlsx_rowxml) echo "$here/plugins/format-xlsx/xlsx_rowxml.c $here/plugins/format-xlsx/xlsx_value.c $here/plugins/common/utf8.c $here/plugins/common/fvalue.c" ;;
    pdf_content) echo "$here/plugins/format-pdf/pdf_content.c" ;;
    glyf) echo "$here/plugins/format-pdf/pdf_outline.c $here/plugins/format-pdf/pdf_content.c" ;;
    where_compare) echo "$here/plugins/filter-where/where_cond.c $here/plugins/common/fpred.c $here/plugins/common/fvalue.c" ;;
    *) ;;
    esac
}
extra_includes() {
    case $1 in
    csv_reader) echo "-I$here/plugins/common -I$here/plugins/source-csv" ;;
    email_address) echo "-I$here/plugins/sink-email -I$here/plugins/common" ;;
    xlsx_rowxml) echo "-I$here/plugins/format-xlsx -I$here/plugins/common" ;;
    pdf_content | glyf) echo "-I$here/plugins/format-pdf" ;;
    where_compare) echo "-I$here/plugins/filter-where -I$here/plugins/common" ;;
    *) ;;
    esac
}
# target → the libraries it needs besides ${libs[@]} (the writers' own
# libraries, to compare with or to name fonts through)
extra_libs() {
    case $1 in
    xlsx_rowxml) echo "-lxlsxwriter" ;;
    pdf_content | glyf) echo "-lhpdf -lz" ;;
    *) ;;
    esac
}

san=(-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
defs=(-D_GNU_SOURCE -DFERRY_VERSION='"fuzz"' -DFERRY_SOURCE_DIR="\"$here\""
      -DFERRY_BUILD_DIR="\"$build\"" -DFERRY_BUILD_PLUGIN_DIR="\"$build/plugins\""
      -DFERRY_REL_BINDIR='"bin"' -DFERRY_REL_LIBDIR='"lib"' -DFERRY_REL_DATADIR='"share"')
incs=(-I"$here/core/include" -I"$here/core/src/util" -I"$here/core/src/engine"
      -I"$here/core/src/store" -I"$here/core/src/service" -I"$here/plugins/common")
libs=(-lconfig -lmariadb -ljansson -lcurl -lmicrohttpd -lcrypto -lz -lpthread -lm -ldl)

check_clang() {
    command -v clang >/dev/null || { echo "skipped: clang is not installed"; exit 77; }
    mkdir -p "$out"
    if [ ! -f "$out/.clang-ok" ]; then
        printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}\n' \
            >"$out/probe.c"
        if ! clang -fsanitize=fuzzer,address "$out/probe.c" -o "$out/probe" 2>"$out/probe.log"; then
            echo "skipped: clang cannot link -fsanitize=fuzzer (libclang-rt missing?): $(head -1 "$out/probe.log")"
            exit 77
        fi
        touch "$out/.clang-ok"
    fi
}

# Compiles the core into libferry_fuzz.a (only what changed), under a lock so
# that parallel ctest runs share one build.
build_lib() {
    mkdir -p "$out/obj"
    exec 9>"$out/.lock"
    flock 9
    local changed=0 src obj
    # shellcheck disable=SC2207
    local srcs=($(ls "$here"/core/src/{util,engine,store,service}/*.c))
    local todo=()
    for src in "${srcs[@]}"; do
        obj=$out/obj/$(basename "$(dirname "$src")")_$(basename "$src" .c).o
        if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find "$(dirname "$src")" -name '*.h' -newer "$obj" -print -quit)" ]; then
            todo+=("$src")
        fi
    done
    if [ ${#todo[@]} -gt 0 ]; then
        changed=1
        printf '%s\n' "${todo[@]}" | xargs -P"$(nproc)" -I{} sh -c '
            s={}; o='"$out"'/obj/$(basename $(dirname $s))_$(basename $s .c).o
            clang "$@" -fsanitize=fuzzer-no-link -c "$s" -o "$o" || exit 255' _ \
            "${san[@]}" "${defs[@]}" "${incs[@]}" $(pkg-config --cflags libmariadb)
    fi
    if [ $changed = 1 ] || [ ! -f "$out/libferry_fuzz.a" ]; then
        rm -f "$out/libferry_fuzz.a"
        ar rcs "$out/libferry_fuzz.a" "$out"/obj/*.o
    fi
    flock -u 9
}

build_target() {
    local t=$1 src=$here/tests/fuzz/fuzz_$1.c bin=$out/bin/fuzz_$1
    mkdir -p "$out/bin"
    # shellcheck disable=SC2046
    if [ ! -f "$bin" ] || [ "$src" -nt "$bin" ] || [ "$out/libferry_fuzz.a" -nt "$bin" ] \
        || [ -n "$(for e in $(extra_sources "$t"); do for f in "$e" "${e%.c}.h"; do
            [ -f "$f" ] && [ "$f" -nt "$bin" ] && echo y; done; done)" ]; then
        clang "${san[@]}" -fsanitize=fuzzer "${defs[@]}" $(extra_includes "$t") "${incs[@]}" \
            "$src" $(extra_sources "$t") "$out/libferry_fuzz.a" "${libs[@]}" $(extra_libs "$t") -o "$bin.tmp"
        mv "$bin.tmp" "$bin"
    fi
}

known() { local t; for t in "${targets[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }

cmd=${1:-}
case $cmd in
list) printf '%s\n' "${targets[@]}"; exit 0 ;;
build)
    check_clang; build_lib
    for t in "${targets[@]}"; do build_target "$t"; done
    echo "built ${#targets[@]} fuzz targets in $out/bin"; exit 0 ;;
"" | -h | --help) sed -n '2,19p' "$0"; exit 2 ;;
esac
known "$cmd" || { echo "fuzz.sh: unknown target \"$cmd\" (scripts/fuzz.sh list)" >&2; exit 2; }
t=$cmd; shift
check_clang; build_lib; build_target "$t"
bin=$out/bin/fuzz_$t seeds=$here/tests/fuzz/corpus/$t
[ -d "$seeds" ] || { echo "no seed corpus $seeds" >&2; exit 1; }
log=$(mktemp); trap 'rm -rf "$log" "${tmpc:-}"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export FERRY_FUZZ_SOURCE_DIR=$here
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/tests/fuzz/lsan.supp:print_suppressions=0}
dict=()
[ -f "$here/tests/fuzz/$t.dict" ] && dict=(-dict="$here/tests/fuzz/$t.dict")
mkdir -p "$out/crashes/$t"
case ${1:-} in
--replay) shift; "$bin" "$@"; exit $? ;;
--runs)
    runs=${2:?--runs N}
    tmpc=$(mktemp -d)
    set +e
    "$bin" -runs="$runs" -seed="${FERRY_FUZZ_SEED:-1}" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
        "${dict[@]}" -artifact_prefix="$out/crashes/$t/" "$tmpc" "$seeds" >"$log" 2>&1
    rc=$? ;;
*)
    secs=${1:?SECONDS}
    mkdir -p "$out/corpus/$t"
    set +e
    "$bin" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=1024 "${dict[@]}" \
        -artifact_prefix="$out/crashes/$t/" "$out/corpus/$t" "$seeds" >"$log" 2>&1
    rc=$? ;;
esac
set -e
if [ $rc -ne 0 ]; then
    tail -60 "$log"
    echo "fuzz $t: FAILED (exit $rc); crash input in $out/crashes/$t/ — add it to $seeds and fix"
    exit 1
fi
# libFuzzer's last line: "Done N runs in S second(s)"
execs=$(grep -o 'Done [0-9]* runs' "$log" | tail -1 | awk '{print $2}')
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
echo "fuzz $t: ${execs:-0} execs, coverage ${cov:-?} edges, 0 crashes"
