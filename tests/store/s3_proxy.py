#!/usr/bin/env python3
"""s3_proxy.py — a test stand-in between ferry and s3rver: forwards every
request unchanged (Host header included, so SigV4 still verifies), except

* the first PUT of part STALL_PART of a multipart upload: it writes the file
  MARKER and never answers (the uploading worker hangs there until the test
  kills it: a worker killed mid-upload, deterministically);
* GET /BUCKET?uploads (ListMultipartUploads) and DELETE /BUCKET/KEY?uploadId
  (AbortMultipartUpload), which s3rver lacks: answered from the uploads it
  saw started and not yet completed or aborted.

Usage: s3_proxy.py PORT UPSTREAM_PORT STALL_PART MARKER; prints "listening".
"""
import http.client
import http.server
import re
import sys
import threading
import time
import urllib.parse

PORT, UPSTREAM, STALL, MARKER = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
lock = threading.Lock()
state = {"stalled": False, "uploads": {}}  # upload id -> (key, initiated)


def uploads_xml(bucket, prefix):
    rows = []
    with lock:
        for uid, (key, at) in sorted(state["uploads"].items()):
            if key.startswith(prefix):
                when = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(at))
                rows.append(f"<Upload><Key>{key}</Key><UploadId>{uid}</UploadId>"
                            f"<Initiated>{when}</Initiated></Upload>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult>'
            f"<Bucket>{bucket}</Bucket><IsTruncated>false</IsTruncated>{''.join(rows)}"
            f"</ListMultipartUploadsResult>").encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("proxy: " + fmt % args + "\n")

    def reply(self, status, headers, body):
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = url.path.strip("/").split("/", 1)
        if self.command == "GET" and len(parts) == 1 and "uploads" in q:
            return self.reply(200, [("Content-Type", "application/xml")],
                              uploads_xml(parts[0], q.get("prefix", [""])[0]))
        if self.command == "DELETE" and "uploadId" in q:
            with lock:
                known = state["uploads"].pop(q["uploadId"][0], None)
            return self.reply(204 if known else 404, [], b"")
        if self.command == "PUT" and q.get("partNumber") == [STALL]:
            with lock:
                stall, state["stalled"] = not state["stalled"], True
            if stall:
                open(MARKER, "w").close()
                threading.Event().wait()
        conn = http.client.HTTPConnection("127.0.0.1", UPSTREAM)
        conn.request(self.command, self.path, body, dict(self.headers.items()))
        resp = conn.getresponse()
        data = resp.read()
        self.track(resp.status, q, urllib.parse.unquote(parts[-1]), data)
        self.reply(resp.status, resp.getheaders(), data)

    def track(self, status, q, key, data):
        if status >= 300:
            return
        with lock:
            if self.command == "POST" and "uploads" in q:
                m = re.search(rb"<UploadId>([^<]+)</UploadId>", data)
                if m:
                    state["uploads"][m.group(1).decode()] = (key, time.time())
            elif self.command == "POST" and "uploadId" in q:
                state["uploads"].pop(q["uploadId"][0], None)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


srv = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
srv.daemon_threads = True
print("listening", flush=True)
srv.serve_forever()
