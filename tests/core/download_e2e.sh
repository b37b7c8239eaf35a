#!/bin/bash
# download_e2e.sh — the whole chain a user sees: a request run by ferry
# gets a signed download_url on the download server; `ferry serve` serves
# exactly the published bytes under the offered (non-ASCII) file name, and
# counts the download with its audit row; a tampered token is refused.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
core_setup dl 300

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s|base_url = \"http://127.0.0.1:8080\"; retention_days|base_url = \"http://127.0.0.1:$port\"; retention_days|" "$CONF"
cat >>"$CONF" <<CONF
CONF
sed -i "s|^download: { |download: { listen = \"127.0.0.1:$port\"; |" "$CONF"

zoe=$(uid zoe)
req=$(new_request "$zoe" '{}' '[]')
testdb_sql "UPDATE export_requests SET title = 'Zoë 東京 report' WHERE id = '$req'"
run_request "$req"
[ "$RC" = 0 ] || fail "request run exited $RC: $ERR"
url=$(req_col "$req" download_url)
expect_match "download_url points at the server" "$url" "^http://127\.0\.0\.1:$port/download/$req\?token=v1\."

"$FERRY" serve >"$TMP/serve.log" 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null; wait $srv 2>/dev/null; testdb_drop; rm -rf "$TMP"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

code=$(curl -sS -A "e2e-test/1.0" -D "$TMP/headers" -o "$TMP/got" -w '%{http_code}' "$url")
expect_eq "GET status" "$code" 200
expect_eq "same bytes (sha256)" "$(sha256sum <"$TMP/got" | cut -d' ' -f1)" "$(req_col "$req" ferry_checksum)"
expect_match "Content-Disposition names the offered file" "$(grep -i '^content-disposition' "$TMP/headers")" "filename\*=UTF-8''Zo%C3%AB%20%E6%9D%B1%E4%BA%AC%20report\.csv"
expect_eq "download_count" "$(req_col "$req" download_count)" 1
expect_eq "downloaded audit row with the client's user agent" \
    "$(testdb_sql "SELECT CONCAT(ip_address, ' ', user_agent) FROM export_audit_logs WHERE export_request_id = '$req' AND action = 'downloaded'")" "127.0.0.1 e2e-test/1.0"

bad=${url%?}x
[ "$bad" != "$url" ] || bad=${url%?}y
code=$(curl -sS -o /dev/null -w '%{http_code}' "$bad")
expect_eq "tampered token refused" "$code" 403
expect_eq "download_count unchanged" "$(req_col "$req" download_count)" 1
assert_done
