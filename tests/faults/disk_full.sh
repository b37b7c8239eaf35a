#!/bin/bash
# disk_full.sh — `ferry run` into a full disk (a 1 MiB tmpfs this test
# mounts; needs root, skipped otherwise) for each format: csv, json, xlsx,
# pdf and gzip. Each run must fail with exit 1 and one line naming the
# cause ("No space left on device"), publish nothing, leave no staging file
# and give the space back (df before = df after).
# Prints "faults disk_full: N faults injected, N clean failures".
. "$(dirname "$0")/lib.sh"
faults_setup diskfull
[ "$(id -u)" = 0 ] || { echo "skipped: mounting a tmpfs needs root"; exit 77; }
mnt=$TMP/mnt
mkdir -p "$mnt"
if ! mount -t tmpfs -o size=1m,mode=0755 ferry-fault-tmpfs "$mnt" 2>"$TMP/mount.err"; then
    echo "skipped: cannot mount a tmpfs: $(cat "$TMP/mount.err")"
    exit 77
fi
FAULTS_CLEANUP="umount '$mnt' 2>/dev/null || umount -l '$mnt'"
make_csv "$TMP/in.csv" 40000 # ~2.4 MB of CSV: more than the disk in every format
used() { df -k --output=used "$mnt" | tail -1 | tr -d ' '; }
n=0
for fmt in csv json xlsx pdf gzip; do
    format_pipeline "$TMP/$fmt.cfg" "$fmt" "$TMP/in.csv" "$mnt"
    before=$(used)
    set +e
    "$FERRY" run "$TMP/$fmt.cfg" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    set -e
    n=$((n + 1))
    expect_eq "$fmt: exit code" "$rc" 1
    # ferry's own line (libxlsxwriter prints "[ERROR] …" lines of its own first)
    expect_eq "$fmt: ferry's error lines" "$(grep -vc '^\[ERROR\]' "$TMP/err")" 1
    expect_match "$fmt: message" "$(grep -v '^\[ERROR\]' "$TMP/err")" "^ferry: .*No space left on device"
    expect_eq "$fmt: published files" "$(visible_files "$mnt")" ""
    expect_eq "$fmt: staging leftovers" "$(staging_files "$mnt")" ""
    expect_eq "$fmt: disk space given back (KiB used)" "$(used)" "$before"
done
# A small export still fits afterwards: the failure left the disk usable.
make_csv "$TMP/small.csv" 10
format_pipeline "$TMP/small.cfg" csv "$TMP/small.csv" "$mnt"
"$FERRY" run "$TMP/small.cfg" >/dev/null 2>"$TMP/err" || fail "a small run after the faults: $(cat "$TMP/err")"
expect_eq "small run: published" "$(visible_files "$mnt")" "out-csv.csv"
echo "faults disk_full: $n faults injected, $n clean failures"
