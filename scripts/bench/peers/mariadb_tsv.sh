#!/usr/bin/env bash
# peers/mariadb_tsv.sh SOCKET DB OUT [--quick] [--gzip] [--sql FILE] — the
# benchmark's baseline: the mariadb client writes the query of timesheet.sql
# (the exact SQL ferry's source-mysql sends for conf/pipelines/timesheet.cfg;
# --sql names another file, e.g. dump.sql for the plain table) as TSV
# (--batch --raw: no quoting, no escaping) into OUT. --quick streams rows
# (mysql_use_result) instead of holding the whole result in memory; --gzip
# pipes the TSV through `gzip -6` (ferry's encode-gzip level in the demo),
# --pigz through `pigz -6 -p2`.
set -euo pipefail
sock=$1 db=$2 out=$3
shift 3
quick=() gz=0 sqlfile=$(dirname "$0")/timesheet.sql
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) quick=(--quick) ;;
    --gzip) gz=1 ;;
    --pigz) gz=2 ;;
    --sql) sqlfile=$2; shift ;;
    *) echo "usage: mariadb_tsv.sh SOCKET DB OUT [--quick] [--gzip|--pigz] [--sql FILE]" >&2; exit 2 ;;
    esac
    shift
done
sql=$(cat "$sqlfile")
if [ "$gz" = 2 ]; then
    mariadb --socket="$sock" -uferry -pferry --batch --raw "${quick[@]}" "$db" -e "$sql" | pigz -6 -p2 >"$out"
elif [ "$gz" = 1 ]; then
    mariadb --socket="$sock" -uferry -pferry --batch --raw "${quick[@]}" "$db" -e "$sql" | gzip -6 >"$out"
else
    exec mariadb --socket="$sock" -uferry -pferry --batch --raw "${quick[@]}" "$db" -e "$sql" >"$out"
fi
