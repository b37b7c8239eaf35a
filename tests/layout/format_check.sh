#!/usr/bin/env bash
# format_check.sh — every tracked C file is formatted as the committed
# .clang-format says (clang-format --dry-run -Werror); skipped without
# clang-format or outside a git checkout.
set -euo pipefail
src=${FERRY_SOURCE_DIR:?}
command -v clang-format >/dev/null || { echo "skipped: clang-format is not installed"; exit 77; }
cd "$src"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "skipped: not a git checkout"; exit 77; }
bad=0 n=0
while IFS= read -r f; do
    n=$((n + 1))
    if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
        echo "FAIL: $f is not formatted (clang-format -i $f)"
        bad=$((bad + 1))
    fi
done < <(git ls-files '*.c' '*.h')
echo "$((n - bad)) passed, $bad failed"
[ "$bad" = 0 ]
