#!/bin/bash
# bad_inputs.sh — proves that each bad input gives one clear line on stderr,
# the documented exit code (2 usage, 3 config, 4 plugin, 5 database, 6 not
# found) and publishes nothing: a syntax error (file:line), an unknown
# plugin, an option of the wrong type or not in the table (file:line), a bad
# --set (named), a plugin built for ABI 99, a group-writable plugin
# directory or file, a plugin file named other than its descriptor, a filter on a column the pipeline does not allow, an
# SQL injection in a filter value (bound: exit 0, 0 rows), an unreachable
# database, a request ID that does not exist. Also `ferry run --check` (0 on
# a good config, 3 on a bad one) and `--preview 5` (an aligned table of 5
# rows, nothing written).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
core_setup bad 300
OUT=$TMP/o # ferry run's --output-dir: must stay empty (or absent) on every failure

# pipeline FILE [FORMAT_PLUGIN] [FORMAT_OPTION_LINE]: a small pipeline config.
# The format group's option line is line 10.
pipeline() {
    cat >"$1" <<CFG
name = "bad";
source = {
  plugin = "source-mysql";
  query = "SELECT e.id, e.user_id, e.date, p.name AS project FROM tracking_timeentry e JOIN tracking_project p ON p.id = e.project_id";
  order_by = ["date", "id"];
};
fields = { exportable = ["date", "project"]; filterable = ["date"]; owner_column = "user_id"; date_column = "date"; };
format = {
  plugin = "${2:-format-csv}";
  ${3:-bom = false;}
};
output = { directory = "out"; name = "bad"; };
CFG
}
GOOD=$TMP/good.cfg
pipeline "$GOOD"

# bad WHAT EXIT REGEX COMMAND...: the command fails with EXIT and one
# stderr line "ferry: …" matching REGEX; nothing appears in $OUT or the store.
bad() {
    local what=$1 want=$2 re=$3
    shift 3
    set +e
    "$@" >"$TMP/stdout" 2>"$TMP/stderr"
    local rc=$?
    set -e
    local err
    err=$(cat "$TMP/stderr")
    expect_eq "$what: exit code" "$rc" "$want"
    expect_eq "$what: stderr lines" "$(wc -l <"$TMP/stderr")" 1
    expect_match "$what: message" "$err" "^ferry: $re"
    expect_eq "$what: stdout" "$(cat "$TMP/stdout")" ""
    expect_eq "$what: files in the output dir" "$( [ -d "$OUT" ] && all_files "$OUT")" ""
    expect_eq "$what: files in the store" "$(all_files "$STORE")" ""
}

echo "--- pipeline configs"
cfg=$TMP/syntax.cfg
pipeline "$cfg" format-csv 'bom = ;'
bad "syntax error" 3 "$cfg:10: .*syntax error" "$FERRY" run "$cfg" --output-dir "$OUT"
cfg=$TMP/unknown.cfg
pipeline "$cfg" format-nope
bad "unknown plugin" 4 "$cfg:9: unknown plugin \"format-nope\"" "$FERRY" run "$cfg" --output-dir "$OUT"
cfg=$TMP/type.cfg
pipeline "$cfg" format-csv 'bom = 3.5;'
bad "option of the wrong type" 3 "$cfg:10: plugin format-csv: .*bom" "$FERRY" run "$cfg" --output-dir "$OUT"
cfg=$TMP/type2.cfg
pipeline "$cfg" format-csv 'header = "maybe";'
bad "option of the wrong type (text)" 3 "$cfg:10: plugin format-csv: .*header" "$FERRY" run "$cfg" --output-dir "$OUT"
cfg=$TMP/notin.cfg
pipeline "$cfg" format-csv 'colour = "red";'
bad "option not in the table" 3 \
    "$cfg:10: plugin format-csv has no option \"colour\" \(options: delimiter, line_ending, bom, header, quote, formula_guard, invalid_utf8\)$" \
    "$FERRY" run "$cfg" --output-dir "$OUT"
bad "--set with a bad value" 3 '--set format.bom=maybe: .*"maybe".*bool' \
    "$FERRY" run "$GOOD" --set format.bom=maybe --output-dir "$OUT"
bad "--set of an unknown option" 3 '--set format.colour=red: plugin format-csv has no option "colour"' \
    "$FERRY" run "$GOOD" --set format.colour=red --output-dir "$OUT"
bad "--set without =" 2 '--set format.bom: expected KEY=VALUE' \
    "$FERRY" run "$GOOD" --set format.bom --output-dir "$OUT"

echo "--- integers beyond 32 bits: read exactly or refused with file:line"
# libconfig 1.5 reads 4294967297 as 1: a row cap of 1 would fail the run
# with exit 8 (before ferry checked the literal) instead of a config error.
cfg=$TMP/wide.cfg
pipeline "$cfg" format-pdf 'row_cap = 4294967297;'
bad "integer beyond 32 bits without L" 3 \
    "$cfg:10: integer 4294967297 does not fit 32 bits; write it with the L suffix \(4294967297L\)" \
    "$FERRY" run "$cfg" --output-dir "$OUT"
pipeline "$cfg" format-pdf 'row_cap = 4294967297L; # 99999999999 in a comment'
expect_eq "row_cap = 4294967297L runs" "$("$FERRY" run "$cfg" --output-dir "$TMP/wide" >/dev/null 2>&1; echo $?)" 0
pipeline "$cfg" format-pdf 'row_cap = 10;'
expect_eq "--set row_cap=4294967291 is read whole (not a cap of 4294967291 mod 2^32 = 4294967291-2^32 < 1)" \
    "$("$FERRY" run "$cfg" --set format.row_cap=4294967291 --output-dir "$TMP/wide2" >/dev/null 2>&1; echo $?)" 0
expect_eq "--set row_cap=4294967297 is not truncated to a cap of 1" \
    "$("$FERRY" run "$cfg" --set format.row_cap=4294967297 --output-dir "$TMP/wide3" >/dev/null 2>&1; echo $?)" 0

echo "--- plugins"
cfg=$TMP/abi.cfg
pipeline "$cfg" format-abi99
[ -f "$CORE_ABI99_DIR/format-abi99.so" ] || fail "the test plugin format-abi99.so was not built"
bad "plugin built for ABI 99" 4 "$cfg:9: plugin .*/format-abi99.so was built for plugin ABI 99\.0; this ferry has ABI 1\.[0-9]+" \
    env FERRY_PLUGIN_PATH="$CORE_ABI99_DIR" "$FERRY" run "$cfg" --output-dir "$OUT"
mkdir "$TMP/gw"
cp "$FERRY_PLUGIN_DIR/format-csv.so" "$TMP/gw/"
chmod 755 "$TMP/gw/format-csv.so"
chmod 775 "$TMP/gw"
bad "group-writable plugin directory" 4 "$GOOD:9: plugin directory $TMP/gw is writable by group or others \(mode 775\): refused" \
    env FERRY_PLUGIN_PATH="$TMP/gw" "$FERRY" run "$GOOD" --output-dir "$OUT"
chmod 755 "$TMP/gw"
chmod 664 "$TMP/gw/format-csv.so"
bad "group-writable plugin file" 4 "$GOOD:9: plugin $TMP/gw/format-csv.so is writable by group or others \(mode 664\): refused" \
    env FERRY_PLUGIN_PATH="$TMP/gw" "$FERRY" run "$GOOD" --output-dir "$OUT"
# The same copy, safe: it loads (the refusals were about the permissions).
chmod 644 "$TMP/gw/format-csv.so"
FERRY_PLUGIN_PATH="$TMP/gw" "$FERRY" run --check "$GOOD" >/dev/null
# A plugin file named other than its descriptor (format-csv.so saved as
# format-tsv.so) would serve a name it does not have: refused by name, and
# `plugins list` says why instead of listing format-csv twice.
mkdir "$TMP/misnamed"
cp "$FERRY_PLUGIN_DIR/format-csv.so" "$TMP/misnamed/format-tsv.so"
chmod 644 "$TMP/misnamed/format-tsv.so"
pipeline "$TMP/misnamed.cfg" format-tsv
bad "plugin file named other than its descriptor" 4 "$TMP/misnamed.cfg:9: plugin $TMP/misnamed/format-tsv.so calls itself \"format-csv\" in its descriptor: a plugin's file is named after it \(format-csv.so\)" \
    env FERRY_PLUGIN_PATH="$TMP/misnamed" "$FERRY" run "$TMP/misnamed.cfg" --output-dir "$OUT"
expect_match "plugins list names the misnamed file" \
    "$(FERRY_PLUGIN_PATH="$TMP/misnamed" "$FERRY" plugins list | grep '^format-tsv ')" \
    'cannot load: its descriptor calls it "format-csv" \(rename the file format-csv.so\)'

echo "--- the database"
bad "unreachable database (run)" 5 "source-mysql: cannot connect to .*127\.0\.0\.1" \
    env FERRY_DATABASE_URL="mysql://ferry:ferry@127.0.0.1:1/nodb" "$FERRY" run "$GOOD" --output-dir "$OUT"
bad "unreachable database (request)" 5 "cannot connect to database nodb on 127\.0\.0\.1" \
    env FERRY_DATABASE_URL="mysql://ferry:ferry@127.0.0.1:1/nodb" "$FERRY" request run 0123456789abcdef0123456789abcdef

echo "--- requests"
bad "request that does not exist" 6 "no export request with id 0123456789abcdef0123456789abcdef$" \
    "$FERRY" request run 0123456789abcdef0123456789abcdef
bad "request id that is an injection" 2 "\"x' OR 1=1 --\" is not a request ID" \
    "$FERRY" request run "x' OR 1=1 --"
zoe=$(uid zoe)
req=$(new_request "$zoe" '{"description": {"contains": "a"}}')
bad "filter on a column the pipeline does not allow" 3 \
    "request filters: filtering on \"description\" is not allowed \(filterable: date, project, task, duration, billable\)$" \
    "$FERRY" request run "$req"
expect_eq "its status" "$(req_col "$req" status)" failed
req=$(new_request "$zoe" '{"project": "'"'"' OR '"'"'1'"'"'='"'"'1", "task": {"contains": "'"'"'); DELETE FROM tracking_timeentry; --"}}')
run_request "$req"
expect_eq "SQL injection in a filter value: exit code" "$RC" 0
expect_eq "its status" "$(req_col "$req" status)" completed
expect_eq "its row count" "$(req_col "$req" ferry_row_count)" 0
check_csv "$STORE/$(req_col "$req" file_path)" "$zoe" --where 0
expect_eq "time entries after it" "$(testdb_sql "SELECT COUNT(*) FROM tracking_timeentry")" 300
rm -f "$STORE"/*

echo "--- ferry run --check"
out=$("$FERRY" run --check "$GOOD")
expect_match "--check on a good config" "$out" "^$GOOD: ok \(source source-mysql, 0 filters, format format-csv, 0 encoders, 0 sinks; columns checked against the source\)$"
bad "--check on a bad config" 3 "$TMP/notin.cfg:10: plugin format-csv has no option \"colour\"" \
    "$FERRY" run --check "$TMP/notin.cfg"

echo "--- ferry run --preview 5"
"$FERRY" run "$FERRY_SOURCE_DIR/conf/pipelines/timesheet.cfg" --preview 5 --output-dir "$OUT" >"$TMP/preview"
expect_eq "--preview wrote" "$( [ -d "$OUT" ] && all_files "$OUT")" ""
"$CORE_PY" - "$TMP/preview" <<'PY' || fail "--preview is not an aligned table of the first 5 rows"
import os, sys, unicodedata, urllib.parse
import MySQLdb

def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)

lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
assert lines[-1] == "" and lines[-2] == "(5 rows)", lines[-3:]
table = lines[:-2]
assert len(table) == 7, f"{len(table)} table lines, want header, rule and 5 rows"
cells = [l.split(" | ") for l in table]
assert all(len(c) == 6 for c in cells), cells
assert [c.strip() for c in cells[0]] == ["Date", "Project", "Task", "Duration", "Description", "Billable"], cells[0]
assert all(set(c) == {"-"} for c in cells[1]), cells[1]
for col in range(6):
    widths = {width(r[col]) for r in cells}
    assert len(widths) == 1, f"column {col} is not aligned: widths {widths}"
u = urllib.parse.urlsplit(os.environ["FERRY_DATABASE_URL"])
db = MySQLdb.connect(unix_socket=urllib.parse.parse_qs(u.query)["socket"][0], user=u.username,
                     passwd=u.password, db=u.path.lstrip("/"), charset="utf8mb4")
cur = db.cursor()
cur.execute("SELECT e.date, e.billable FROM tracking_timeentry e ORDER BY e.date, e.id LIMIT 5")
want = [(d.strftime("%Y-%m-%d"), "true" if b else "false") for d, b in cur.fetchall()]
got = [(r[0].strip(), r[5].strip()) for r in cells[2:]]
assert got == want, f"rows {got}, want {want}"
print("ok: --preview 5 is an aligned table of the first 5 rows")
PY
assert_done
