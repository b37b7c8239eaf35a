#!/usr/bin/env bash
# scripts/deps.sh — installs the Debian packages ferry builds, tests and
# demos with. Idempotent: does nothing when they are all there.
set -euo pipefail
pkgs=(build-essential cmake pkg-config
      libconfig-dev libmariadb-dev libxlsxwriter-dev libhpdf-dev zlib1g-dev
      libmicrohttpd-dev libcurl4-openssl-dev libssl-dev libjansson-dev libcmocka-dev
      mariadb-server mariadb-client
      python3 python3-aiosmtpd python3-openpyxl python3-pypdf python3-django python3-mysqldb
      lintian man-db groff-base systemd dpkg-dev fakeroot adduser
      python3-prometheus-client chromium
      libfribidi-dev poppler-utils qpdf socat fonts-dejavu-core fonts-droid-fallback fonts-nanum fonts-symbola
      fonts-tlwg-loma-ttf fonts-lohit-deva curl iproute2 tzdata
      clang libclang-rt-14-dev clang-format libfreetype-dev)
# s3rver (the S3 tests' server) runs on Node.js: Debian's, unless a node is there already.
command -v node >/dev/null || pkgs+=(nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps.sh: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
# Keep the distribution's MariaDB service from starting: ferry runs its own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
