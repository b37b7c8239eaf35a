#!/bin/bash
# tests/core/plugin_trust.sh — the loader's trust rule (docs/operations.md,
# "Plugin trust"): a plugin is loaded only when its real path, and every
# directory from it up to "/", is owned by root or ferry's user and is not
# writable by group or others (a root-owned sticky directory such as /tmp
# excepted). A symlink from a safe directory into a world-writable one, a
# plugin file owned by nobody and a directory owned by nobody are refused
# with exit 4 and one line naming the path and the reason; a safe copy and a
# symlink to one load.
set -euo pipefail
# (No database: only the assertions.)
. "$FERRY_SOURCE_DIR/tests/lib/assert.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ferry-trust.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"
export FERRY_CONFIG=/dev/null

# refused WHAT REGEX DIR: `ferry plugins info format-csv` with DIR first on
# the plugin path exits 4 with one stderr line matching REGEX.
refused() {
    set +e
    FERRY_PLUGIN_PATH="$3" "$FERRY" plugins info format-csv >"$TMP/stdout" 2>"$TMP/stderr"
    local rc=$?
    set -e
    expect_eq "$1: exit code" "$rc" 4
    expect_eq "$1: stderr lines" "$(wc -l <"$TMP/stderr")" 1
    expect_match "$1: message" "$(cat "$TMP/stderr")" "^ferry: .*$2"
}
loads() {
    FERRY_PLUGIN_PATH="$2" "$FERRY" plugins info format-csv >/dev/null || fail "$1: not loaded"
    echo "ok: $1 loads"
}

mkdir -m 755 "$TMP/safe" "$TMP/ww"
chmod 777 "$TMP/ww"
cp "$FERRY_PLUGIN_DIR/format-csv.so" "$TMP/ww/format-csv.so"
chmod 644 "$TMP/ww/format-csv.so"
ln -s "$TMP/ww/format-csv.so" "$TMP/safe/format-csv.so"
refused "symlink into a world-writable directory" \
    "plugin directory $TMP/ww is writable by group or others \(mode 777\): refused \(plugin $TMP/safe/format-csv.so\)$" \
    "$TMP/safe"
chmod 755 "$TMP/ww"
loads "the same symlink once its target directory is safe" "$TMP/safe"

if [ "$(id -u)" != 0 ]; then
    echo "skip: files owned by nobody need root to make (running as uid $(id -u))"
    exit 0
fi
mkdir -m 755 "$TMP/nb"
cp "$FERRY_PLUGIN_DIR/format-csv.so" "$TMP/nb/format-csv.so"
chmod 644 "$TMP/nb/format-csv.so"
chown nobody "$TMP/nb/format-csv.so"
refused "a plugin file owned by nobody" \
    "plugin $TMP/nb/format-csv.so is owned by uid $(id -u nobody), not root or ferry's user: refused$" \
    "$TMP/nb"
chown root "$TMP/nb/format-csv.so"
chown nobody "$TMP/nb"
refused "a plugin directory owned by nobody" \
    "plugin directory $TMP/nb is owned by uid $(id -u nobody), not root or ferry's user: refused$" \
    "$TMP/nb"
chown root "$TMP/nb"
loads "the same file owned by root" "$TMP/nb"
assert_done
