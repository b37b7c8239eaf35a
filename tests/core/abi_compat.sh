#!/usr/bin/env bash
# The ABI version rule: a plugin built for an older minor of the same major
# still loads (fields past its descriptor size read as absent); one built
# for a newer minor is refused with a message naming both versions.
set -u
. "$FERRY_SOURCE_DIR/tests/lib/assert.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$CORE_ABI_DIR/format-abi10.so" "$CORE_ABI_DIR/format-abinext.so" "$dir/"
chmod 755 "$dir" && chmod 644 "$dir"/*.so

out=$("$FERRY" plugins info "$dir/format-abi10.so" 2>&1); rc=$?
check_that "1.0 plugin loads (exit $rc)" '[ $rc = 0 ]'
check_that "1.0 plugin reported as built for 1.0" 'grep -q "ABI 1.0" <<<"$out"'
check_that "bytes past the 1.0 size are not read" '! grep -q "must never be read" <<<"$out"'

# Its callbacks come through the core's copy of its 1.0-sized table
# (ferry_ops_size; tests/core/test_ops_abi.c checks the sizes).
out=$("$FERRY" plugins check "$dir/format-abi10.so" 2>&1); rc=$?
check_that "1.0 plugin runs through its copied callback table (exit $rc)" '[ $rc = 0 ] && grep -q "batches formatted" <<<"$out"'

out=$("$FERRY" plugins info "$dir/format-abinext.so" 2>&1); rc=$?
check_that "newer minor refused with exit 4 (got $rc)" '[ $rc = 4 ]'
check_that "message names both versions" 'grep -Eq "ABI 1\.[0-9]+.*this ferry has ABI 1\.[0-9]+" <<<"$out"'
check_that "one line" '[ "$(wc -l <<<"$out")" = 1 ]'

# ABI 1.4's FERRY_ERR_UNAVAILABLE from a source's open: a 1.4 plugin's is
# kept (exit 5, the database's code; the worker would defer the request);
# a 1.3 plugin's is a plain error (exit 1): it cannot have meant it. Either
# way nothing is left in the output directory.
cp "$CORE_ABI_DIR/source-unavail13.so" "$CORE_ABI_DIR/source-unavail14.so" "$dir/"
chmod 644 "$dir"/*.so
for v in 14 13; do
    cat >"$dir/u$v.cfg" <<CFG
name = "u$v";
source = { plugin = "source-unavail$v"; };
format = { plugin = "format-csv"; };
output = { name = "u$v"; };
CFG
    mkdir -p "$dir/out$v"
    out=$(FERRY_PLUGIN_PATH="$dir" "$FERRY" run "$dir/u$v.cfg" --output-dir "$dir/out$v" 2>&1)
    rc=$?
    want=$([ $v = 14 ] && echo 5 || echo 1)
    check_that "unavailable from a 1.${v#1} source's open: exit $want (got $rc: $out)" '[ $rc = $want ]'
    check_that "its message" 'grep -q "source-unavail$v: service down" <<<"$out"'
    check_that "nothing left in the output directory (1.${v#1})" '[ -z "$(ls -A "$dir/out$v")" ]'
done
assert_done
