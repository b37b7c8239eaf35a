#!/usr/bin/env bash
# fuzz_json_libfuzzer.sh — builds fuzz_json_writer.c as a real libFuzzer
# target (clang, ASan+UBSan) and runs it for a bounded number of runs.
# Skipped (77) when clang or its fuzzer runtime is missing.
#   fuzz_json_libfuzzer.sh [RUNS]
set -euo pipefail
src=${FERRY_SOURCE_DIR:?}
runs=${1:-100000}
command -v clang >/dev/null || { echo "clang not installed: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -DFERRY_LIBFUZZER -D_GNU_SOURCE -I"$src/plugins/format-json" -I"$src/plugins/common" \
    "$src/tests/formats/fuzz_json_writer.c" "$src/plugins/format-json/json_writer.c" \
    "$src/plugins/common/utf8.c" -ljansson -lm -o "$work/fuzz" 2>"$work/cc.log"; then
    if grep -q "fuzzer" "$work/cc.log"; then
        echo "clang has no libFuzzer runtime: skipped"; cat "$work/cc.log"; exit 77
    fi
    cat "$work/cc.log"; exit 1
fi
mkdir -p "$work/corpus"
"$work/fuzz" -runs="$runs" -max_len=512 -seed=1 "$work/corpus" 2>"$work/fuzz.log" \
    || { tail -40 "$work/fuzz.log"; exit 1; }
tail -1 "$work/fuzz.log"
