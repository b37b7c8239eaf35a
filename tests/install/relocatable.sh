#!/bin/bash
# tests/install/relocatable.sh — configures and builds a copy of the tree
# for one prefix, installs it to another, deletes the copy, and from the
# install alone: lists the bundled plugins, migrates a fresh database, runs
# the demo export (into --output-dir, and by default into the store), builds the example filter-upper against the installed
# SDK with pkg-config, installs it with its own `make install` and uses it.
set -eu
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; testdb_drop' EXIT
copy="$tmp/copy" inst="$tmp/installed"
mkdir -p "$copy"
(cd "$FERRY_SOURCE_DIR" && git ls-files -z --cached --others --exclude-standard |
    grep -zv '^build' | xargs -0 tar -cf - 2>/dev/null) | tar -xf - -C "$copy"
cmake -S "$copy" -B "$copy/build" -DFERRY_TESTS=OFF -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$tmp/configured-prefix" >"$tmp/build.log" 2>&1 &&
    cmake --build "$copy/build" -j2 >>"$tmp/build.log" 2>&1 || { tail -30 "$tmp/build.log"; exit 1; }
cmake --install "$copy/build" --prefix "$inst" >"$tmp/install.log"
rm -rf "$copy"
unset FERRY_CONFIG FERRY_PLUGIN_PATH
ferry="$inst/bin/ferry"
. "$FERRY_SOURCE_DIR/tests/lib/assert.sh"

# The bundled plugins, from the install's own directory, its own ferry.conf.
"$ferry" plugins list >"$tmp/list" 2>&1 || { cat "$tmp/list"; fail "plugins list"; }
for p in source-mysql format-csv format-xlsx sink-file; do
    grep -q "^$p " "$tmp/list" || { cat "$tmp/list"; fail "$p not listed"; }
done
# No plugins anywhere: say so, exit non-zero.
mkdir -p "$tmp/empty"
mv "$inst/lib/ferry/plugins" "$tmp/plugins.saved"
if "$ferry" plugins list >"$tmp/none" 2>&1; then cat "$tmp/none"; fail "plugins list with none: exit 0"; fi
grep -q "no plugins found in $inst/lib/ferry/plugins" "$tmp/none" || { cat "$tmp/none"; fail "message"; }
mv "$tmp/plugins.saved" "$inst/lib/ferry/plugins"

# Migrations from the install, a fresh database.
testdb_create install
"$ferry" db migrate >"$tmp/migrate" 2>&1 || { cat "$tmp/migrate"; fail "db migrate"; }
n=$(ls "$inst/share/ferry/migrations" | wc -l)
[ "$n" -gt 0 ] && [ "$(testdb_sql "SELECT COUNT(*) FROM ferry_migrations")" = "$n" ] ||
    fail "migrations applied: $(testdb_sql "SELECT COUNT(*) FROM ferry_migrations") of $n"

# The demo export, with the installed sample pipeline.
testdb_demo 300
mkdir -p "$tmp/out"
"$ferry" run "$inst/etc/ferry/pipelines/timesheet.cfg" --output-dir "$tmp/out" >"$tmp/run" 2>&1 ||
    { cat "$tmp/run"; fail "demo export"; }
rows=$(/usr/bin/python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline="")))))' "$tmp/out/timesheet.csv")
[ "$rows" -eq 301 ] || fail "timesheet.csv: $rows rows"
# Without --output-dir the installed pipeline publishes into the store,
# never beside the config (its checkout copy's "../../var/out" is etc/var/out).
out=$("$ferry" run "$inst/etc/ferry/pipelines/timesheet.cfg" 2>"$tmp/run3") ||
    { cat "$tmp/run3"; fail "demo export without --output-dir"; }
case "$out" in
"$inst/var/lib/ferry/store/timesheet.csv") ;;
*) fail "the installed pipeline published to '$out', not into the store" ;;
esac
[ ! -e "$inst/etc/var" ] || fail "ferry run made $inst/etc/var"

# An out-of-tree plugin against the installed SDK, installed by its own make.
pcdir="$inst/lib/pkgconfig"
plugindir=$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=plugindir ferry-plugin)
[ "$(realpath "$plugindir")" = "$(realpath "$inst/lib/ferry/plugins")" ] || fail "plugindir $plugindir"
grep -q "FERRY_PLUGIN_DIR \"\${_ferry_prefix}/lib/ferry/plugins\"" "$inst/lib/cmake/ferry/ferryConfig.cmake" ||
    fail "ferryConfig.cmake names another plugin directory"
cp -r "$FERRY_SOURCE_DIR/examples/plugins/filter-upper" "$tmp/upper"
(cd "$tmp/upper" && PKG_CONFIG_PATH="$pcdir" make >"$tmp/upper.log" 2>&1 &&
    PKG_CONFIG_PATH="$pcdir" make install >>"$tmp/upper.log" 2>&1) || { cat "$tmp/upper.log"; fail "make"; }
chmod go-w "$plugindir/filter-upper.so"
"$ferry" plugins list | grep '^filter-upper  *filter' >/dev/null || fail "filter-upper not listed"
sed -e 's/^format = {/filters = ( { plugin = "filter-upper"; columns = ["project"]; } );\nformat = {/' \
    "$inst/etc/ferry/pipelines/timesheet.cfg" >"$tmp/upper.cfg"
grep -q filter-upper "$tmp/upper.cfg" || fail "pipeline edit"
mkdir -p "$tmp/out2"
"$ferry" run "$tmp/upper.cfg" --output-dir "$tmp/out2" >"$tmp/run2" 2>&1 || { cat "$tmp/run2"; fail "run with filter-upper"; }
/usr/bin/python3 - "$tmp/out2/timesheet.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
assert len(rows) == 300, len(rows)
bad = [r for r in rows if any("a" <= c <= "z" for c in r["Project"])]
assert not bad, bad[:1]
assert any(r["Project"] != r["Project"].lower() for r in rows), rows[0]
PY
pass "installed ferry: plugins, migrations, demo export and an out-of-tree plugin work without the tree"
assert_done
