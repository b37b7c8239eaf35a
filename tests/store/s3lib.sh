# tests/store/s3lib.sh — sourced by the object-store tests: installs s3rver
# (the S3-protocol test server, from npm) once into the build tree, starts it
# on a free loopback port with the bucket "ferry", and points the site's
# store at it. Skips (77) when s3rver cannot be installed.
. "$FERRY_SOURCE_DIR/tests/core/lib.sh"

S3RVER_DIR=${FERRY_BUILD_DIR:-/tmp}/s3rver-npm
S3RVER_BIN=$S3RVER_DIR/node_modules/s3rver/bin/s3rver.js

# s3_install: s3rver under the build tree, or exit 77 with the reason.
# Tests run in parallel: one installs while the others wait on a lock, and
# the installed tree is marked complete only after npm has finished.
s3_install() {
    command -v node >/dev/null || { echo "SKIP: no node (Debian's nodejs)"; exit 77; }
    command -v npm >/dev/null || { echo "SKIP: no npm"; exit 77; }
    mkdir -p "$S3RVER_DIR"
    exec 8>"$S3RVER_DIR.lock"
    flock 8
    if [ ! -f "$S3RVER_DIR/.complete" ]; then
        if ! npm install --prefix "$S3RVER_DIR" --no-audit --no-fund s3rver@3 \
            >"$S3RVER_DIR/npm.log" 2>&1 || [ ! -f "$S3RVER_BIN" ]; then
            flock -u 8
            echo "SKIP: cannot install s3rver from npm: $(tail -1 "$S3RVER_DIR/npm.log")"
            exit 77
        fi
        touch "$S3RVER_DIR/.complete"
    fi
    flock -u 8
}

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# s3_start: s3rver on $S3PORT with data in $TMP/s3data; $S3PID. Its access
# key (and secret) is S3RVER.
s3_start() {
    s3_install
    S3PORT=$(free_port)
    mkdir -p "$TMP/s3data"
    # The legacy provider: s3rver's ListObjectsV2 continuation tokens use
    # DES, which OpenSSL 3 keeps there.
    node --openssl-legacy-provider "$S3RVER_BIN" -d "$TMP/s3data" -a 127.0.0.1 -p "$S3PORT" --no-vhost-buckets \
        --configure-bucket ferry >"$TMP/s3rver.log" 2>&1 &
    S3PID=$!
    for _ in $(seq 1 200); do
        grep -q "listening" "$TMP/s3rver.log" && return 0
        kill -0 "$S3PID" 2>/dev/null || fail "s3rver did not start: $(cat "$TMP/s3rver.log")"
        sleep 0.1
    done
    fail "s3rver did not start"
}

# s3_use [KEY_ID]: the site's store becomes s3://ferry/exports on s3rver.
s3_use() {
    sed -i "s|^store: { path = |store: { url = \"s3://ferry/exports\"; endpoint = \"http://127.0.0.1:$S3PORT\"; region = \"us-east-1\"; path_style = true; access_key_id = \"${1:-S3RVER}\"; secret_access_key = \"S3RVER\"; path = |" "$CONF"
}

# s3_get KEY OUT: GETs s3://ferry/KEY with curl's own SigV4; prints the status.
s3_get() {
    curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -o "$2" -w '%{http_code}' \
        "http://127.0.0.1:$S3PORT/ferry/$1"
}

# sha FILE
sha() {
    sha256sum <"$1" | cut -d' ' -f1
}

# s3_put KEY FILE: PUTs FILE as s3://ferry/KEY with curl's own SigV4 (an
# object ferry did not make: an orphan); prints the status.
s3_put() {
    curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$2" -o /dev/null -w '%{http_code}' \
        "http://127.0.0.1:$S3PORT/ferry/$1"
}

# s3_head KEY: the status of a HEAD of s3://ferry/KEY (200 or 404).
s3_head() {
    curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -I -o /dev/null -w '%{http_code}' \
        "http://127.0.0.1:$S3PORT/ferry/$1"
}

# s3_proxy_start STALL_PART: tests/store/s3_proxy.py in front of s3rver on
# $PROXYPORT ($PROXYPID); it hangs the first PUT of part STALL_PART after
# touching $TMP/stalled, and lists and aborts multipart uploads.
s3_proxy_start() {
    PROXYPORT=$(free_port)
    /usr/bin/python3 "$FERRY_SOURCE_DIR/tests/store/s3_proxy.py" "$PROXYPORT" "$S3PORT" "$1" \
        "$TMP/stalled" >"$TMP/proxy.out" 2>"$TMP/proxy.log" &
    PROXYPID=$!
    for _ in $(seq 1 100); do
        grep -q listening "$TMP/proxy.out" && return 0
        kill -0 "$PROXYPID" 2>/dev/null || fail "s3_proxy did not start: $(cat "$TMP/proxy.log")"
        sleep 0.1
    done
    fail "s3_proxy did not start"
}

# wait_until WHAT COMMAND…: polls COMMAND (up to about a minute) until it
# succeeds, else fails naming WHAT. A wait, never a timing assertion.
wait_until() {
    local what=$1
    shift
    for _ in $(seq 1 600); do
        "$@" && return 0
        sleep 0.1
    done
    fail "gave up waiting for $what"
}
