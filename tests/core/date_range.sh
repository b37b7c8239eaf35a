#!/bin/bash
# date_range.sh — a request's UTC date range on a calendar-date column
# (fields.date_column_type = "date") selects whole local days in the
# export's time zone: a Los Angeles week given as UTC instants
# (Monday 08:00 UTC … next Monday 07:00 UTC, across the spring-forward
# change) is Monday to Sunday, not Tuesday to Monday; the same week in UTC
# gives the same days; west of UTC without the local reading the first day
# would be lost.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
core_setup range 3000

zoe=$(uid zoe)
want() { testdb_sql "SELECT COUNT(*) FROM tracking_timeentry WHERE user_id = $zoe AND date BETWEEN '$1' AND '$2'"; }
set_range() {
    testdb_sql "UPDATE export_requests SET date_range_start = '$2', date_range_end = '$3' WHERE id = '$1'"
}
csv_dates() { # FILE: first and last date, and the row count
    /usr/bin/python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8"))); d=sorted(x["Date"] for x in r); print(d[0] if d else "-", d[-1] if d else "-", len(r))' "$1"
}
expect_eq "demo rows in the week" "$( [ "$(want 2024-03-04 2024-03-10)" -gt 0 ] && echo yes)" yes

# Los Angeles: the template's field configuration names the zone.
tpl=$(new_template "$zoe" 0 '{"timezone": "America/Los_Angeles"}')
req=$(new_request "$zoe" '{}' '[]' "$tpl")
set_range "$req" "2024-03-04 08:00:00" "2024-03-11 07:00:00"
run_request "$req"
[ "$RC" = 0 ] || fail "request run exited $RC: $ERR"
got=$(csv_dates "$OUT")
n=$(want 2024-03-04 2024-03-10)
first=$(testdb_sql "SELECT MIN(date) FROM tracking_timeentry WHERE user_id = $zoe AND date BETWEEN '2024-03-04' AND '2024-03-10'")
last=$(testdb_sql "SELECT MAX(date) FROM tracking_timeentry WHERE user_id = $zoe AND date BETWEEN '2024-03-04' AND '2024-03-10'")
expect_eq "LA week: Monday to Sunday" "$got" "$first $last $n"

# UTC: the same days from midnight to midnight.
req=$(new_request "$zoe" '{}' '[]')
set_range "$req" "2024-03-04 00:00:00" "2024-03-11 00:00:00"
run_request "$req"
[ "$RC" = 0 ] || fail "request run exited $RC: $ERR"
expect_eq "UTC week: Monday to Sunday" "$(csv_dates "$OUT")" "$first $last $n"
assert_done
