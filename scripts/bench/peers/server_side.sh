#!/usr/bin/env bash
# peers/server_side.sh SOCKET DB OUT MODE [ARG] — exports where the server
# does the writing or the rendering:
#   outfile   SELECT … INTO OUTFILE (CSV by the server, on its own machine);
#             ARG: the SQL file (default timesheet.sql)
#   json      SELECT JSON_OBJECT(…) through the mariadb client, one per line
#   mydumper  mydumper -t 1 of one table, ARG (default tracking_timeentry:
#             not the join; mydumper dumps tables, as INSERT statements)
# The query is timesheet.sql's unless ARG names another file.
set -euo pipefail
sock=$1 db=$2 out=$3 mode=$4 arg=${5:-}
sqlfile=$(dirname "$0")/timesheet.sql
[ "$mode" = outfile ] && [ -n "$arg" ] && sqlfile=$arg
sql=$(cat "$sqlfile")
case "$mode" in
outfile)
    mariadb --socket="$sock" -uroot "$db" -e "$sql INTO OUTFILE '$out' FIELDS TERMINATED BY ',' \
        OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\r\n'" ;;
json)
    inner=${sql#*FROM }
    mariadb --socket="$sock" -uferry -pferry --batch --raw --quick -N "$db" -e \
        "SELECT JSON_OBJECT('date', \`date\`, 'project', project, 'task', task, 'duration', duration, \
         'description', description, 'billable', billable) FROM $inner" >"$out" ;;
mydumper)
    dir=$(dirname "$out")/dump
    mydumper --socket "$sock" -u root -B "$db" -T "${arg:-tracking_timeentry}" -t 1 -o "$dir" \
        --no-schemas >/dev/null
    cat "$dir"/*.sql >"$out"
    rm -rf "$dir" ;;
*) echo "usage: server_side.sh SOCKET DB OUT outfile|json|mydumper" >&2; exit 2 ;;
esac
