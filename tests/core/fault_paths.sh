#!/bin/bash
# fault_paths.sh — bad places given to ferry fail with one clean line:
# `ferry run --output-dir` naming a regular file (/etc/passwd) names the
# directory and the reason in plain text (staging's error path once printed
# freed memory); FERRY_DATABASE_URL with an unknown scheme is refused
# naming the scheme only, never echoing the password.
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

set +e
FERRY_DATABASE_URL="postgres://ferry:hunter2-pw@127.0.0.1:1/nodb" "$FERRY" request run \
    0123456789abcdef0123456789abcdef >"$TMP/stdout" 2>"$TMP/stderr"
rc=$?
set -e
expect_eq "unknown URL scheme: exit code" "$rc" 3
expect_match "unknown URL scheme: message" "$(cat "$TMP/stderr")" \
    'database URL must start with mysql:// or mariadb:// \(got scheme "postgres"\)'
grep -q hunter2 "$TMP/stderr" && fail "unknown URL scheme: the password is echoed: $(cat "$TMP/stderr")"
assert_done
