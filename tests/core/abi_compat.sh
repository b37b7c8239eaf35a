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
assert_done
