#!/bin/bash
# sigkill.sh — proves that a `ferry run` killed with SIGKILL in the middle of
# a large export leaves no file at the destination (at most a hidden
# .ferry-stage-* file), and that the next run removes that staging file and
# publishes a whole file (every row, read back by Python's csv module).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ROWS=${CORE_SIGKILL_ROWS:-300000}
core_setup kill "$ROWS"
cfg=$TMP/pipelines/timesheet.cfg
out=$TMP/out

"$FERRY" run "$cfg" --output-dir "$out" >"$TMP/run.out" 2>"$TMP/run.err" &
pid=$!
# Wait until the export is under way: a staging file with data in it.
stage=
for _ in $(seq 1 3000); do
    stage=$(find "$out" -maxdepth 1 -type f -name '.ferry-stage-*' -size +0 -print -quit)
    [ -n "$stage" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
done
[ -n "$stage" ] || fail "no staging file with data appeared (run: $(cat "$TMP/run.err"))"
kill -KILL "$pid"
set +e
wait "$pid"
rc=$?
set -e
expect_eq "exit status of the killed run" "$rc" 137
expect_eq "files a user could find" "$(visible_files "$out")" ""
[ ! -e "$out/timesheet.csv" ] || fail "a file at the destination after SIGKILL"
expect_match "what is left" "$(all_files "$out" | tr '\n' ' ')" '^(\.ferry-stage-timesheet\.csv-[A-Za-z0-9]{6}(\.d)? ?)+$'
echo "left after the kill: $(all_files "$out" | tr '\n' ' ')"

# The next run sweeps the dead run's staging file and publishes a whole file.
printed=$("$FERRY" run "$cfg" --output-dir "$out")
expect_eq "printed path" "$printed" "$out/timesheet.csv"
expect_eq "files after the next run" "$(all_files "$out")" "timesheet.csv"
check_csv "$out/timesheet.csv" all
assert_done
