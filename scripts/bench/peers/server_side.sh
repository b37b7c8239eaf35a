#!/usr/bin/env bash
# peers/server_side.sh SOCKET DB OUT MODE — exports where the server does
# the writing or the rendering:
#   outfile   SELECT … INTO OUTFILE (CSV by the server, on its own machine)
#   json      SELECT JSON_OBJECT(…) through the mariadb client, one per line
#   mydumper  mydumper of the one table tracking_timeentry (not the join:
#             mydumper dumps tables, as INSERT statements)
# The query is timesheet.sql's.
set -euo pipefail
sock=$1 db=$2 out=$3 mode=$4
sql=$(cat "$(dirname "$0")/timesheet.sql")
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
    mydumper --socket "$sock" -u root -B "$db" -T tracking_timeentry -t 1 -o "$dir" \
        --no-schemas >/dev/null
    cat "$dir"/*.sql >"$out"
    rm -rf "$dir" ;;
*) echo "usage: server_side.sh SOCKET DB OUT outfile|json|mydumper" >&2; exit 2 ;;
esac
