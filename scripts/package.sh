#!/usr/bin/env bash
# scripts/package.sh [BUILD_DIR] [OUT_DIR] — builds ferry for /usr and makes
# the Debian packages with cpack (ferry_VERSION_ARCH.deb, ferry-dev_…deb)
# into OUT_DIR (default: BUILD_DIR). Install: apt install ./ferry_*.deb
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$here/build-deb}
out=${2:-$dir}
cmake -S "$here" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
    -DCMAKE_INSTALL_LIBDIR=lib -DFERRY_TESTS=OFF >/dev/null
cmake --build "$dir" -j"$(nproc)" >/dev/null
# Plugins must not be group-writable: the loader refuses them.
chmod -R go-w "$dir/plugins"
(cd "$dir" && umask 022 && cpack -G DEB -B "$dir/_cpack" >/dev/null)
mkdir -p "$out"
mv "$dir"/_cpack/*.deb "$out"/
ls "$out"/*.deb
