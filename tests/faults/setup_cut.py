#!/usr/bin/env python3
"""setup_cut.py LISTEN_PORT DB_PORT MARKER COUNT LOG [ARM_FILE] — a TCP
proxy in front of MariaDB that loses connections while their session is
set up: a connection whose client sends a statement (COM_QUERY or
COM_STMT_PREPARE) containing MARKER — "SET time_zone" of the connector's
init command, "SET SESSION net_write_timeout" of source-mysql's session —
is closed before that statement reaches the server, COUNT times in all;
every other byte passes through unchanged. With ARM_FILE, only once that
file exists (connections made before go on as they are). Each cut appends
a line to LOG.

The packets, COM_QUERY (0x03 and the SQL) and COM_STMT_PREPARE (0x16 and
the SQL): mysql_proxy.py.
"""
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # mysql_proxy.py, next to this script
from mysql_proxy import (  # noqa: E402
    COM_QUERY, COM_STMT_PREPARE, close_both, is_command, pass_down, received, serve)

lock = threading.Lock()
state = {"left": 0}
args = {}  # marker, arm_file, log: from the command line


def should_cut(payload, marker, arm_file):
    if not is_command(payload, COM_QUERY, COM_STMT_PREPARE) or marker not in payload:
        return False
    if arm_file and not os.path.exists(arm_file):
        return False
    with lock:
        if state["left"] <= 0:
            return False
        state["left"] -= 1
        return True


def pump_up(client, server, conn):
    """client -> server, packet by packet, cutting at the marker."""
    try:
        for _, pkts in received(client, split=True):
            out = b""
            for _, payload, packet in pkts:
                if should_cut(payload, args["marker"], args["arm_file"]):
                    if out:
                        server.sendall(out)
                    with open(args["log"], "a") as f:
                        f.write("cut %r\n" % packet[5:80])
                    return
                out += packet
            if out:
                server.sendall(out)
    finally:
        close_both(client, server)


def main():
    listen_port, db_port = int(sys.argv[1]), int(sys.argv[2])
    args.update(marker=sys.argv[3].encode(), log=sys.argv[5],
                arm_file=sys.argv[6] if len(sys.argv) > 6 else None)
    state["left"] = int(sys.argv[4])
    serve(listen_port, db_port, pump_up, pass_down)


if __name__ == "__main__":
    main()
