#!/usr/bin/env bash
# man_current.sh — docs/man/ is what the tables say today (scripts/gen_man.sh
# regenerates it byte for byte), man renders every page without a warning,
# ferry(1) has a section for every command of `ferry --help`, ferry.conf(5)
# every setting of the table, ferry-plugins(7) every bundled plugin, and
# ferry-pipeline(5) every key core/src/engine/pipeline.c and fields.c read.
set -euo pipefail
src=$FERRY_SOURCE_DIR
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

FERRY_PLUGIN_PATH="$FERRY_PLUGIN_DIR" "$src/scripts/gen_man.sh" "$FERRY" "$tmp/man"
for f in ferry.1 ferry.conf.5 ferry-pipeline.5 ferry-plugins.7; do
    [ -f "$src/docs/man/$f" ] || { bad "docs/man/$f missing"; continue; }
    diff -u "$src/docs/man/$f" "$tmp/man/$f" >&2 ||
        bad "docs/man/$f is stale: run scripts/gen_man.sh build/core/ferry"
    warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$src/docs/man/$f" 2>&1 >/dev/null) ||
        bad "man -l $f failed"
    [ -z "$warn" ] || bad "man --warnings -l $f: $warn"
done

export FERRY_CONFIG=$tmp/empty.conf
: >"$FERRY_CONFIG"
for c in $("$FERRY" --help | awk '/^Commands:/{on=1; next} on && /^$/{exit} on {print $1}'); do
    grep -qx "\.SS $c" "$src/docs/man/ferry.1" || bad "ferry(1) has no section for $c"
done
for k in $("$FERRY" config reference | grep -E '^[a-z]'); do
    grep -qF ".B $k" "$src/docs/man/ferry.conf.5" || bad "ferry.conf(5) lacks $k"
done
for p in $(FERRY_PLUGIN_PATH="$FERRY_PLUGIN_DIR" "$FERRY" plugins list | awk 'NR > 1 {print $1}'); do
    grep -qx "\.SS ${p//-/\\\\-}" "$src/docs/man/ferry-plugins.7" || bad "ferry-plugins(7) lacks $p"
done
# Pipeline keys: the top-level list pipeline.c accepts, output.*, and every
# key fields.c looks up or styles.
keys=$(sed -n '/const char \*known\[\] = {/,/};/p' "$src/core/src/engine/pipeline.c" |
    grep -o '"[a-z_]*"' | tr -d '"')
keys+=" "$(grep -o '"output\.[a-z_]*"' "$src/core/src/engine/pipeline.c" | tr -d '"' | sed 's/output\.//')
keys+=" "$(grep -oE '(lookup_string\(fields|get_member\(fields|strcmp\(key), "[a-z_]+"' \
    "$src/core/src/engine/fields.c" | grep -o '"[a-z_]*"' | tr -d '"')
n=0
for k in $keys; do
    n=$((n + 1))
    grep -qE "^\.BR? (output\.)?$k( |\$)" "$src/docs/man/ferry-pipeline.5" ||
        bad "ferry-pipeline(5) does not document \"$k\""
done
[ "$n" -ge 25 ] || bad "found only $n pipeline keys in the sources: the extraction broke"
[ "$fails" = 0 ] || exit 1
echo "man pages current, $n pipeline keys documented"
