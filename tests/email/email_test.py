"""email_test.py — sink-email against a real SMTP server on loopback.

An aiosmtpd server (Debian's python3-aiosmtpd) runs in this process and keeps
every message it accepts. email_harness loads the sink-email plugin through the
core's loader (options from a libconfig file, site defaults merged under them)
and delivers a real file. The received messages are read back with Python's
email module: envelope recipients, decoded subject, the link in the body, the
attachment's bytes and its RFC 2231 file name; then the failure paths.

    email_test.py EMAIL_HARNESS
"""

import email
import email.policy
import email.utils
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

from aiosmtpd.controller import Controller

HARNESS = sys.argv[1]
PLUGIN = os.path.join(os.environ["FERRY_PLUGIN_DIR"], "sink-email.so")
FAILURES = []


def check(cond, what):
    if cond:
        print("ok   " + what)
    else:
        print("FAIL " + what)
        FAILURES.append(what)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Handler:
    """Keeps messages; refuses DATA with 451 `transient` times; 550 for nobody@."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []
        self.transient = 0
        self.data_attempts = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_attempts += 1
            if self.transient > 0:
                self.transient -= 1
                return "451 4.3.0 try again later"
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def take(self):
        with self.lock:
            m, self.messages = self.messages, []
            return m


def write_config(path, sink, defaults=None):
    def group(d):
        out = []
        for k, v in d.items():
            if isinstance(v, bool):
                out.append("%s = %s;" % (k, "true" if v else "false"))
            elif isinstance(v, int):
                out.append("%s = %d;" % (k, v))
            elif isinstance(v, float):
                out.append("%s = %r;" % (k, v))
            elif isinstance(v, list):
                out.append("%s = [%s];" % (k, ", ".join(json.dumps(x, ensure_ascii=False) for x in v)))
            else:
                out.append("%s = %s;" % (k, json.dumps(v, ensure_ascii=False)))
        return "{ " + " ".join(out) + " }"

    with open(path, "w", encoding="utf-8") as f:
        f.write("sink = %s;\n" % group(sink))
        if defaults:
            f.write("defaults = %s;\n" % group(defaults))


def run(cfg, path, name, meta=(), url=None, rows=None):
    args = [HARNESS, PLUGIN, cfg, path, name]
    if url:
        args += ["--url", url]
    if rows is not None:
        args += ["--rows", str(rows)]
    args += ["%s=%s" % kv for kv in meta]
    p = subprocess.run(args, capture_output=True, timeout=120)
    check(p.stdout == b"", "nothing on stdout (%r)" % p.stdout[:200])
    return p.returncode, p.stderr.decode("utf-8", "replace")


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def parts(msg):
    """(text body, [attachment parts])"""
    body, atts = None, []
    for part in msg.iter_parts():
        if part.get_content_disposition() == "attachment":
            atts.append(part)
        elif part.get_content_type() == "text/plain":
            body = part
    return body, atts


def run_ferry_pipeline(tmp, port, handler):
    ferry = os.environ.get("FERRY")
    if not ferry:
        check(False, "FERRY is set for the ferry run case")
        return
    d = os.path.join(tmp, "run")
    os.makedirs(d)
    with open(os.path.join(d, "in.csv"), "w", encoding="utf-8") as f:
        f.write("name,hours\nZoë,1.5\n東京,2\nОльга,0.25\n")
    with open(os.path.join(d, "ferry.conf"), "w", encoding="utf-8") as f:
        f.write("""store: { path = "store"; };
plugins: {
  sink-email: { smtp_url = "smtp://127.0.0.1:%d"; from = "reports@example.com"; starttls = "none"; };
  sink-file: { base_url = "https://files.example.com"; };
};
""" % port)
    with open(os.path.join(d, "p.cfg"), "w", encoding="utf-8") as f:
        f.write("""name = "mailtest";
source = { plugin = "source-csv"; path = "in.csv"; columns = ["name:string", "hours:double"]; };
format = { plugin = "format-csv"; };
output = { directory = "out"; name = "Zoë 東京"; };
sinks = ( { plugin = "sink-file"; },
          { plugin = "sink-email"; recipients = ["ops@example.com"]; attach_file = true;
            subject = "{title}: {rows} rows"; } );
""")
    env = dict(os.environ, FERRY_PLUGIN_PATH=os.environ["FERRY_PLUGIN_DIR"])
    env.pop("FERRY_CONFIG", None)
    p = subprocess.run([ferry, "--config", os.path.join(d, "ferry.conf"), "run", "p.cfg"],
                       cwd=d, env=env, capture_output=True, timeout=120)
    check(p.returncode == 0, "ferry run with sink-email (rc %d, %s)" % (p.returncode, p.stderr.decode()[-400:]))
    msgs = handler.take()
    check(len(msgs) == 1, "ferry run mailed once (%d)" % len(msgs))
    published = os.path.join(d, "out", "Zoë 東京.csv")
    if not msgs or not os.path.exists(published):
        check(False, "published file %s exists" % published)
        return
    with open(published, "rb") as f:
        data = f.read()
    msg = parse(msgs[0][2])
    check(msgs[0][1] == ["ops@example.com"], "ferry run: recipients from the pipeline")
    check(str(msg["subject"]) == "Zoë 東京.csv: 3 rows", "ferry run: subject %r" % str(msg["subject"]))
    body, atts = parts(msg)
    text = body.get_content() if body else ""
    check("https://files.example.com/" in text, "ferry run: sink-file's URL in the body: %r" % text[:300])
    check(len(atts) == 1 and atts[0].get_filename() == "Zoë 東京.csv", "ferry run: attachment name")
    if atts:
        check(hashlib.sha256(atts[0].get_payload(decode=True)).hexdigest() == hashlib.sha256(data).hexdigest(),
              "ferry run: attachment identical to the published file (sha256)")


def main():
    handler = Handler()
    port = free_port()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    tmp = tempfile.mkdtemp(prefix="ferry-email-")
    smtp_url = "smtp://127.0.0.1:%d" % port
    site = {"smtp_url": smtp_url, "from": "Zoë's Reports <reports@example.com>",
            "starttls": "none", "retry_delay_seconds": 0.05, "timeout_seconds": 20}
    link = "https://exports.example.com/d/abc123?t=tok%2Bx"
    try:
        # A file that stresses the transfer: binary bytes, CRLFs, lines starting with '.'.
        data = os.urandom(200_000) + b"\r\n.\r\n..dot\r\n.\n" + os.urandom(3)
        small = os.path.join(tmp, "small.bin")
        with open(small, "wb") as f:
            f.write(data)
        name = "Zoë 東京.csv"
        title = "Zeiterfassung März — 東京 Ольга, a long title that needs several encoded words"

        # 1. Small file attached; request recipients replace the configured ones;
        #    site defaults (smtp_url, from, starttls) come from `defaults`.
        cfg = os.path.join(tmp, "a.cfg")
        write_config(cfg, {"recipients": ["ops@example.com"], "subject": "Export: {title} ({rows} rows, {size})"}, site)
        rc, err = run(cfg, small, name, rows=42, url=link, meta=[
            ("request_id", "0123456789abcdef0123456789abcdef"), ("title", title),
            ("email_recipients", json.dumps(["alice@example.com", "Bob@Example.org", "alice@example.com"])),
            ("attach_file", "1"), ("expires_at", "2031-01-09T03:04:05Z"),
            ("link_expires_at", "2031-01-02T03:04:05Z")])
        check(rc == 0, "small attachment delivered (rc %d, %s)" % (rc, err.strip()))
        msgs = handler.take()
        check(len(msgs) == 1, "exactly one message received (%d)" % len(msgs))
        if msgs:
            mail_from, rcpts, raw = msgs[0]
            check(mail_from == "reports@example.com", "envelope sender %s" % mail_from)
            check(rcpts == ["alice@example.com", "Bob@Example.org"],
                  "request recipients replace configured ones, deduplicated: %s" % rcpts)
            check(b"\r\n" in raw and all(len(l) <= 998 for l in raw.split(b"\r\n")),
                  "CRLF lines of at most 998 bytes")
            hdr = raw.split(b"\r\n\r\n", 1)[0]
            check(all(b < 128 for b in hdr), "headers are 7-bit ASCII")
            msg = parse(raw)
            subj = str(msg["subject"])
            want = "Export: %s (42 rows, %.1f KiB)" % (title, len(data) / 1024)
            check(subj == want, "decoded subject %r" % subj)
            check(b"=?UTF-8?B?" in hdr, "RFC 2047 encoded subject")
            check([a.addr_spec for a in msg["to"].addresses] == ["alice@example.com", "Bob@Example.org"],
                  "To header %s" % msg["to"])
            check(msg["from"].addresses[0].display_name == "Zoë's Reports"
                  and msg["from"].addresses[0].addr_spec == "reports@example.com",
                  "From with encoded display name: %s" % msg["from"])
            check(email.utils.parsedate_to_datetime(str(msg["date"])) is not None, "Date header")
            check(str(msg["message-id"]).endswith("@example.com>"), "Message-ID %s" % msg["message-id"])
            check(msg.get_content_type() == "multipart/mixed", "multipart/mixed")
            body, atts = parts(msg)
            check(body is not None and body.get_content_charset() == "utf-8"
                  and body["content-transfer-encoding"] == "quoted-printable",
                  "text/plain UTF-8 quoted-printable body")
            text = body.get_content() if body else ""
            check(link in text, "download link in the body")
            check(title in text and name in text, "title and file name in the body")
            check("2031-01-02T03:04:05Z" in text, "link expiry in the body")
            check("2031-01-09" not in text, "not the artifact's later expiry")
            check(len(atts) == 1, "one attachment")
            if atts:
                got = atts[0].get_payload(decode=True)
                check(hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest(),
                      "attachment bytes identical (sha256)")
                check(atts[0].get_filename() == name, "attachment file name %r" % atts[0].get_filename())
                check(atts[0]["content-transfer-encoding"] == "base64", "attachment base64")
                check(b"filename*=UTF-8''Zo%C3%AB%20%E6%9D%B1%E4%BA%AC.csv" in raw,
                      "RFC 2231 filename* in the raw header")
                check(b'filename="Zo_ __.csv"' in raw, "ASCII fallback filename=")

        # 2. Too large to attach: the link and a note, no attachment.
        big = os.path.join(tmp, "big.bin")
        with open(big, "wb") as f:
            f.write(b"x" * 5000)
        cfg = os.path.join(tmp, "b.cfg")
        write_config(cfg, dict(site, recipients=["ops@example.com"], attach_file=True,
                               max_attachment_bytes=1000))
        rc, err = run(cfg, big, "big.csv", url=link)
        check(rc == 0, "too-large file delivered as a link (rc %d, %s)" % (rc, err.strip()))
        msgs = handler.take()
        check(len(msgs) == 1, "one message for the too-large file")
        if msgs:
            check(msgs[0][1] == ["ops@example.com"], "configured recipients used when the request names none")
            msg = parse(msgs[0][2])
            body, atts = parts(msg)
            text = body.get_content() if body else ""
            check(not atts, "no attachment when over max_attachment_bytes")
            check(link in text and "larger than the 1000 bytes limit" in text,
                  "link and note in the body: %r" % text[:400])
            check(str(msg["subject"]) == "Export ready: big.csv", "default subject falls back to the file name")

        # 3. Link turned off by the request; merge mode adds request recipients.
        cfg = os.path.join(tmp, "c.cfg")
        write_config(cfg, dict(site, recipients=["ops@example.com"], recipients_merge=True))
        rc, err = run(cfg, big, "big.csv", url=link,
                      meta=[("include_download_link", "0"), ("email_recipients", '["carol@example.net"]')])
        msgs = handler.take()
        check(rc == 0 and len(msgs) == 1, "link-less message delivered")
        if msgs:
            check(msgs[0][1] == ["ops@example.com", "carol@example.net"], "recipients merged: %s" % msgs[0][1])
            body, atts = parts(parse(msgs[0][2]))
            check(link not in body.get_content() and not atts, "no link and no attachment")

        # 4. A recipient with CR/LF: an error naming it; the good ones still get it.
        evil = "ok@example.com\r\nBcc: victim@evil.example"
        rc, err = run(cfg, small, name, url=link,
                      meta=[("email_recipients", json.dumps(["good@example.com", evil]))])
        check(rc == 1, "CR/LF recipient refused (rc %d)" % rc)
        check("ok@example.com\\r\\nBcc: victim@evil.example" in err and "line break" in err,
              "error names the bad recipient: %s" % err.strip())
        msgs = handler.take()
        check(len(msgs) == 1 and msgs[0][1] == ["ops@example.com", "good@example.com"]
              and b"victim" not in msgs[0][2], "the good recipients mailed, the bad one not: %s"
              % [m[1] for m in msgs])

        # 4b. RFC 5322 display names: encoded in To, bare in the envelope.
        zoe = '"Zo\u00eb \u00dcnicode" <zoe@example.com>'
        rc, err = run(cfg, small, name, url=link, meta=[("email_recipients", json.dumps(
            [zoe, "Plain Name <plain@example.com>", "bare@example.com"]))])
        msgs = handler.take()
        check(rc == 0 and len(msgs) == 1, "display-name recipients mailed (rc %d) %s" % (rc, err))
        if msgs:
            check(msgs[0][1] == ["ops@example.com", "zoe@example.com", "plain@example.com",
                                 "bare@example.com"], "envelope has bare addresses: %s" % msgs[0][1])
            to = parse(msgs[0][2])["to"].addresses
            got = [(a.display_name, a.addr_spec) for a in to]
            check(got == [("", "ops@example.com"), ("Zo\u00eb \u00dcnicode", "zoe@example.com"),
                          ("Plain Name", "plain@example.com"), ("", "bare@example.com")],
                  "To decoded by Python's email parser: %s" % got)
            raw_to = msgs[0][2].split(b"\r\nTo: ", 1)[1].split(b"\r\nSubject:", 1)[0]
            check(raw_to.isascii() and b"=?UTF-8?" in raw_to, "To header RFC 2047: %r" % raw_to)
        rc, err = run(cfg, small, name, meta=[("email_recipients", json.dumps(
            ['Evil, Name <a@example.com>']))])
        check(rc == 1 and [m[1] for m in handler.take()] == [["ops@example.com"]]
              and "must be quoted" in err, "unquoted special in a display name refused: %s" % err)
        rc, err = run(cfg, small, name, meta=[("delivery_target", zoe)])
        msgs = handler.take()
        check(rc == 0 and len(msgs) == 1 and msgs[0][1] == ["zoe@example.com"],
              "delivery_target: that recipient only: %s" % [m[1] for m in msgs])

        # A malformed address, and recipients that are not a JSON array.
        rc, err = run(cfg, small, name, meta=[("email_recipients", '["no-at-sign.example.com"]')])
        check(rc == 1 and "no-at-sign.example.com" in err, "malformed address refused: %s" % err.strip())
        rc, err = run(cfg, small, name, meta=[("email_recipients", '["ok@example.com\\u0000@evil.example"]')])
        check(rc == 1 and "NUL" in err, "NUL in a recipient refused: %s" % err.strip())
        rc, err = run(cfg, small, name, meta=[("email_recipients", '{"a": 1}')])
        check(rc == 1 and "JSON array" in err, "non-array recipients refused: %s" % err.strip())
        check([m[1] for m in handler.take()] == [["ops@example.com"]],
              "only the configured recipient mailed past a malformed one; nothing for bad lists")

        # 5. A subject template with a line break or an unknown placeholder: refused at init.
        cfg = os.path.join(tmp, "d.cfg")
        write_config(cfg, dict(site, recipients=["ops@example.com"], subject="Hi\r\nBcc: x@evil.example"))
        rc, err = run(cfg, small, name)
        check(rc == 2 and "subject" in err and "Hi\\r\\nBcc" in err, "CR/LF subject refused: %s" % err.strip())
        write_config(cfg, dict(site, recipients=["ops@example.com"], subject="{nope}"))
        rc, err = run(cfg, small, name)
        check(rc == 2 and "{nope}" in err, "unknown placeholder refused: %s" % err.strip())
        write_config(cfg, dict(site, recipients=["ops@example.com\n"]))
        rc, err = run(cfg, small, name)
        check(rc == 2 and "recipients" in err, "CR/LF in configured recipients refused: %s" % err.strip())
        check(handler.take() == [], "nothing sent for bad configs")

        # 6. A title with a line break cannot inject a header.
        cfg = os.path.join(tmp, "e.cfg")
        write_config(cfg, dict(site, recipients=["ops@example.com"]))
        rc, err = run(cfg, small, name, meta=[("title", "Q3\r\nBcc: victim@evil.example")])
        msgs = handler.take()
        check(rc == 0 and len(msgs) == 1, "message with a multi-line title sent")
        if msgs:
            m = parse(msgs[0][2])
            check(m["bcc"] is None and "\n" not in str(m["subject"]), "no header injected through the title")

        # 7. Transient refusals (451) are retried; delivered once.
        handler.transient = 2
        cfg = os.path.join(tmp, "f.cfg")
        write_config(cfg, dict(site, recipients=["ops@example.com"], retries=3))
        rc, err = run(cfg, small, name)
        msgs = handler.take()
        check(rc == 0 and len(msgs) == 1, "delivered after two 451 replies (rc %d)" % rc)
        check(err.count("retrying") == 2 and "451" in err, "two retries logged")

        # 8. A permanent refusal (550) is not retried.
        before = handler.data_attempts
        rc, err = run(cfg, small, name, meta=[("email_recipients", '["nobody@example.com"]')])
        check(rc == 1 and "550" in err and "1 attempt" in err and "retrying" not in err,
              "550 refused without retries: %s" % err.strip())
        check(handler.data_attempts == before and handler.take() == [], "nothing sent on 550")
        rc, err = run(cfg, small, name, meta=[("email_recipients", '["nobody@example.com", "dave@example.com"]')])
        msgs = handler.take()
        check(rc == 0 and len(msgs) == 1 and msgs[0][1] == ["dave@example.com"],
              "one refused recipient does not stop the others")

        # 9. Through `ferry run`: source-csv -> format-csv -> sink-file (URL) -> sink-email,
        #    with sink-email's site defaults from ferry.conf's plugins.sink-email.
        run_ferry_pipeline(tmp, port, handler)

        # 10. No recipients at all: nothing to do, success.
        cfg = os.path.join(tmp, "g.cfg")
        write_config(cfg, dict(site))
        rc, err = run(cfg, small, name)
        check(rc == 0 and handler.take() == [] and "no recipients" in err, "no recipients: no mail, no error")
    finally:
        ctl.stop()

    # 11. Server down: retried, then a clear error.
    down = free_port()
    cfg = os.path.join(tmp, "h.cfg")
    write_config(cfg, dict(site, smtp_url="smtp://127.0.0.1:%d" % down, recipients=["ops@example.com"],
                           retries=2))
    rc, err = run(cfg, small, name)
    check(rc == 1, "server down: failure (rc %d)" % rc)
    check("failed after 3 attempts" in err and "127.0.0.1:%d" % down in err,
          "server down: clear error: %s" % err.strip().splitlines()[-1] if err.strip() else "")
    check(err.count("retrying") == 2, "server down: two retries logged")
    check(os.path.exists(small), "the artifact stays")

    shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
