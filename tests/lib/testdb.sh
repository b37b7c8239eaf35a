# tests/lib/testdb.sh — sourced by script tests: a fresh database on the
# private MariaDB that scripts/test.sh started ($FERRY_TEST_DB_DIR).
#
#   . "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
#   testdb_create myarea          # creates ferry_t_myarea_<pid>, exports FERRY_DATABASE_URL
#   testdb_migrate                # runs `ferry db migrate` on it
#   testdb_sql "SELECT …"         # runs SQL in it (mariadb client, batch mode)
#   testdb_demo 1000              # loads the demo time-tracking data set
# The database is dropped on exit unless FERRY_KEEP_TEST_DB is set.

: "${FERRY_TEST_DB_DIR:?scripts/test.sh starts the test database; run tests through it}"
TESTDB_SOCK="$FERRY_TEST_DB_DIR/mysqld.sock"

testdb_create() {
    TESTDB_NAME="ferry_t_${1}_$$"
    mariadb --socket="$TESTDB_SOCK" -uroot -e "DROP DATABASE IF EXISTS \`$TESTDB_NAME\`; CREATE DATABASE \`$TESTDB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    export FERRY_DATABASE_URL="mysql://ferry:ferry@localhost/$TESTDB_NAME?socket=$TESTDB_SOCK"
    if [ -z "${FERRY_KEEP_TEST_DB:-}" ]; then
        trap 'testdb_drop' EXIT
    fi
}

testdb_drop() {
    mariadb --socket="$TESTDB_SOCK" -uroot -e "DROP DATABASE IF EXISTS \`$TESTDB_NAME\`" 2>/dev/null || true
}

testdb_migrate() {
    "$FERRY" db migrate >/dev/null
}

testdb_sql() {
    mariadb --socket="$TESTDB_SOCK" -uroot -N -B --default-character-set=utf8mb4 "$TESTDB_NAME" -e "$1"
}

testdb_demo() {
    /usr/bin/python3 "$FERRY_SOURCE_DIR/scripts/demo_data.py" --socket "$TESTDB_SOCK" \
        --database "$TESTDB_NAME" --rows "${1:-1000}" >/dev/null
}
