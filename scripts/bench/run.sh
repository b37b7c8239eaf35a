#!/usr/bin/env bash
# scripts/bench/run.sh [--rows "10 10000 100000 1000000"] [--repeat 3]
#     [--scale-rows "10000000"] [--dump-rows 1000000] [--worker-requests 1000]
#     [--build DIR] [--doc FILE]
# — benchmarks ferry's demo exports (CSV, JSON, Excel, gzip'd CSV) against
# peers (mariadb client, server-side export, mydumper, gzip/pigz, Python
# drivers with csv/json/openpyxl/xlsxwriter/ReportLab, plain C programs)
# on the same rows, side by side
# in one run, and writes the table to docs/benchmarks.md. Also: the plain
# 9-column table dump (--dump-rows; 0 skips it), CSV alone at --scale-rows
# (the scaling table) and requests through `ferry worker`s
# (--worker-requests, scripts/bench/worker.py; 0 skips it).
#
# It builds ferry (scripts/build.sh, release with debug info) into DIR
# (default: the checkout's build/), starts its own private MariaDB in a
# temporary directory (scripts/db.sh), creates a database, applies
# `ferry db migrate`, loads scripts/demo_data.py --rows N for each N and
# measures each case --repeat times (scripts/bench/bench.py: median seconds,
# largest peak RSS). The database is stopped and the
# temporary directory removed at the end, also on failure or Ctrl-C.
# Timings belong here, never in a test.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
rows="10 10000 100000 1000000"
repeat=3
more=()
build=$here/build
doc=$here/docs/benchmarks.md
while [ $# -gt 0 ]; do
    case "$1" in
    --rows) rows=$2; shift 2 ;;
    --rows=*) rows=${1#--rows=}; shift ;;
    --repeat) repeat=$2; shift 2 ;;
    --repeat=*) repeat=${1#--repeat=}; shift ;;
    --build) build=$2; shift 2 ;;
    --build=*) build=${1#--build=}; shift ;;
    --scale-rows|--dump-rows|--worker-requests|--workers|--scale-repeat)
        more+=("$1" "$2"); shift 2 ;;
    --doc) doc=$2; shift 2 ;;
    --doc=*) doc=${1#--doc=}; shift ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: scripts/bench/run.sh [--rows \"N …\"] [--repeat N] [--scale-rows \"N …\"] [--dump-rows N] [--worker-requests N] [--build DIR] [--doc FILE]" >&2; exit 2 ;;
    esac
done
case "$doc" in /*) ;; *) doc=$PWD/$doc ;; esac

"$here/scripts/bench/deps.sh"
echo "bench: building ferry in $build …" >&2
"$here/scripts/build.sh" "$build"
ferry=$build/core/ferry

work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench.XXXXXX")
cleanup() {
    "$here/scripts/db.sh" stop "$work/db" || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$work/peakrss" "$here/scripts/bench/peakrss.c"
# The plain C peers: the floor of each format (Connector/C + stdio, libharu,
# libxlsxwriter).
for p in c_csv c_pdf:-lhpdf c_xlsx:-lxlsxwriter; do
    name=${p%%:*} lib=${p#*:}
    [ "$lib" = "$p" ] && lib=
    # shellcheck disable=SC2046,SC2086
    cc -O2 -std=c11 -Wall -Wextra -Werror $(mariadb_config --cflags) -o "$work/$name" \
        "$here/scripts/bench/peers/$name.c" $(mariadb_config --libs) $lib
done
# The server's temporary tables (the ORDER BY sort) go under $work too, not
# a shared /tmp that something else may sweep.
mkdir -p "$work/tmp"
TMPDIR=$work/tmp "$here/scripts/db.sh" start "$work/db"
sock=$work/db/mysqld.sock
db=ferry_bench
mariadb --socket="$sock" -uroot -e \
    "CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
FERRY_DATABASE_URL="mysql://ferry:ferry@localhost/$db?socket=$sock" "$ferry" -q db migrate >&2

/usr/bin/python3 "$here/scripts/bench/bench.py" --ferry "$ferry" --peakrss "$work/peakrss" --socket "$sock" \
    --database "$db" --work "$work" --rows "$rows" --repeat "$repeat" --doc "$doc" "${more[@]}"
