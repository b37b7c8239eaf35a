#!/bin/bash
# sigkill_points.sh — `ferry run` killed with SIGKILL at KILLS points
# (default 26; more, up to 80, until 20 of them landed mid-run: a fast run
# can finish before a late point on a loaded machine) chosen by a seeded
# generator (FAULT_SEED, default 1; both printed): each point is a number of bytes the staging file must reach
# before the kill (0 = at once), alternating csv, xlsx and gzip. After every
# kill the output directory holds either nothing a user could see, or the
# whole file (byte-identical to an unkilled run's — a whole zip for xlsx — when the kill came
# after the publish); anything else is a .ferry-* staging leftover, which
# the next run into the directory sweeps (as `ferry expire` does).
# Progress-driven, not timed. Prints "faults sigkill_points: …".
. "$(dirname "$0")/lib.sh"
faults_setup sigkill
KILLS=${FAULT_KILLS:-26}
SEED=${FAULT_SEED:-1}
echo "sigkill_points: seed $SEED, $KILLS kills"
make_csv "$TMP/in.csv" 60000
fmts=(csv xlsx gzip)
declare -A ref size
for fmt in "${fmts[@]}"; do
    mkdir -p "$TMP/ref-$fmt"
    format_pipeline "$TMP/ref-$fmt.cfg" "$fmt" "$TMP/in.csv" "$TMP/ref-$fmt"
    "$FERRY" run "$TMP/ref-$fmt.cfg" >/dev/null 2>"$TMP/err" || fail "reference $fmt: $(cat "$TMP/err")"
    f=$(find "$TMP/ref-$fmt" -maxdepth 1 -type f ! -name '.*')
    ref[$fmt]=$(sha256sum <"$f" | cut -d' ' -f1)
    size[$fmt]=$(stat -c %s "$f")
done
RANDOM=$SEED
out=$TMP/out
mkdir -p "$out"
killed=0 whole=0 leftovers=0 i=0
while [ "$i" -lt "$KILLS" ] || { [ "$killed" -lt 20 ] && [ "$i" -lt 80 ]; }; do
    i=$((i + 1))
    fmt=${fmts[$((i % 3))]}
    # a byte threshold within the file (every 8th beyond it: after the publish)
    at=$(( (RANDOM * 32768 + RANDOM) % (size[$fmt] * 9 / 10 + 1) ))
    [ $((i % 8)) = 0 ] && at=$((size[$fmt] * 2))
    [ $((i % 6)) = 0 ] && at=0
    format_pipeline "$TMP/k.cfg" "$fmt" "$TMP/in.csv" "$out"
    find "$out" -mindepth 1 -maxdepth 1 ! -name '.*' -delete
    "$FERRY" run "$TMP/k.cfg" >/dev/null 2>"$TMP/err" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        # (a staging file renamed between find's readdir and stat fails find:
        # not this test's failure)
        s=$(find "$out" -maxdepth 1 -name '.ferry-stage-*' -type f -printf '%s\n' 2>/dev/null | sort -n | tail -1) || s=0
        [ "${s:-0}" -ge "$at" ] && [ -n "$s" ] && break
        [ -n "$(visible_files "$out")" ] && break
        [ "$at" = 0 ] && break
        sleep 0.005
    done
    kill -KILL "$pid" 2>/dev/null || true
    set +e
    wait "$pid"
    rc=$?
    set -e
    echo "kill $i: $fmt at $at bytes, exit $rc"
    [ "$rc" = 137 ] && killed=$((killed + 1))
    [ "$rc" = 137 ] || [ "$rc" = 0 ] || fail "kill $i: run failed otherwise: $(cat "$TMP/err")"
    vis=$(visible_files "$out")
    if [ -n "$vis" ]; then
        [ "$vis" = "out-$fmt.$( [ $fmt = gzip ] && echo csv.gz || echo $fmt)" ] || fail "kill $i: unexpected files: $vis"
        if [ "$fmt" = xlsx ]; then # not byte-stable (creation time): a whole zip
            /usr/bin/python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); sys.exit(z.testzip() is not None)' \
                "$out/$vis" || fail "kill $i: the published xlsx is not a whole zip"
        else
            expect_eq "kill $i: the published file is whole" "$(sha256sum <"$out/$vis" | cut -d' ' -f1)" "${ref[$fmt]}"
        fi
        whole=$((whole + 1))
    fi
    # leftovers: only .ferry-* entries (the sweep's names)
    other=$(find "$out" -mindepth 1 -maxdepth 1 -name '.*' ! -name '.ferry-*' -printf '%f ')
    expect_eq "kill $i: hidden files other than staging" "$other" ""
    leftovers=$((leftovers + $(find "$out" -mindepth 1 -maxdepth 1 -name '.ferry-*' | wc -l)))
done
# The next run sweeps every leftover and publishes a whole file. A kill
# between creating a .ferry-init-* file and locking it leaves one the sweep
# keeps for 60 s (it cannot tell it from a live run's); let that time pass.
find "$out" -mindepth 1 -maxdepth 1 -name '.ferry-init-*' -exec touch -d '2 minutes ago' {} +
format_pipeline "$TMP/k.cfg" csv "$TMP/in.csv" "$out"
"$FERRY" run "$TMP/k.cfg" >/dev/null 2>"$TMP/err" || fail "the run after the kills: $(cat "$TMP/err")"
expect_eq "after the kills: staging leftovers" "$(staging_files "$out")" ""
expect_eq "after the kills: the csv is whole" "$(sha256sum <"$out/out-csv.csv" | cut -d' ' -f1)" "${ref[csv]}"
[ "$killed" -ge 20 ] || fail "only $killed of $i runs were killed mid-way (want 20+)"
echo "faults sigkill_points: seed $SEED, $killed kills survived mid-run (of $i), $whole kills after publish (file whole), $leftovers staging leftovers swept"
