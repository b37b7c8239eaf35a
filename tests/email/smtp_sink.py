"""smtp_sink.py — an SMTP server on loopback (aiosmtpd) that writes every
message it accepts to DIR/NNNN.eml, with DIR/NNNN.rcpt (one recipient a
line). Prints its port on stdout once it listens, then runs until killed.

    smtp_sink.py DIR [PORT]

PORT (default: a free one) lets a test bring a server back on the port
another one had, or that nothing listened on.
"""

import os
import socket
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, folder):
        self.folder = folder
        self.n = 0
        self.lock = threading.Lock()

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
    if len(sys.argv) > 2:
        port = int(sys.argv[2])
    else:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    ctl = Controller(Handler(sys.argv[1]), hostname="127.0.0.1", port=port)
    ctl.start()
    print(port, flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        ctl.stop()


if __name__ == "__main__":
    main()
