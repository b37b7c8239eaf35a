# tests/faults/lib.sh — sourced by the fault-injection tests: assertions, a
# temp dir, a CSV input of a chosen size and a pipeline over it (source-csv,
# so the faults need no database), the files a user could see in a folder.
set -euo pipefail
FAULTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
expect_eq() {
    [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
    echo "ok: $1 = $3"
}
expect_match() {
    grep -Eq -- "$3" <<<"$2" || fail "$1: '$2' does not match /$3/"
    echo "ok: $1 ~ /$3/"
}

# faults_setup NAME: $TMP, removed on exit (after FAULTS_CLEANUP, if set).
faults_setup() {
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/ferry-faults-$1.XXXXXX")
    trap 'eval "${FAULTS_CLEANUP:-:}"; rm -rf "$TMP"' EXIT
    export FERRY_CONFIG=$TMP/ferry.conf
    cat >"$FERRY_CONFIG" <<CONF
store: { path = "$TMP/store"; };
plugins: { path = ["$FERRY_PLUGIN_DIR"]; };
CONF
    mkdir -p "$TMP/store"
}

# make_csv FILE ROWS: ROWS rows of id, name, amount, note (hard to compress).
make_csv() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    f.write("id,name,amount,note\n")
    for i in range(int(sys.argv[2])):
        f.write("%d,name %d,%d.%02d,%016x%016x\n" % (i, i, random.randrange(10**6),
                random.randrange(100), random.getrandbits(64), random.getrandbits(64)))
PY
}

# format_pipeline FILE FORMAT INPUT OUTDIR: a pipeline writing INPUT as
# FORMAT (csv, json, xlsx, pdf, gzip = csv then encode-gzip) into OUTDIR.
format_pipeline() {
    local plugin=format-$2 enc=""
    [ "$2" = gzip ] && { plugin=format-csv; enc='encoders = ( { plugin = "encode-gzip"; level = 1; } );'; }
    cat >"$1" <<CFG
name = "fault-$2";
source = { plugin = "source-csv"; path = "$3"; };
format = { plugin = "$plugin"; };
$enc
output = { directory = "$4"; name = "out-$2"; };
CFG
}

# visible_files DIR: the names a user could find in DIR (not hidden).
visible_files() {
    find "$1" -mindepth 1 -maxdepth 1 ! -name '.*' -printf '%f\n' | sort | tr '\n' ' ' | sed 's/ $//'
}
# staging_files DIR: ferry's staging leftovers in DIR.
staging_files() {
    find "$1" -mindepth 1 -maxdepth 1 -name '.ferry-*' -printf '%f\n' | sort | tr '\n' ' ' | sed 's/ $//'
}
