#!/usr/bin/env bash
# scripts/demo.sh [--rows N] — on a fresh Debian machine: installs what ferry
# needs, builds it, starts a private MariaDB (var/mariadb), applies the
# migrations, loads the time-tracking demo data and exports it to CSV.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rows=10000
while [ $# -gt 0 ]; do
    case "$1" in
    --rows) rows=$2; shift 2 ;;
    --rows=*) rows=${1#--rows=}; shift ;;
    *) echo "usage: scripts/demo.sh [--rows N]" >&2; exit 2 ;;
    esac
done
"$here/scripts/deps.sh"
echo "building …" >&2
"$here/scripts/build.sh" "$here/build"
"$here/scripts/db.sh" start "$here/var/mariadb"
sock=$here/var/mariadb/mysqld.sock
mariadb --socket="$sock" -uroot -e "CREATE DATABASE IF NOT EXISTS ferry CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
export FERRY_DATABASE_URL="mysql://ferry:ferry@localhost/ferry?socket=$sock"
ferry="$here/build/core/ferry"
"$ferry" db migrate
echo "loading $rows demo time entries …" >&2
/usr/bin/python3 "$here/scripts/demo_data.py" --socket "$sock" --database ferry --rows "$rows" >&2
"$ferry" run "$here/conf/pipelines/timesheet.cfg"
echo "The private MariaDB keeps running: scripts/db.sh stop var/mariadb stops it." >&2
echo "More: FERRY_DATABASE_URL='$FERRY_DATABASE_URL' $ferry run conf/pipelines/timesheet-xlsx.cfg" >&2
