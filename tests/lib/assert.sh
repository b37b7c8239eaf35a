# tests/lib/assert.sh — the one assert library of the shell tests: every
# check counts a pass or a failure, and assert_done prints the closing line
# "N passed, N failed" (exit 1 when anything failed).
#
#   . "$FERRY_SOURCE_DIR/tests/lib/assert.sh"
#   expect_eq "rows" "$got" 3            # fatal on a mismatch
#   check "status" "$got" done           # counted, the test goes on
#   assert_done                          # the closing line; exit 1 on failures
#
# Fatal checks (fail, expect_eq, expect_match, expect_exit) print the
# closing line themselves and exit 1. A test that wants more said on a
# failure (the end of a log) defines assert_on_fail; fail calls it first.
# Sourcing twice keeps the counts.

ASSERT_PASSED=${ASSERT_PASSED:-0}
ASSERT_FAILED=${ASSERT_FAILED:-0}

# pass WHAT: counts a passed check and prints "ok: WHAT".
pass() {
    ASSERT_PASSED=$((ASSERT_PASSED + 1))
    echo "ok: $*"
}

# fail_later WHAT: counts a failed check, prints "FAIL: WHAT" on stderr and
# goes on; assert_done exits 1.
fail_later() {
    ASSERT_FAILED=$((ASSERT_FAILED + 1))
    echo "FAIL: $*" >&2
}

# fail WHAT: counts a failed check, prints it (and whatever assert_on_fail
# adds), the closing line, and exits 1.
fail() {
    fail_later "$@"
    if declare -F assert_on_fail >/dev/null; then
        assert_on_fail >&2 || true
    fi
    assert_done
}

# check WHAT GOT WANT: equal strings pass; otherwise a counted failure
# naming both, and the test goes on.
check() {
    if [ "$2" = "$3" ]; then
        pass "$1 = $(printf '%q' "$3")"
    else
        fail_later "$1: got $(printf '%q' "$2"), want $(printf '%q' "$3")"
    fi
}

# check_that WHAT SHELL_CONDITION: the condition (eval'd) holding passes;
# otherwise a counted failure, and the test goes on.
check_that() {
    if eval "$2"; then
        pass "$1"
    else
        fail_later "$1"
    fi
}

# expect_eq WHAT GOT WANT: like check, but a mismatch is fatal.
expect_eq() {
    [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
    pass "$1 = $3"
}

# expect_match WHAT TEXT REGEX: TEXT matches the extended REGEX, or fatal.
# A here-string, not `printf | grep -q`: grep -q exits at the first match,
# a writer still writing gets SIGPIPE, and pipefail calls it a mismatch.
expect_match() {
    grep -Eq -- "$3" <<<"$2" || fail "$1: '$2' does not match /$3/"
    pass "$1 ~ /$3/"
}

# expect_exit WHAT PID WANT: waits for a background process of this shell
# and checks its exit status (fatal on a mismatch).
expect_exit() {
    local rc=0
    wait "$2" || rc=$?
    expect_eq "$1" "$rc" "$3"
}

# assert_done: prints "N passed, N failed"; exits 1 when any check failed.
assert_done() {
    echo "$ASSERT_PASSED passed, $ASSERT_FAILED failed"
    [ "$ASSERT_FAILED" = 0 ] || exit 1
}
