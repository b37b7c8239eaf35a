# tests/lib/errexit_report.sh — read by every shell test before its first
# line (BASH_ENV, set in tests/CMakeLists.txt). When `set -e` ends a test at
# a failing command the test did not check, one line on stderr names the
# script, the line, the command and its status, so that a CI log says why a
# test failed even when the test itself printed nothing. Only the test
# scripts (under tests/) get it, not other bash scripts they run; nothing is
# printed where the test turned errexit off (`set +e`).
case $0 in
*/tests/*)
    set -E
    # One line: LINENO inside a trap counts the trap's own lines.
    trap 'ferry_errexit_status=$?; [[ $- == *e* ]] && echo "FAIL: exit status $ferry_errexit_status at ${BASH_SOURCE[0]:-$0}:$LINENO: $BASH_COMMAND" >&2' ERR
    ;;
esac
