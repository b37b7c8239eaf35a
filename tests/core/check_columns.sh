#!/bin/bash
# check_columns.sh — `ferry run --check` checks the pipeline's fields
# (exportable, filterable, owner_column, date_column) against the columns
# the source's query really gives (source-mysql's describe, LIMIT 0), naming
# file:line of the offending setting with exit 3; a wrong query is exit 3 at
# the query's line; an unreachable database leaves the columns unchecked
# (exit 0, said so). A run of such a pipeline fails with the same exit 3,
# not the database's 5, and publishes nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
core_setup checkcols 20
OUT=$TMP/o

# pipeline FILE FIELDS_LINE [QUERY]: line 6 is the fields group.
pipeline() {
    cat >"$1" <<CFG
name = "cols";
source = {
  plugin = "source-mysql";
  query = "${3:-SELECT e.id, e.user_id, e.date, p.name AS project FROM tracking_timeentry e JOIN tracking_project p ON p.id = e.project_id}";
};
fields = { $2 };
format = { plugin = "format-csv"; };
output = { directory = "out"; name = "cols"; };
CFG
}

# expect_fail WHAT EXIT REGEX COMMAND...: exit EXIT, one stderr line ~ REGEX.
expect_fail() {
    local what=$1 want=$2 re=$3
    shift 3
    set +e
    "$@" >"$TMP/stdout" 2>"$TMP/stderr"
    local rc=$?
    set -e
    expect_eq "$what: exit code" "$rc" "$want"
    expect_eq "$what: stderr lines" "$(wc -l <"$TMP/stderr")" 1
    expect_match "$what: message" "$(cat "$TMP/stderr")" "^ferry: $re"
    expect_eq "$what: files in the output dir" "$([ -d "$OUT" ] && all_files "$OUT")" ""
}

good=$TMP/good.cfg
pipeline "$good" 'exportable = ["date", "project"]; filterable = ["date"]; owner_column = "user_id"; date_column = "date";'
out=$("$FERRY" run --check "$good")
expect_match "good fields" "$out" "^$good: ok .*; columns checked against the source\)$"

for case in \
    'exportable|exportable = ["date", "projekt"];|"projekt"' \
    'owner_column|exportable = ["date"]; owner_column = "owner_id";|"owner_id"' \
    'date_column|exportable = ["date"]; date_column = "day";|"day"'; do
    IFS='|' read -r key fields name <<<"$case"
    cfg=$TMP/bad_$key.cfg
    pipeline "$cfg" "$fields"
    expect_fail "--check, unknown $key" 3 \
        "$cfg:6: fields.$key: $name is not a column of the source's query \(it gives: id, user_id, date, project\)$" \
        "$FERRY" run --check "$cfg"
done
# A run selects the exportable fields: the database refuses the query, and
# the source's columns show whose mistake that is.
expect_fail "run, unknown exportable field" 3 \
    "$TMP/bad_exportable.cfg:6: fields.exportable: \"projekt\" is not a column" \
    "$FERRY" run "$TMP/bad_exportable.cfg" --output-dir "$OUT"

cfg=$TMP/badquery.cfg
pipeline "$cfg" 'exportable = ["date"];' "SELECT nonesuch FROM tracking_timeentry"
expect_fail "--check, query naming an unknown column" 3 \
    "$cfg:4: source-mysql: option query: Unknown column 'nonesuch'" "$FERRY" run --check "$cfg"

set +e
out=$(FERRY_DATABASE_URL="mysql://ferry:ferry@localhost/nope?socket=$TMP/no.sock" \
    "$FERRY" run --check "$cfg" 2>"$TMP/stderr")
rc=$?
set -e
expect_eq "--check, database unreachable: exit code" "$rc" 0
expect_match "--check, database unreachable: said so" "$out" "columns not checked: source not reachable\)$"
expect_match "--check, database unreachable: why" "$(cat "$TMP/stderr")" "^ferry: columns not checked: source-mysql: "
echo "all passed"
