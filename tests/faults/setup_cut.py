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

The MySQL protocol is plain text here (no TLS is asked for): a packet is a
3-byte little-endian length, a sequence byte and the payload; COM_QUERY is
0x03 and the SQL, COM_STMT_PREPARE 0x16 and the SQL.
"""
import os
import socket
import sys
import threading

COM_QUERY, COM_STMT_PREPARE = 3, 0x16
lock = threading.Lock()
state = {"left": 0}


def close_both(client, server):
    for s in (client, server):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def should_cut(payload, marker, arm_file):
    if payload[:1] not in (bytes([COM_QUERY]), bytes([COM_STMT_PREPARE])) or marker not in payload:
        return False
    if arm_file and not os.path.exists(arm_file):
        return False
    with lock:
        if state["left"] <= 0:
            return False
        state["left"] -= 1
        return True


def pump_up(client, server, marker, arm_file, log):
    """client -> server, packet by packet, cutting at the marker."""
    buf = b""
    try:
        while True:
            data = client.recv(65536)
            if not data:
                break
            buf += data
            out = b""
            while len(buf) >= 4:
                n = int.from_bytes(buf[:3], "little")
                if len(buf) < 4 + n:
                    break
                packet, buf = buf[: 4 + n], buf[4 + n :]
                if should_cut(packet[4:], marker, arm_file):
                    if out:
                        server.sendall(out)
                    with open(log, "a") as f:
                        f.write("cut %r\n" % packet[5:80])
                    return
                out += packet
            if out:
                server.sendall(out)
    except OSError:
        pass
    finally:
        close_both(client, server)


def pump_down(client, server):
    try:
        while True:
            data = server.recv(65536)
            if not data:
                break
            client.sendall(data)
    except OSError:
        pass
    finally:
        close_both(client, server)
        client.close()
        server.close()


def main():
    listen_port, db_port = int(sys.argv[1]), int(sys.argv[2])
    marker, state["left"], log = sys.argv[3].encode(), int(sys.argv[4]), sys.argv[5]
    arm_file = sys.argv[6] if len(sys.argv) > 6 else None
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(64)
    while True:
        client, _ = ls.accept()
        server = socket.create_connection(("127.0.0.1", db_port))
        threading.Thread(target=pump_up, args=(client, server, marker, arm_file, log),
                         daemon=True).start()
        threading.Thread(target=pump_down, args=(client, server), daemon=True).start()


if __name__ == "__main__":
    main()
