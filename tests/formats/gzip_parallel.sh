#!/usr/bin/env bash
# gzip_parallel.sh — encode-gzip's parallel deflate (threads > 1: 128 KiB
# blocks on worker threads, joined into one gzip member) writes a valid
# gzip file (gzip -t, Python's gzip) holding exactly the bytes the serial
# stream holds (6,000 demo rows: several blocks and a partial last one).
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
testdb_create gzpar
testdb_migrate
testdb_demo 6000
out=$(mktemp -d)
trap 'rm -rf "$out"; [ -n "${FERRY_KEEP_TEST_DB:-}" ] || testdb_drop' EXIT
cd "$FERRY_SOURCE_DIR"
fail=0
for t in 1 3; do
    sed "s/plugin = \"encode-gzip\"; level = 6;/plugin = \"encode-gzip\"; level = 6; threads = $t;/" \
        conf/pipelines/timesheet-csv-gz.cfg >"$out/gz$t.cfg"
    grep -q "threads = $t" "$out/gz$t.cfg" || { echo "FAIL: cannot set threads"; exit 1; }
done
for t in 1 3; do
    mkdir -p "$out/$t"
    "$FERRY" -q run --output-dir "$out/$t" "$out/gz$t.cfg" >/dev/null 2>"$out/err" ||
        { cat "$out/err"; echo "FAIL: threads=$t"; exit 1; }
done
f1=$(ls "$out"/1/*.gz) f3=$(ls "$out"/3/*.gz)
gzip -t "$f3" || { echo "FAIL: gzip -t"; fail=1; }
/usr/bin/python3 - "$f1" "$f3" <<'PY' || { echo "FAIL: python gzip"; fail=1; }
import gzip, sys
a, b = (gzip.open(p).read() for p in sys.argv[1:3])
assert a == b, "parallel and serial differ: %d vs %d bytes" % (len(a), len(b))
assert len(a) > 3 * 128 * 1024, "only %d bytes: not several blocks" % len(a)
print("ok: %d bytes, the same in both" % len(a))
PY
exit $fail
