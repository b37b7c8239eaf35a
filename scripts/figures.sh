#!/usr/bin/env bash
# scripts/figures.sh [LOG] — the reliability figures of the last ctest run
# (default build-test/Testing/Temporary/LastTest.log): every figure line the
# tests printed ("fuzz …", "faults …", bad-input counts), then a summary of
# bad inputs tried, faults injected, kills survived and fuzz executions.
# docs/reliability.md says how to read it. Never fails: a missing log or
# line is reported as such, and the exit status is 0.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
log=${1:-$here/build-test/Testing/Temporary/LastTest.log}
echo "== reliability figures ($log)"
if [ ! -r "$log" ]; then
    echo "no ctest log: no figures"
    exit 0
fi
awk '
/^fuzz[ _][A-Za-z0-9_]+: / || /^faults( [A-Za-z0-9_]+)?: / || /[0-9]+ bad inputs/ { print "  " $0 }
# fuzz TARGET: N execs (scripts/fuzz.sh)
/^fuzz [A-Za-z0-9_]+: [0-9]+ execs/ { fuzz_targets++; fuzz_execs += $3 }
/^fuzz [A-Za-z0-9_]+: FAILED/ { fuzz_failed++ }
# bad inputs: fuzz_cron and fuzz_json_writer count theirs; any "N bad inputs"
/^fuzz_cron: [0-9]+ inputs/ { bad += $2 }
/^fuzz_json_writer: .* [0-9]+ random inputs/ { for (i = 1; i < NF; i++) if ($(i+1) == "random") bad += $i }
/[0-9]+ bad inputs/ { for (i = 2; i <= NF; i++) if ($i == "bad" && $(i+1) ~ /^inputs/) bad += $(i-1) }
# faults: "N faults injected", "N … kills survived", "N database kill"
/^faults( [A-Za-z0-9_]+)?: / {
    faults_lines++
    for (i = 2; i <= NF; i++) {
        if ($i == "faults" && $(i+1) ~ /^injected/) faults += $(i-1)
        if ($i == "kills" && $(i+1) ~ /^survived/) { n = $(i-1); if (n !~ /^[0-9]+$/) n = $(i-2); kills += n }
        if ($i == "database" && $(i+1) ~ /^kill/) kills += $(i-1)
    }
}
END {
    printf "summary: %d bad inputs tried, %d faults injected, %d kills survived (%d fault lines), %d fuzz executions (%d targets%s)\n",
        bad, faults, kills, faults_lines, fuzz_execs, fuzz_targets, fuzz_failed ? ", " fuzz_failed " FAILED" : ""
    if (!faults_lines) print "  (no faults line: the fault tests did not run or printed nothing)"
    if (!fuzz_targets) print "  (no fuzz line: the fuzz targets did not run or were skipped)"
}' "$log" || echo "figures: could not read $log"
exit 0
