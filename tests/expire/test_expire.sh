#!/usr/bin/env bash
# test_expire.sh — `ferry expire`: expired requests lose their files and get
# status 'expired' with one audit row; non-expired ones are untouched;
# orphans and stale staging files older than the grace are swept; nothing
# outside the store is ever deleted, whatever file_path or a symlink says.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/serve/fixtures.sh"

testdb_create expire
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; testdb_drop' EXIT
store=$tmp/store
outside=$tmp/outside
mkdir -p "$store/sub" "$outside/dir"
export FERRY_CONFIG=$tmp/ferry.conf
fx_conf "$FERRY_CONFIG" "$store"
testdb_migrate

old() { touch -h -d '3 hours ago' "$@"; }
uid=$(fx_user alice)
past="NOW(6) - INTERVAL 1 MINUTE"
future="NOW(6) + INTERVAL 1 DAY"

# Requests.
A=$(fx_newid); echo a >"$store/a.csv"; old "$store/a.csv"
fx_request "$A" "$uid" completed "$store/a.csv" "$past"          # absolute path
B=$(fx_newid); echo b >"$store/sub/b.csv"; old "$store/sub/b.csv"
fx_request "$B" "$uid" completed "sub/b.csv" "$past"             # relative path
C=$(fx_newid); echo c >"$store/c.csv"; old "$store/c.csv"
fx_request "$C" "$uid" completed "$store/c.csv" "$future"        # not yet due
D=$(fx_newid); echo victim >"$outside/victim.csv"; old "$outside/victim.csv"
fx_request "$D" "$uid" completed "$outside/victim.csv" "$past"   # outside the store
E=$(fx_newid); echo victim2 >"$outside/victim2.csv"
fx_request "$E" "$uid" completed "../outside/victim2.csv" "$past" # climbs out
F=$(fx_newid); echo target >"$outside/target.csv"; ln -s "$outside/target.csv" "$store/link.csv"
fx_request "$F" "$uid" completed "link.csv" "$past"              # a symlink in the store
G=$(fx_newid); echo g >"$store/g.csv"; old "$store/g.csv"
fx_request "$G" "$uid" pending "" "$past"                        # not completed
H=$(fx_newid)
fx_request "$H" "$uid" completed "$store/gone.csv" "$past"       # file already gone

# Orphans and staging files.
echo o1 >"$store/orphan-old.csv"; old "$store/orphan-old.csv"
echo o2 >"$store/orphan-new.csv"
echo o3 >"$store/sub/deep-orphan.csv"; old "$store/sub/deep-orphan.csv"
echo s1 >"$store/.ferry-stage-abc"; old "$store/.ferry-stage-abc"
echo s2 >"$store/.ferry-stage-new"
echo nfs >"$store/.nfs0001"; old "$store/.nfs0001"
echo x >"$outside/old-target.csv"; old "$outside/old-target.csv"
ln -s "$outside/old-target.csv" "$store/evil-link.csv"; old "$store/evil-link.csv"
echo y >"$outside/dir/inner-old.csv"; old "$outside/dir/inner-old.csv"
ln -s "$outside/dir" "$store/dirlink"; old "$store/dirlink"

snapshot() { (cd "$tmp" && find store outside -printf '%p %y %s %T@\n' | sort); }
before=$(snapshot)

# A dry run changes nothing.
out=$("$FERRY" expire --dry-run 2>"$tmp/dry.log")
echo "$out"
[ "$out" = "dry run: would have expired 6 requests (3 files deleted), removed 3 orphans and 1 staging file (11 bytes), 0 errors" ] ||
    fail "dry-run summary: $out"
[ "$(snapshot)" = "$before" ] || fail "dry run changed files"
[ "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status = 'expired'")" = 0 ] || fail "dry run expired rows"
[ "$(testdb_sql "SELECT COUNT(*) FROM export_audit_logs")" = 0 ] || fail "dry run wrote audit rows"

out=$("$FERRY" expire 2>"$tmp/run.log")
echo "$out"
cat "$tmp/run.log"
[ "$out" = "expired 6 requests (3 files deleted), removed 3 orphans and 1 staging file (11 bytes), 0 errors" ] ||
    fail "summary: $out"

# Expired: A, B, D, E, F, H; their in-store files gone, the link itself only.
for r in "$A" "$B" "$D" "$E" "$F" "$H"; do
    [ "$(testdb_sql "SELECT status FROM export_requests WHERE id = '$r'")" = expired ] || fail "$r not expired"
    [ "$(testdb_sql "SELECT COUNT(*) FROM export_audit_logs WHERE export_request_id = '$r' AND action = 'expired' AND ip_address = '' AND user_agent LIKE 'ferry-expire/%' AND user_id = $uid")" = 1 ] ||
        fail "$r: audit row"
done
[ ! -e "$store/a.csv" ] || fail "a.csv not deleted"
[ ! -e "$store/sub/b.csv" ] || fail "sub/b.csv not deleted"
[ ! -L "$store/link.csv" ] || fail "link.csv (the link) not deleted"
[ "$(cat "$outside/target.csv")" = target ] || fail "symlink target touched"
[ "$(cat "$outside/victim.csv")" = victim ] || fail "file outside the store deleted"
[ "$(cat "$outside/victim2.csv")" = victim2 ] || fail "../ path deleted a file outside the store"
[ "$(testdb_sql "SELECT JSON_EXTRACT(additional_data, '\$.file_deleted') FROM export_audit_logs WHERE export_request_id = '$D'")" = false ] ||
    fail "D audit says deleted"
[ "$(testdb_sql "SELECT JSON_EXTRACT(additional_data, '\$.file_deleted') FROM export_audit_logs WHERE export_request_id = '$A'")" = true ] ||
    fail "A audit says not deleted"

# Untouched: C (not due) and G (pending).
[ "$(testdb_sql "SELECT status FROM export_requests WHERE id = '$C'")" = completed ] || fail "C changed"
[ "$(testdb_sql "SELECT status FROM export_requests WHERE id = '$G'")" = pending ] || fail "G changed"
[ -f "$store/c.csv" ] || fail "c.csv (named, not due) removed"
[ "$(testdb_sql "SELECT COUNT(*) FROM export_audit_logs WHERE export_request_id IN ('$C', '$G')")" = 0 ] || fail "audit for untouched"

# Orphans: old ones swept, young ones and non-regular files kept.
[ ! -e "$store/orphan-old.csv" ] || fail "old orphan kept"
[ ! -e "$store/sub/deep-orphan.csv" ] || fail "deep old orphan kept"
[ -f "$store/orphan-new.csv" ] || fail "young orphan removed"
[ ! -e "$store/.ferry-stage-abc" ] || fail "stale staging file kept"
[ -f "$store/.ferry-stage-new" ] || fail "fresh staging file removed"
[ -f "$store/.nfs0001" ] || fail "foreign dotfile removed"
[ -L "$store/evil-link.csv" ] || fail "symlink to outside removed"
[ "$(cat "$outside/old-target.csv")" = x ] || fail "symlink target outside touched"
[ -L "$store/dirlink" ] || fail "directory symlink removed"
[ "$(cat "$outside/dir/inner-old.csv")" = y ] || fail "followed a directory symlink out of the store"
# g.csv is an old file no request names: an orphan (counted above).
[ ! -e "$store/g.csv" ] || fail "g.csv orphan kept"

# A second pass has nothing to do.
out=$("$FERRY" expire 2>/dev/null)
[ "$out" = "expired 0 requests (0 files deleted), removed 0 orphans and 0 staging files (0 bytes), 0 errors" ] ||
    fail "second pass: $out"
[ "$(testdb_sql "SELECT COUNT(*) FROM export_audit_logs WHERE action = 'expired'")" = 6 ] || fail "audit rows not exactly once"

# With a grace of 0 the young orphan goes too, even stamped a few seconds
# ahead of the clock (a file system's clock may run ahead of time()).
touch -d '+3 seconds' "$store/orphan-new.csv"
fx_conf "$FERRY_CONFIG" "$store"
sed -i 's/orphan_grace_seconds = 3600/orphan_grace_seconds = 0/' "$FERRY_CONFIG"
"$FERRY" expire >/dev/null 2>&1
[ ! -e "$store/orphan-new.csv" ] || fail "grace 0: young orphan kept"
[ -f "$store/c.csv" ] || fail "grace 0: named file removed"
[ "$(cat "$outside/victim.csv")" = victim ] || fail "grace 0: outside file deleted"
# Two expiry passes at once: every due request expired exactly once, no
# errors, every file gone.
ids=()
for i in $(seq 1 40); do
    r=$(fx_newid)
    ids+=("$r")
    echo "$i" >"$store/c$i.csv"
    fx_request "$r" "$uid" completed "c$i.csv" "$past"
done
"$FERRY" expire >"$tmp/p1.out" 2>/dev/null &
p1=$!
"$FERRY" expire >"$tmp/p2.out" 2>/dev/null &
p2=$!
wait "$p1" || fail "first concurrent pass failed: $(cat "$tmp/p1.out")"
wait "$p2" || fail "second concurrent pass failed: $(cat "$tmp/p2.out")"
n1=$(sed -E 's/^expired ([0-9]+) .*/\1/' "$tmp/p1.out")
n2=$(sed -E 's/^expired ([0-9]+) .*/\1/' "$tmp/p2.out")
[ $((n1 + n2)) = 40 ] || fail "concurrent passes expired $n1 + $n2"
[ "$(testdb_sql "SELECT COUNT(*) FROM export_audit_logs WHERE action = 'expired'")" = 46 ] || fail "concurrent audit rows"
[ "$(testdb_sql "SELECT COUNT(DISTINCT export_request_id) FROM export_audit_logs WHERE action = 'expired'")" = 46 ] ||
    fail "a request expired twice"
for i in $(seq 1 40); do [ ! -e "$store/c$i.csv" ] || fail "c$i.csv left"; done
echo "PASS"
