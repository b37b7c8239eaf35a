#!/usr/bin/env bash
# docs/formats.md is what the plugins' option tables say today.
set -euo pipefail
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
FERRY_PLUGIN_PATH="$FERRY_PLUGIN_DIR" "$FERRY_SOURCE_DIR/scripts/gen_formats_doc.sh" "$FERRY" "$tmp"
if ! diff -u "$FERRY_SOURCE_DIR/docs/formats.md" "$tmp"; then
    echo "docs/formats.md is stale: run scripts/gen_formats_doc.sh build/core/ferry" >&2
    exit 1
fi
echo "1 passed, 0 failed"
