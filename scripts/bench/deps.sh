#!/usr/bin/env bash
# scripts/bench/deps.sh — the Debian packages only the benchmark's peers
# need (not CI's: scripts/deps.sh has what ferry builds and tests with).
# Idempotent: does nothing when they are all there.
set -euo pipefail
pkgs=(pigz mydumper python3-reportlab python3-xlsxwriter python3-openpyxl python3-mysqldb
      libhpdf-dev libxlsxwriter-dev libmariadb-dev mariadb-client)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "bench/deps.sh: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get install -y --no-install-recommends "${missing[@]}" >&2
