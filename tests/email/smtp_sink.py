"""smtp_sink.py — an SMTP server on loopback (aiosmtpd) that writes every
message it accepts to DIR/NNNN.eml, with DIR/NNNN.rcpt (one recipient a
line). Prints its port on stdout once it listens, then runs until killed.

    smtp_sink.py DIR [PORT] [--reject ADDRESS]... [--defer ADDRESS]...

PORT (default: a free one) lets a test bring a server back on the port
another one had, or that nothing listened on. Each --reject ADDRESS is
refused at RCPT TO with a permanent "550 5.1.1" (as a server refuses an
unknown mailbox); each --defer ADDRESS with a temporary "450 4.2.1" (a
full or busy mailbox). Nothing is written for either.
"""

import os
import socket
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, folder, reject=(), defer=()):
        self.folder = folder
        self.reject = {a.lower() for a in reject}
        self.defer = {a.lower() for a in defer}
        self.n = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if address.lower() in self.defer:
            return "450 4.2.1 <%s>: mailbox busy, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.n += 1
            base = os.path.join(self.folder, "%04d" % self.n)
        with open(base + ".rcpt.tmp", "w") as f:
            f.write("\n".join(envelope.rcpt_tos) + "\n")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.content)
        os.rename(base + ".rcpt.tmp", base + ".rcpt")
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK"


def main():
    args, reject, defer = [], [], []
    argv = sys.argv[1:]
    while argv:
        a = argv.pop(0)
        if a == "--reject":
            reject.append(argv.pop(0))
        elif a == "--defer":
            defer.append(argv.pop(0))
        else:
            args.append(a)
    if len(args) > 1:
        port = int(args[1])
    else:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    ctl = Controller(Handler(args[0], reject, defer), hostname="127.0.0.1", port=port)
    ctl.start()
    print(port, flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        ctl.stop()


if __name__ == "__main__":
    main()
