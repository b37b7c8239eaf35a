#!/usr/bin/env python3
"""commit_cut.py LISTEN_PORT DB_PORT MARK_FILE — a TCP proxy in front of
MariaDB that loses the reply to one COMMIT: the first connection that
prepares a statement containing MARKER (a request's completing UPDATE)
has its next COMMIT forwarded to the server, which commits it, and the
connection is then closed before the client sees the server's answer.
Every other byte passes through unchanged. MARK_FILE is written when the
cut has happened (once per proxy).

The packets, COM_QUERY (0x03 and the SQL) and COM_STMT_PREPARE (0x16 and
the SQL): mysql_proxy.py.
"""
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # mysql_proxy.py, next to this script
from mysql_proxy import COM_QUERY, COM_STMT_PREPARE, close_both, is_command, received, serve  # noqa: E402

MARKER = b"SET status = 'completed', completed_at"

state = {"done": False}
lock = threading.Lock()


def pump_up(client, server, conn):
    """client -> server, watching packets for the marker and the COMMIT."""
    try:
        for data, pkts in received(client, split=True):
            for _, payload, _ in pkts:
                if is_command(payload, COM_STMT_PREPARE) and MARKER in payload:
                    conn["marked"] = True
                if (
                    conn["marked"]
                    and is_command(payload, COM_QUERY)
                    and payload[1:].strip().upper() == b"COMMIT"
                ):
                    with lock:
                        if not state["done"]:
                            state["done"] = True
                            conn["cut"] = True
            server.sendall(data)
    finally:
        close_both(client, server)


def pump_down(client, server, conn):
    """server -> client; after the cut COMMIT, the reply is dropped."""
    try:
        for data in received(server):
            if conn["cut"]:
                with open(conn["mark_file"], "w") as f:
                    f.write("cut\n")
                break
            client.sendall(data)
    finally:
        close_both(client, server, close=True)


def main():
    listen_port, db_port, mark_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    serve(listen_port, db_port, pump_up, pump_down,
          lambda: {"marked": False, "cut": False, "mark_file": mark_file})


if __name__ == "__main__":
    main()
