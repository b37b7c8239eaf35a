#!/usr/bin/env bash
# xlsx_two_sheets.sh — 1,100,000 demo rows to Excel: past 1,048,576 rows a
# sheet the export goes on in "Time entries (2)" with the title and header
# repeated; openpyxl reads both sheets and every row is there, in order,
# with the database's dates and durations. Slow (a minute or more).
set -euo pipefail
rows=${1:-1100000}
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
testdb_create xlsxbig
testdb_migrate
testdb_demo "$rows"
out=$(mktemp -d)
trap 'rm -rf "$out"; [ -n "${FERRY_KEEP_TEST_DB:-}" ] || testdb_drop' EXIT
cd "$FERRY_SOURCE_DIR"
"$FERRY" run --output-dir "$out" conf/pipelines/timesheet-xlsx.cfg >/dev/null
testdb_sql "SELECT e.date, e.duration FROM tracking_timeentry e
            JOIN tracking_project p ON p.id = e.project_id ORDER BY e.date, e.id" >"$out/db.tsv"
/usr/bin/python3 - "$out/timesheet-xlsx.xlsx" "$out/db.tsv" "$rows" <<'PY'
import datetime
import sys

import openpyxl

path, tsv, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
want = []
with open(tsv) as f:
    for line in f:
        d, dur = line.rstrip("\n").split("\t")
        want.append((d, int(dur)))
assert len(want) == rows, "database has %d rows, want %d" % (len(want), rows)
wb = openpyxl.load_workbook(path, read_only=True)
assert wb.sheetnames == ["Time entries", "Time entries (2)"], wb.sheetnames


def seconds(v):
    """A [h]:mm cell as openpyxl's read-only mode gives it, in seconds."""
    if isinstance(v, datetime.timedelta):
        return v.total_seconds()
    if isinstance(v, datetime.time):
        return v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6
    if isinstance(v, datetime.datetime):
        return (v - datetime.datetime(1899, 12, 30)).total_seconds()
    return float(v) * 86400


i = 0
per_sheet = []
for ws in wb.worksheets:
    it = ws.iter_rows(values_only=True)
    title, header = next(it), next(it)
    assert title[0] == "Timesheet", title
    assert list(header) == ["Date", "Project", "Task", "Duration", "Description", "Billable"], header
    n = 0
    for r in it:
        d, dur = want[i]
        if (r[0] != datetime.datetime.fromisoformat(d)
                or abs(seconds(r[3]) - dur / 1e6) > 0.001):
            sys.exit("row %d: %r, want %r" % (i + 1, r[:4], want[i]))
        i += 1
        n += 1
    per_sheet.append(n)
assert i == rows, "%d rows read, want %d" % (i, rows)
assert per_sheet[0] == 1048576 - 2, per_sheet  # title and header count against the limit
print("ok: %d rows in two sheets %r" % (i, per_sheet))
PY
