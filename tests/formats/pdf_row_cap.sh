#!/usr/bin/env bash
# pdf_row_cap.sh — the PDF row cap: with the source's row count known
# (source.count = true), the export fails before any work with a message
# naming the cap and the count; without it (the default: only an estimate,
# never used for caps), it fails when the cap is hit. Either
# way: exit code 8 (limit) and nothing published, no staging file left.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
testdb_create pdfcap
testdb_migrate
testdb_demo 300
out=$(mktemp -d)
trap 'rm -rf "$out"; [ -n "${FERRY_KEEP_TEST_DB:-}" ] || testdb_drop' EXIT
cd "$FERRY_SOURCE_DIR"
n=$(testdb_sql "SELECT COUNT(*) FROM tracking_timeentry")
fail=0

expect_cap() { # label, extra args…
    local label=$1 rc=0
    shift
    "$FERRY" run --output-dir "$out" "$@" conf/pipelines/timesheet-pdf.cfg >"$out.stdout" 2>"$out.stderr" || rc=$?
    local msg
    msg=$(grep '^ferry: ' "$out.stderr" || true)
    echo "$label: exit $rc: $msg"
    [ "$rc" = 8 ] || { echo "FAIL $label: exit $rc, want 8"; cat "$out.stderr"; fail=1; }
    case "$msg" in *"row cap"*"row_cap"*) ;; *) echo "FAIL $label: message does not name the cap option"; fail=1 ;; esac
    case "$msg" in *" 50 "*|*" 50,"*|*"of 50"*|*"than 50"*) ;; *) echo "FAIL $label: message does not name the cap 50"; fail=1 ;; esac
    if [ -n "$(ls -A "$out")" ]; then echo "FAIL $label: left files: $(ls -A "$out")"; fail=1; fi
    [ -s "$out.stdout" ] && { echo "FAIL $label: printed an artifact path"; fail=1; }
    LAST_MSG=$msg
}

# 1. The source counts the rows: refused up front, naming cap and count.
expect_cap "counted" --set format.row_cap=50 --set source.count=true
case "$LAST_MSG" in *"$n rows"*) ;; *) echo "FAIL counted: message does not name the row count $n"; fail=1 ;; esac
# 2. No count (the default): fails at the cap.
expect_cap "uncounted" --set format.row_cap=50
# 3. Under the cap: published.
"$FERRY" run --output-dir "$out" --set format.row_cap="$n" conf/pipelines/timesheet-pdf.cfg >/dev/null 2>"$out.stderr" \
    || { echo "FAIL: a run at exactly the cap failed"; cat "$out.stderr"; fail=1; }
[ -s "$out/timesheet-pdf.pdf" ] && pdfinfo "$out/timesheet-pdf.pdf" >/dev/null 2>&1 \
    || { echo "FAIL: no readable PDF at the cap"; fail=1; }
rm -f "$out.stdout" "$out.stderr"
exit $fail
