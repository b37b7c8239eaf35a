#!/bin/bash
# fault_paths.sh — bad places given to ferry fail with one clean line:
# `ferry run --output-dir` naming a regular file (/etc/passwd) names the
# directory and the reason in plain text (staging's error path once printed
# freed memory).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
core_setup faultpaths 20

cfg=$TMP/p.cfg
cat >"$cfg" <<CFG
name = "p";
source = { plugin = "source-mysql"; query = "SELECT e.id, e.user_id, e.date FROM tracking_timeentry e"; };
fields = { exportable = ["date"]; owner_column = "user_id"; };
format = { plugin = "format-csv"; };
output = { directory = "out"; name = "p"; };
CFG
set +e
"$FERRY" run "$cfg" --output-dir /etc/passwd >"$TMP/stdout" 2>"$TMP/stderr"
rc=$?
set -e
expect_eq "--output-dir /etc/passwd: exit code" "$rc" 1
expect_eq "--output-dir /etc/passwd: stderr lines" "$(wc -l <"$TMP/stderr")" 1
expect_match "--output-dir /etc/passwd: message" "$(cat "$TMP/stderr")" \
    "^ferry: cannot create a staging file in /etc/passwd: Not a directory$"
LC_ALL=C grep -q '[^ -~]' "$TMP/stderr" && fail "--output-dir /etc/passwd: non-ASCII bytes in the message"
echo "fault_paths: all ok"
