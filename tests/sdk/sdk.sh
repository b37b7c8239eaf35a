#!/bin/bash
# tests/sdk/sdk.sh — the plugin SDK from an author's seat: installs ferry
# into a temporary prefix, copies each example plugin out of the tree, and
# builds it twice using only installed files — with pkg-config (its
# Makefile) and with CMake find_package(ferry) — then `ferry plugins check`s
# each build with the installed ferry, installs it into the prefix's plugin
# directory and runs it in a pipeline (source-csv -> filter-upper ->
# format-csv, sink-log), checking the CSV with Python and the log line.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
cmake --install "$FERRY_BUILD_DIR" --prefix "$prefix" >"$tmp/install.log"
ferry="$prefix/bin/ferry"
pc=$(dirname "$(find "$prefix" -name ferry-plugin.pc | head -1)")
[ -f "$pc/ferry-plugin.pc" ] || { echo "no ferry-plugin.pc installed"; exit 1; }
[ -f "$(find "$prefix" -name ferryConfig.cmake | head -1)" ] || { echo "no ferryConfig.cmake"; exit 1; }
# Only the SDK headers are installed: nothing else of the core.
headers=$(cd "$prefix/include" && find . -type f | sort | tr '\n' ' ')
[ "$headers" = "./ferry/ferry.h ./ferry/plugin.h ./ferry/types.h " ] || {
    echo "installed headers: $headers"; exit 1; }
plugindir=$(PKG_CONFIG_PATH="$pc" pkg-config --variable=plugindir ferry-plugin)
[ "$(realpath "$plugindir")" = "$(realpath "$prefix")/lib/ferry/plugins" ] || {
    echo "plugindir $plugindir is not under $prefix"; exit 1; }
[ -f "$plugindir/source-csv.so" ] || { echo "bundled plugins not installed in $plugindir"; exit 1; }
"$ferry" --version | grep "plugin ABI $(PKG_CONFIG_PATH="$pc" pkg-config --variable=abi_major ferry-plugin)\." >/dev/null || {
    echo "ferry --version: $("$ferry" --version)"; exit 1; }

# A site config of the installed ferry's own: its plugin directory only.
mkdir -p "$tmp/site"
cat >"$tmp/site/ferry.conf" <<CONF
plugins = { path = ["$plugindir"]; };
CONF
export FERRY_CONFIG="$tmp/site/ferry.conf"
unset FERRY_PLUGIN_PATH

for ex in filter-upper sink-log; do
    src="$FERRY_SOURCE_DIR/examples/plugins/$ex"
    for how in pkgconfig cmake; do
        dir="$tmp/build/$ex-$how"
        mkdir -p "$dir"
        cp "$src"/*.c "$src/Makefile" "$src/CMakeLists.txt" "$dir/"
        if [ $how = pkgconfig ]; then
            # the compiler sees the prefix's headers, never the source tree's
            (cd "$dir" && PKG_CONFIG_PATH="$pc" make >build.log 2>&1) || { cat "$dir/build.log"; exit 1; }
            grep -q -- "-I$pc/../../include" "$dir/build.log" || { cat "$dir/build.log"; exit 1; }
            so="$dir/$ex.so"
        else
            (cd "$dir" && cmake -S . -B build -DCMAKE_PREFIX_PATH="$prefix" \
                -DCMAKE_INSTALL_PREFIX="$prefix" >build.log 2>&1 &&
                cmake --build build >>build.log 2>&1) || { cat "$dir/build.log"; exit 1; }
            so="$dir/build/$ex.so"
        fi
        grep -rq "$FERRY_SOURCE_DIR/core" "$dir" --include=*.make --include=build.log \
            && { echo "$ex ($how) used the source tree"; exit 1; }
        chmod -R go-w "$tmp"
        "$ferry" plugins check "$so" >"$dir/check.log" 2>&1 || { cat "$dir/check.log"; exit 1; }
        grep -q "result: passed" "$dir/check.log"
        echo "$ex ($how): built from installed files, plugins check passed"
    done
    # install the CMake build into the prefix's plugin directory
    cmake --install "$tmp/build/$ex-cmake/build" >/dev/null
    [ -f "$plugindir/$ex.so" ] || { echo "$ex not installed into $plugindir"; exit 1; }
done
"$ferry" plugins list | grep '^filter-upper  *filter  *1.0.0' >/dev/null || { "$ferry" plugins list; exit 1; }
"$ferry" plugins info sink-log | grep 'path  (string, required)' >/dev/null || { "$ferry" plugins info sink-log; exit 1; }

# The examples at work in a pipeline run by the installed ferry.
cat >"$tmp/in.csv" <<'CSV'
project,description,hours
acme corp,"Zoë's ""review"", part 1",1.5
ferry,"two
lines",2
CSV
cat >"$tmp/upper.cfg" <<CFG
name = "upper";
source = { plugin = "source-csv"; path = "$tmp/in.csv";
           columns = ["project", "description", "hours:double"]; };
filters = ( { plugin = "filter-upper"; columns = ["project", "description"]; } );
format = { plugin = "format-csv"; };
output = { directory = "$tmp/out"; name = "upper"; };
sinks = ( { plugin = "sink-log"; path = "$tmp/deliveries.log"; } );
CFG
mkdir -p "$tmp/out"
out=$("$ferry" run "$tmp/upper.cfg" 2>"$tmp/run.err") || { cat "$tmp/run.err"; exit 1; }
[ "$out" = "$tmp/out/upper.csv" ] || { echo "ferry run printed: $out"; exit 1; }
/usr/bin/python3 - "$tmp/out/upper.csv" "$tmp/deliveries.log" <<'PY'
import csv, hashlib, os, sys
path, log = sys.argv[1], sys.argv[2]
with open(path, newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
want = [["project", "description", "hours"],
        ["ACME CORP", "ZOë'S \"REVIEW\", PART 1", "1.5"],
        ["FERRY", "TWO\nLINES", "2"]]
assert rows == want, rows
with open(log, encoding="utf-8") as f:
    lines = f.read().splitlines()
assert len(lines) == 1, lines
t, name, size, nrows, sha, ctype, apath, req = lines[0].split("\t")
data = open(path, "rb").read()
assert name == "upper.csv" and int(size) == len(data) and nrows == "2", lines
assert sha == hashlib.sha256(data).hexdigest(), (sha, hashlib.sha256(data).hexdigest())
assert ctype.startswith("text/csv") and os.path.samefile(apath, path) and req == "-", lines
print("pipeline with filter-upper and sink-log: CSV and log line as expected")
PY
