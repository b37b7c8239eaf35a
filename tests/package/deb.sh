#!/bin/bash
# deb.sh — builds the Debian packages (scripts/package.sh: cpack -G DEB),
# checks that lintian finds no error and that they hold what an installed
# ferry needs (dpkg-deb --contents: binary, plugins, migrations, conffiles,
# units whose ExecStart and Documentation= are in the package, man pages;
# the SDK in ferry-dev). When CI=true and root it then installs them (dpkg
# -i, apt-get -f install for dependencies), runs ferry --version, ferry
# config check, systemd-analyze verify on the installed units and an export
# as the `ferry` user against the private MariaDB, purges them and checks
# nothing is left; elsewhere that part is skipped (exit 77), saying why.
set -euo pipefail
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
for t in cpack lintian dpkg-deb dpkg-shlibdeps; do
    command -v "$t" >/dev/null || { echo "SKIP: $t is not installed (scripts/deps.sh)"; exit 77; }
done
tmp=$(mktemp -d /tmp/ferry-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$FERRY_SOURCE_DIR/scripts/package.sh" "$tmp/build" "$tmp/out" >/dev/null
deb=$(ls "$tmp"/out/ferry_*.deb)
dev=$(ls "$tmp"/out/ferry-dev_*.deb)

lint=$(lintian --tag-display-limit 0 "$deb" "$dev" 2>&1 | grep -v 'running with root' || true)
echo "$lint"
if grep -q '^E:' <<<"$lint"; then fail "lintian reports errors"; else ok "lintian: no errors"; fi

dpkg-deb --contents "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$tmp/files"
dpkg-deb --contents "$dev" | awk '{print $6}' | sed 's|^\./|/|' >"$tmp/devfiles"
has() { grep -qx "$2" "$1" && ok "package has $2" || fail "package lacks $2"; }
for f in /usr/bin/ferry /usr/lib/ferry/plugins/source-mysql.so /usr/lib/ferry/plugins/format-csv.so \
    /usr/share/ferry/migrations/0001_initial.sql /etc/ferry/ferry.conf \
    /etc/ferry/pipelines/timesheet.cfg /usr/share/man/man1/ferry.1.gz \
    /usr/share/man/man5/ferry.conf.5.gz /usr/share/man/man5/ferry-pipeline.5.gz \
    /usr/share/man/man7/ferry-plugins.7.gz /usr/share/doc/ferry/copyright \
    /usr/share/bash-completion/completions/ferry; do
    has "$tmp/files" "$f"
done
for f in /usr/include/ferry/plugin.h /usr/lib/pkgconfig/ferry-plugin.pc \
    /usr/lib/cmake/ferry/ferryConfig.cmake /usr/share/doc/ferry-dev/plugin-guide.md \
    /usr/share/doc/ferry-dev/examples/plugins/filter-upper/filter_upper.c; do
    has "$tmp/devfiles" "$f"
done
for u in "$FERRY_SOURCE_DIR"/conf/systemd/*; do
    has "$tmp/files" "/lib/systemd/system/$(basename "$u")"
    exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$u")
    [ -z "$exe" ] || has "$tmp/files" "$exe"
    doc=$(sed -n 's|^Documentation=file://||p' "$u")
    [ -z "$doc" ] || has "$tmp/files" "$doc"
done
dpkg-deb --info "$deb" conffiles >"$tmp/conffiles"
has "$tmp/conffiles" /etc/ferry/ferry.conf
dpkg-deb -f "$deb" Depends | grep -q libmariadb3 && ok "Depends from dpkg-shlibdeps" ||
    fail "Depends lacks libmariadb3: $(dpkg-deb -f "$deb" Depends)"
# format-pdf's default fonts (font, fallback_fonts): each one's package is
# recommended, so that an installed ferry draws the scripts they cover.
recommends=$(dpkg-deb -f "$deb" Recommends | tr ',' '\n' | sed 's/^ *//; s/[ (].*//')
for font in $(grep -o '/usr/share/fonts/[^",\\]*' "$FERRY_SOURCE_DIR/plugins/format-pdf/format_pdf.c" | sort -u); do
    pkg=$(dpkg -S "$font" 2>/dev/null | head -1 | cut -d: -f1)
    if [ -z "$pkg" ]; then
        fail "no installed package holds the default font $font (scripts/deps.sh)"
    elif grep -qx "$pkg" <<<"$recommends"; then
        ok "Recommends $pkg ($font)"
    else
        fail "Recommends lacks $pkg, which holds the default font $font: $(dpkg-deb -f "$deb" Recommends)"
    fi
done

if [ "$fails" != 0 ]; then exit 1; fi
if [ "${CI:-}" != true ] || [ "$(id -u)" != 0 ]; then
    echo "SKIP: installing the packages needs CI=true and root (it changes the system)"
    exit 77
fi
. "$FERRY_SOURCE_DIR/tests/package/install_check.sh"
