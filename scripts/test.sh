#!/usr/bin/env bash
# scripts/test.sh — installs what ferry needs, builds it (and, with
# FERRY_SANITIZE=1, an ASan+UBSan build), starts a private MariaDB in a
# temp dir and runs every test through ctest.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/deps.sh"
build=${FERRY_BUILD_DIR:-$here/build-test}
extra=()
if [ "${FERRY_SANITIZE:-0}" = 1 ]; then
    build=${FERRY_BUILD_DIR:-$here/build-asan}
    extra=(-DFERRY_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
fi
echo "building in $build …" >&2
"$here/scripts/build.sh" "$build" "${extra[@]}"
db=$(mktemp -d /tmp/ferry-test-db.XXXXXX)
cleanup() { "$here/scripts/db.sh" stop "$db" || true; rm -rf "$db"; }
trap cleanup EXIT
"$here/scripts/db.sh" start "$db"
export FERRY_TEST_DB_DIR=$db FERRY_TEST_DB_PORT=$(cat "$db/port")
# Plugins must not be group-writable: the loader refuses them.
chmod -R go-w "$build/plugins"
cd "$build"
ctest --output-on-failure -j"${FERRY_TEST_JOBS:-2}" "$@"
