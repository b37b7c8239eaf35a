#!/usr/bin/env bash
# claim_test.sh — runs claim_test (claim.c against the real MariaDB) on a
# fresh migrated database with one user.
set -euo pipefail
. "$FERRY_SOURCE_DIR/tests/lib/testdb.sh"
. "$FERRY_SOURCE_DIR/tests/worker/lib.sh"
testdb_create claim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; testdb_drop' EXIT
export FERRY_CONFIG=$tmp/ferry.conf
worker_conf "$FERRY_CONFIG" "$tmp/store"
worker_migrate
CLAIM_TEST_USER=$(worker_user claimer)
export CLAIM_TEST_USER
"$1"
