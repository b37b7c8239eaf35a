#!/usr/bin/env bash
# formats_demo.sh — every format from the demo data, end to end with
# `ferry run`, read back by real consumers (check_exports.py: python json,
# openpyxl, pdftotext/pdfinfo, gzip -t and zcat) and matched row for row
# against the database. One entry gets the description
# =HYPERLINK("http://x","y"), which must come out inert.
#   formats_demo.sh [ROWS]
set -euo pipefail
rows=${1:-400}
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
testdb_create formats
testdb_migrate
testdb_demo "$rows"
# A formula in a description, and the three non-ASCII names the issue names.
testdb_sql "UPDATE tracking_timeentry SET description = '=HYPERLINK(\"http://x\",\"y\")' WHERE id = 3"
testdb_sql "UPDATE tracking_timeentry SET description = 'Zoë, 東京 and Ольга' WHERE id = 4"

out=$(mktemp -d)
trap 'rm -rf "$out"; [ -n "${FERRY_KEEP_TEST_DB:-}" ] || testdb_drop' EXIT
cd "$FERRY_SOURCE_DIR"
for f in json xlsx pdf csv-gz; do
    "$FERRY" run --output-dir "$out" "conf/pipelines/timesheet-$f.cfg" >"$out/$f.stdout" 2>"$out/$f.stderr" \
        || { echo "ferry run timesheet-$f failed:"; cat "$out/$f.stderr"; exit 1; }
done
ls -la "$out"
gzip -t "$out/timesheet-csv.csv.gz"
/usr/bin/python3 "$FERRY_SOURCE_DIR/tests/formats/check_exports.py" \
    --socket "$TESTDB_SOCK" --database "$TESTDB_NAME" --dir "$out"
