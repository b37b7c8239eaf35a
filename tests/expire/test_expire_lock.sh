#!/usr/bin/env bash
# test_expire_lock.sh — `ferry expire` takes a staging file's lock (flock,
# non-blocking) before removing it: a staging file an export still holds
# locked is kept whatever its age (Excel and PDF staging files stay empty
# and untouched until the end), and so is its temp dir; an unlocked stale
# one goes, with its temp dir.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/serve/fixtures.sh"

testdb_create expirelock
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; testdb_drop' EXIT
store=$tmp/store
mkdir -p "$store"
export FERRY_CONFIG=$tmp/ferry.conf
fx_conf "$FERRY_CONFIG" "$store"
testdb_migrate

live=$store/.ferry-stage-live.xlsx-AAAAAA
stale=$store/.ferry-stage-stale.xlsx-BBBBBB
for f in "$live" "$stale"; do
    : >"$f"
    mkdir "$f.d"
    echo tmp >"$f.d/xlsx-tmp1"
    touch -d '3 hours ago' "$f" "$f.d/xlsx-tmp1" "$f.d"
done
exec {lockfd}<"$live"
flock -x "$lockfd"
out=$("$FERRY" expire {lockfd}<&- 2>"$tmp/run.log") || { cat "$tmp/run.log"; fail "expire failed"; }
echo "$out"
exec {lockfd}<&-
[ -f "$live" ] || fail "the locked (live) staging file was removed"
[ -f "$live.d/xlsx-tmp1" ] || fail "the live staging file's temp dir was swept"
[ ! -e "$stale" ] || fail "the unlocked stale staging file was kept"
[ ! -e "$stale.d" ] || fail "the stale staging file's temp dir was kept"
[ "$out" = "expired 0 requests (0 files deleted), removed 0 orphans and 1 staging file (0 bytes), 0 errors" ] ||
    fail "summary: $out"
pass "expire skips a locked staging file"
assert_done
