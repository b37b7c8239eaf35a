#!/usr/bin/env bash
# scripts/db.sh — a private MariaDB owned by ferry's scripts: no systemd, no
# system service. Data directory and socket live under DIR (default
# ./var/mariadb of the checkout); it listens on 127.0.0.1:PORT too.
#
#   scripts/db.sh start [DIR] [PORT]   start (initialising DIR if new); idempotent
#   scripts/db.sh stop  [DIR]          stop it
#   scripts/db.sh url   [DIR] [DB]     print a FERRY_DATABASE_URL for it
#   scripts/db.sh client [DIR] ARGS…   run the mariadb client against it
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-start}
dir=${2:-${FERRY_DB_DIR:-$here/var/mariadb}}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sock=$dir/mysqld.sock
pidf=$dir/mysqld.pid

running() { [ -S "$sock" ] && mariadb-admin --socket="$sock" -uroot ping >/dev/null 2>&1; }

case "$cmd" in
start)
    port=${3:-${FERRY_DB_PORT:-0}}
    if running; then exit 0; fi
    if [ "$port" = 0 ]; then
        port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    fi
    bind=${FERRY_DB_BIND:-127.0.0.1}
    mkdir -p "$dir/tmp"   # the server's sort files: private, not the shared /tmp
    if [ ! -d "$dir/data/mysql" ]; then
        mkdir -p "$dir/data"
        # Once more on failure (seen under heavy load), then show why.
        for try in 1 2; do
            mariadb-install-db --no-defaults --datadir="$dir/data" --user="$(id -un)" \
                --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 \
                && break
            if [ "$try" = 2 ]; then
                echo "db.sh: mariadb-install-db failed, see $dir/install.log:" >&2
                tail -n 15 "$dir/install.log" >&2
                exit 1
            fi
            rm -rf "$dir/data" && mkdir -p "$dir/data"
        done
    fi
    mariadbd --no-defaults --datadir="$dir/data" --socket="$sock" --pid-file="$pidf" \
        --port="$port" --bind-address="$bind" --user="$(id -un)" \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
        --skip-log-bin --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 \
        --max-connections=500 --local-infile=1 --log-error="$dir/error.log" \
        --skip-name-resolve --default-time-zone=+00:00 --tmpdir="$dir/tmp" >/dev/null 2>&1 &
    echo "$port" >"$dir/port"
    for _ in $(seq 1 300); do
        if running; then
            mariadb --socket="$sock" -uroot -e \
                "CREATE USER IF NOT EXISTS 'ferry'@'%' IDENTIFIED BY 'ferry'; GRANT ALL ON *.* TO 'ferry'@'%'; CREATE USER IF NOT EXISTS 'ferry'@'localhost' IDENTIFIED BY 'ferry'; GRANT ALL ON *.* TO 'ferry'@'localhost';"
            exit 0
        fi
        sleep 0.1
    done
    echo "db.sh: MariaDB did not start, see $dir/error.log" >&2
    tail -n 20 "$dir/error.log" >&2 || true
    exit 1
    ;;
stop)
    if [ -f "$pidf" ]; then
        pid=$(cat "$pidf")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    ;;
url)
    db=${3:-ferry}
    echo "mysql://ferry:ferry@localhost/$db?socket=$sock"
    ;;
client)
    shift 2 || true
    exec mariadb --socket="$sock" -uroot "$@"
    ;;
*)
    echo "usage: scripts/db.sh start|stop|url|client [DIR] …" >&2
    exit 2
    ;;
esac
