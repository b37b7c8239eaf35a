#!/usr/bin/env bash
# peers/mariadb_tsv.sh SOCKET DB OUT [--quick] [--gzip] — the benchmark's
# baseline: the mariadb client writes the query of timesheet.sql (the exact
# SQL ferry's source-mysql sends for conf/pipelines/timesheet.cfg) as TSV
# (--batch --raw: no quoting, no escaping) into OUT. --quick streams rows
# (mysql_use_result) instead of holding the whole result in memory; --gzip
# pipes the TSV through `gzip -6` (ferry's encode-gzip level in the demo),
# --pigz through `pigz -6 -p2`.
set -euo pipefail
sock=$1 db=$2 out=$3
shift 3
quick=() gz=0
for a in "$@"; do
    case "$a" in
    --quick) quick=(--quick) ;;
    --gzip) gz=1 ;;
    --pigz) gz=2 ;;
    *) echo "usage: mariadb_tsv.sh SOCKET DB OUT [--quick] [--gzip|--pigz]" >&2; exit 2 ;;
    esac
done
sql=$(cat "$(dirname "$0")/timesheet.sql")
if [ "$gz" = 2 ]; then
    mariadb --socket="$sock" -uferry -pferry --batch --raw "${quick[@]}" "$db" -e "$sql" | pigz -6 -p2 >"$out"
elif [ "$gz" = 1 ]; then
    mariadb --socket="$sock" -uferry -pferry --batch --raw "${quick[@]}" "$db" -e "$sql" | gzip -6 >"$out"
else
    exec mariadb --socket="$sock" -uferry -pferry --batch --raw "${quick[@]}" "$db" -e "$sql" >"$out"
fi
