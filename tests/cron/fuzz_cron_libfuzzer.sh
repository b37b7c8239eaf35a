#!/usr/bin/env bash
# fuzz_cron_libfuzzer.sh — builds fuzz_cron.c as a real libFuzzer target
# (clang, ASan+UBSan) with the cron, time zone and date range sources, and
# runs it for a bounded number of runs from a small seed corpus.
# Skipped (77) when clang or its fuzzer runtime is missing.
#   fuzz_cron_libfuzzer.sh [RUNS]
set -euo pipefail
src=${FERRY_SOURCE_DIR:?}
runs=${1:-200000}
command -v clang >/dev/null || { echo "clang not installed: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_GNU_SOURCE -DFERRY_VERSION='"fuzz"' -I"$src/core/src/util" -I"$src/core/src/service" -I"$src/core/include" \
    "$src/tests/cron/fuzz_cron.c" "$src/core/src/service/cron.c" "$src/core/src/util/tzif.c" \
    "$src/core/src/service/daterange.c" "$src/core/src/util/error.c" -lm -o "$work/fuzz" 2>"$work/cc.log"; then
    if grep -q "fuzzer" "$work/cc.log"; then
        echo "clang has no libFuzzer runtime: skipped"; cat "$work/cc.log"; exit 77
    fi
    cat "$work/cc.log"; exit 1
fi
mkdir -p "$work/corpus"
i=0
for p in '30 2 * * *' '0 9 * * 1-5' '15 * * * *' '*/5 1-3 1,15 jan-mar sun,7' '0 0 13 * fri' \
    '@daily' '59 23 29 2 *' '0 0 */2 * 0'; do
    i=$((i + 1))
    printf '\00%c\001\002\003\004\005\006\007%s' "$(printf "\\$(printf '%03o' $i)")" "$p" >"$work/corpus/seed$i"
done
"$work/fuzz" -runs="$runs" -max_len=256 -seed=1 "$work/corpus" 2>"$work/fuzz.log" \
    || { tail -40 "$work/fuzz.log"; exit 1; }
tail -1 "$work/fuzz.log"
