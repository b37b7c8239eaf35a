#!/usr/bin/env bash
# expire_kills.sh [file|s3] — `ferry expire` SIGKILLed at seeded points
# (FAULT_SEED, default 1; FAULT_KILLS, default 24 with the file store and
# 12 with the object store; both printed) while it expires many artifacts:
# completed requests past expires_at, with their files in the file store
# (or, with s3, objects on s3rver), besides live ones (a day to go), files
# or objects no request names (old, and young with the file store), stale
# staging files with their temp dirs, and a temp dir whose staging file is
# gone (what a sweep killed between the two leaves). Each run goes through
# a proxy (tests/faults/stmt_hold.py) that stops it at a statement: the
# K-th of any kind, or the k-th of one chosen by looking at what expiring a
# request runs — its row locked (before its file is deleted), the 'expired'
# update (the file deleted, the row not marked), its audit row, its COMMIT
# (killed before it reaches the server), the orphan sweep's check of a
# file — or the k-th COMMIT forwarded and its answer cut (expire exits 5).
# Statement-driven, never timed; more work is added whenever little is left.
# After every kill: no live artifact is gone (the files' SHA-256 as made),
# no row marked expired has its file, one 'expired' audit row per expired
# request, and a completed row whose file is gone (the one window: deleted,
# then killed before the COMMIT) is past its expiry and `ferry serve`
# answers it 410. After every run that ends by itself (exit 0, "0 errors"):
# every due request expired with no file left, every old orphan and staging
# leftover gone, young orphans and live artifacts kept. Then one run's host
# vanishes (its connection left open, the row it was expiring locked): the
# next run skips that request and does the rest, with no error.
# Prints "faults expire_kills_MODE: … N expire kills survived …".
set -euo pipefail
MODE=${1:-file}
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/serve/fixtures.sh"
. "$FERRY_SOURCE_DIR/tests/faults/hold_lib.sh"
SEED=${FAULT_SEED:-1}
if [ "$MODE" = s3 ]; then KILLS=${FAULT_KILLS:-12}; else KILLS=${FAULT_KILLS:-24}; fi
echo "expire_kills ($MODE): seed $SEED, $KILLS kills"
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
hold_setup "expkills_$MODE" "expire_kills_$MODE"
DIRECT_URL=$FERRY_DATABASE_URL
store=$tmp/store
mkdir -p "$store"
S3PID=
assert_on_fail() {
    tail -n 3 "$tmp/points" 2>/dev/null || true
    grep -E 'level=(error|warn)' "$tmp/expire.log" | tail -n 5 || true
}

hold_proxy
export FERRY_DATABASE_URL="mysql://ferry:ferry@127.0.0.1:$pport/$TESTDB_NAME"
export FERRY_CONFIG=$tmp/ferry.conf CONF=$tmp/ferry.conf TMP=$tmp
secret=expire-kills-secret-0123456789abcdef
grace=3600
[ "$MODE" = s3 ] && grace=0
cat >"$CONF" <<CONF
store: { path = "$store"; base_url = "http://127.0.0.1:1"; orphan_grace_seconds = $grace; };
download: { secret = "$secret"; objects = "stream"; };
CONF
store_mode "$MODE"
testdb_migrate
uid=$(fx_user erin)

serve_start "$DIRECT_URL"

# ---- work: requests, files, orphans, leftovers ---------------------------
# add_work N_DUE N_LIVE: N_DUE requests past expires_at and N_LIVE a day
# from it, each with a file (a few due ones with theirs already gone), and
# orphans and staging leftovers; the files are made by a generator seeded
# from the seed and a batch number. live.sha256 lists the live artifacts.
batch=0
add_work() {
    batch=$((batch + 1))
    /usr/bin/python3 - "$tmp" "$store" "$MODE" "$SEED$batch" "$1" "$2" "$uid" >"$tmp/work.sql" <<'PY'
import hashlib, os, random, sys, time
tmp, store, mode, seed, ndue, nlive, uid = sys.argv[1:]
rnd = random.Random(seed)
old = time.time() - 3 * 3600
objects = os.path.join(tmp, "objects")
os.makedirs(objects, exist_ok=True)
def hexid():
    return "%032x" % rnd.getrandbits(128)
def body():
    return bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(1, 3000)))
def put(rel, data, mtime=None):
    path = os.path.join(objects if mode == "s3" else store, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    if mtime:
        os.utime(path, (mtime, mtime))
rows = []
for i in range(int(ndue) + int(nlive)):
    rid, live = hexid(), i >= int(ndue)
    rel = "%s/%s.csv" % (rid[:2], rid) if mode != "s3" else rid + ".csv"
    data = body()
    if live or rnd.random() > 0.05:
        put(rel, data)
    else:  # a due one whose file is already gone: not the window
        with open(os.path.join(tmp, "gone-before"), "a") as f:
            f.write(rid + "\n")
    path = "s3://ferry/exports/" + rel if mode == "s3" else (rel if i % 2 else os.path.join(store, rel))
    when = "NOW(6) + INTERVAL 1 DAY" if live else "NOW(6) - INTERVAL %d SECOND" % rnd.randrange(1, 9999)
    rows.append("('%s', 'test', '', 'csv', '{}', '[]', 'completed', 100, '', '%s', %d, '', 0, 0, '', "
                "NOW(6) - INTERVAL 2 HOUR, NOW(6), NOW(6) - INTERVAL 1 HOUR, NOW(6) - INTERVAL 50 MINUTE, "
                "%s, %s, '', '', '%s')" % (rid, path, len(data), when, uid, hashlib.sha256(data).hexdigest()))
    if live:
        with open(os.path.join(tmp, "live.sha256"), "a") as f:
            f.write("%s  %s\n" % (hashlib.sha256(data).hexdigest(), os.path.join(objects if mode == "s3" else store, rel)))
for n in range(4):  # old orphans
    put("%02x/orphan-%s.csv" % (n, hexid()), body(), old)
if mode != "s3":
    put("young-orphan-%s.csv" % hexid(), body())
for n in range(2):  # stale staging files, one with its temp dir
    name = ".ferry-stage-%s.csv-%06d" % (hexid()[:8], n)
    with open(os.path.join(store, name), "wb") as f:
        f.write(body())
    os.utime(os.path.join(store, name), (old, old))
    if n:
        os.makedirs(os.path.join(store, name + ".d"))
        with open(os.path.join(store, name + ".d", "xlsx-tmp"), "wb") as f:
            f.write(body())
        os.utime(os.path.join(store, name + ".d"), (old, old))
# a temp dir whose staging file is gone
d = os.path.join(store, ".ferry-stage-%s.xlsx-orphan.d" % hexid()[:8])
os.makedirs(d)
with open(os.path.join(d, "xlsx-tmp"), "wb") as f:
    f.write(body())
os.utime(d, (old, old))
print("INSERT INTO export_requests (id, title, description, format, filters, selected_fields, status, "
      "progress_percentage, error_message, file_path, file_size, download_url, download_count, "
      "is_scheduled, schedule_pattern, created_at, updated_at, started_at, completed_at, expires_at, "
      "user_id, ferry_file_name, ferry_content_type, ferry_checksum) VALUES " + ", ".join(rows) + ";")
PY
    testdb_sql "$(cat "$tmp/work.sql")"
    if [ "$MODE" = s3 ]; then # the objects, by curl's own SigV4; old orphans too (grace 0)
        (cd "$tmp/objects" && find . -type f -printf '%P\n') | while read -r k; do
            [ "$(s3_put "exports/$k" "$tmp/objects/$k")" = 200 ] || fail "PUT exports/$k"
        done
        rm -rf "$tmp/objects"
    fi
}

s3_keys() { # the object store's keys under exports/, one a line
    curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
        "http://127.0.0.1:$S3PORT/ferry?list-type=2&prefix=exports/&max-keys=100000" |
        grep -oE '<Key>[^<]*</Key>' | sed -E 's|<Key>(.*)</Key>|s3://ferry/\1|' | sort
}
# present FILE_PATH: whether the artifact a row names is there.
present() {
    case $1 in
        s3://*) grep -qxF "$1" "$tmp/keys" ;;
        /*) [ -e "$1" ] ;;
        *) [ -e "$store/$1" ] ;;
    esac
}

window=0
# check_state WHEN: the invariants that hold whenever expire stops.
check_state() {
    [ "$MODE" = s3 ] && s3_keys >"$tmp/keys"
    if [ "$MODE" = s3 ]; then
        sed -E 's|^[0-9a-f]+  .*/([^/]+)$|s3://ferry/exports/\1|' "$tmp/live.sha256" | sort >"$tmp/live.keys"
        expect_eq "$1: live objects gone" "$(comm -23 "$tmp/live.keys" "$tmp/keys" | head -3)" ""
    else
        sha256sum --quiet -c "$tmp/live.sha256" >/dev/null 2>&1 ||
            fail "$1: a live artifact is gone or changed: $(sha256sum --quiet -c "$tmp/live.sha256" 2>&1 | head -2)"
    fi
    local id status path past
    while IFS=$'\t' read -r id status path past; do
        if [ "$status" = expired ]; then
            ! present "$path" || fail "$1: request $id is expired but its file $path is there"
        elif [ "$status" = completed ] && ! present "$path" && ! grep -qxF "$id" "$tmp/gone-before"; then
            [ "$past" = 1 ] || fail "$1: request $id is completed, not due, and its file $path is gone"
            local t code
            t=$(/usr/bin/python3 "$FERRY_SOURCE_DIR/tests/serve/token.py" "$id" "$secret" $(($(date +%s) + 3600)))
            code=$(curl -sS -o "$tmp/body" -w '%{http_code}' "http://127.0.0.1:$sport/download/$id?token=$t")
            [ "$code" = 410 ] || fail "$1: serve answered $code for $id (completed, due, file gone): $(cat "$tmp/body")"
            window=$((window + 1))
        fi
    done < <(testdb_sql "SELECT id, status, file_path, expires_at <= NOW(6) FROM export_requests")
    local n
    n=$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status = 'expired'")
    expect_eq "$1: one 'expired' audit row per expired request" "$(testdb_sql "SELECT COUNT(*),
        COUNT(DISTINCT export_request_id) FROM export_audit_logs WHERE action = 'expired'")" "$n	$n"
}

# check_done WHEN: a run ended by itself; the job is done.
check_done() {
    check_state "$1"
    expect_eq "$1: due requests left" "$(testdb_sql "SELECT COUNT(*) FROM export_requests
        WHERE status = 'completed' AND expires_at <= NOW(6)")" 0
    expect_eq "$1: live requests expired" "$(testdb_sql "SELECT COUNT(*) FROM export_requests
        WHERE status <> 'completed' AND expires_at > NOW(6)")" 0
    expect_eq "$1: old orphans and staging leftovers" \
        "$(find "$store" -mindepth 1 \( -name 'orphan-*' -o -name '.ferry-*' \) -printf '%P\n' | head -3 | paste -sd' ' -)" ""
    [ "$MODE" = s3 ] && expect_eq "$1: orphan objects" "$(grep -c '/orphan-' "$tmp/keys" || true)" 0
    [ "$MODE" = s3 ] || expect_eq "$1: young orphans kept" \
        "$(find "$store" -name 'young-orphan-*' | wc -l)" "$batch"
    return 0
}

named=('^SELECT user_id, file_path FROM export_requests WHERE id'
    "^UPDATE export_requests SET status = 'expired'" '^INSERT INTO export_audit_logs' '^COMMIT'
    '^SELECT 1 FROM export_requests WHERE file_path IN' '^SELECT file_path FROM export_requests')
# pick: the next run's point in $point (RANDOM here, never in a subshell).
pick() {
    local r=$((RANDOM % 10)) whole
    whole=$(tail -n 1 "$ctl/connections.log" 2>/dev/null || echo 300)
    [ "$whole" -ge 60 ] || whole=60
    if [ $r -lt 4 ]; then
        point="hold $((RANDOM % (whole - 20) + 1)) $hold_any"
    elif [ $r -lt 9 ]; then
        point="hold $((RANDOM % (per / 2) + 1)) ${named[$((RANDOM % ${#named[@]}))]}"
    else
        point="cut $((RANDOM % (per / 2) + 1)) ^COMMIT"
    fi
}

RANDOM=$SEED
kills=0 cuts=0 runs=0 ends=0
: >"$tmp/gone-before"
per=$([ "$MODE" = s3 ] && echo 30 || echo 80)
add_work "$per" 10
while [ $((kills + cuts)) -lt "$KILLS" ]; do
    [ "$runs" -lt $((KILLS * 4)) ] || fail "$runs runs for $((kills + cuts)) kills"
    if [ "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status = 'completed' AND expires_at <= NOW(6)")" -lt $((per / 2)) ]; then
        add_work "$per" 4
    fi
    runs=$((runs + 1))
    pick
    rm -f "$ctl/held"
    arm "$point"
    "$FERRY" expire >"$tmp/out" 2>>"$tmp/expire.log" &
    p=$!
    if ! held_or_ended "$p"; then
        expect_exit "run $runs ($point) ends by itself" "$p" 0
        expect_match "run $runs: no errors" "$(cat "$tmp/out")" ', 0 errors$'
        ends=$((ends + 1))
        check_done "after run $runs"
        continue
    fi
    held=$(cat "$ctl/held")
    echo "run $runs: $held" >>"$tmp/points"
    stop_held "run $runs" "$p" "expire fails"
    check_state "after run $runs"
done

# ---- a vanished expire ------------------------------------------------------
# The host of a run vanishes (powered off) just after deleting a request's
# file: its connection stays open on the server, the request's row locked.
# The next run expires everything else and ends; once the server has ended
# the dead connection (here KILL; else its wait_timeout or TCP keepalive),
# the request is expired by the run after.
if [ "$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status = 'completed' AND expires_at <= NOW(6)")" -lt $((per / 2)) ]; then
    add_work "$per" 0
fi
rm -f "$ctl/held"
arm "vanish 1 ^UPDATE export_requests SET status = 'expired'"
"$FERRY" expire >"$tmp/out" 2>>"$tmp/expire.log" &
p=$!
held_or_ended "$p" || fail "the vanishing run never reached its point"
kill -KILL "$p"
expect_exit "the vanishing run killed" "$p" 137
kills=$((kills + 1))
arm off
vanished=$(testdb_sql "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'ferry'
    AND DB = '$TESTDB_NAME' AND HOST LIKE '127.0.0.1:%'")
expect_match "its connection is still open on the server" "$vanished" '^[0-9]+$'
check_state "after the vanish"
"$FERRY" expire >"$tmp/out" 2>>"$tmp/expire.log" &
p=$!
expect_exit "the run after the vanish ends by itself" "$p" 0
expect_match "the run after the vanish: no errors" "$(cat "$tmp/out")" ', 0 errors$'
expect_eq "due requests left: the vanished run's" "$(testdb_sql "SELECT COUNT(*) FROM export_requests
    WHERE status = 'completed' AND expires_at <= NOW(6)")" 1
check_state "the run after the vanish"
testdb_sql "KILL CONNECTION $vanished"
gone

# A last run finishes the job; the one after has nothing to do.
arm off
out=$("$FERRY" expire 2>>"$tmp/expire.log") || fail "the last run: $out"
check_done "the last run"
out=$("$FERRY" expire 2>>"$tmp/expire.log") || fail "the run after: $out"
expect_eq "the run after has nothing to do" "$out" \
    "expired 0 requests (0 files deleted), removed 0 orphans and 0 staging files (0 bytes), 0 errors"
expired=$(testdb_sql "SELECT COUNT(*) FROM export_requests WHERE status = 'expired'")
echo "points where runs stopped (mode, statement):"
awk '{ print "  " $3, $4, $5, $6, $7 }' "$tmp/points" | sort | uniq -c | sort -rn
echo "faults expire_kills_$MODE: seed $SEED, $kills expire kills survived, $cuts faults injected (COMMIT answers lost), $expired requests expired once, $window times a request was seen deleted and not yet marked (answered 410), $ends runs ended by themselves"
assert_done
