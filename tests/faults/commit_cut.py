#!/usr/bin/env python3
"""commit_cut.py LISTEN_PORT DB_PORT MARK_FILE — a TCP proxy in front of
MariaDB that loses the reply to one COMMIT: the first connection that
prepares a statement containing MARKER (a request's completing UPDATE)
has its next COMMIT forwarded to the server, which commits it, and the
connection is then closed before the client sees the server's answer.
Every other byte passes through unchanged. MARK_FILE is written when the
cut has happened (once per proxy).

The MySQL protocol is plain text here (no TLS is asked for): a packet is
a 3-byte little-endian length, a sequence byte and the payload; a
COM_QUERY payload is 0x03 and the SQL, a COM_STMT_PREPARE 0x16 and the
SQL.
"""
import socket
import sys
import threading

MARKER = b"SET status = 'completed', completed_at"
COM_QUERY, COM_STMT_PREPARE = 3, 0x16

state = {"done": False}
lock = threading.Lock()


def pump_up(client, server, conn):
    """client -> server, watching packets for the marker and the COMMIT."""
    buf = b""
    try:
        while True:
            data = client.recv(65536)
            if not data:
                break
            buf += data
            while len(buf) >= 4:
                n = int.from_bytes(buf[:3], "little")
                if len(buf) < 4 + n:
                    break
                payload = buf[4 : 4 + n]
                buf = buf[4 + n :]
                if payload[:1] == bytes([COM_STMT_PREPARE]) and MARKER in payload:
                    conn["marked"] = True
                if (
                    conn["marked"]
                    and payload[:1] == bytes([COM_QUERY])
                    and payload[1:].strip().upper() == b"COMMIT"
                ):
                    with lock:
                        if not state["done"]:
                            state["done"] = True
                            conn["cut"] = True
            server.sendall(data)
    except OSError:
        pass
    finally:
        for s in (client, server):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def pump_down(client, server, conn, mark_file):
    """server -> client; after the cut COMMIT, the reply is dropped."""
    try:
        while True:
            data = server.recv(65536)
            if not data:
                break
            if conn["cut"]:
                with open(mark_file, "w") as f:
                    f.write("cut\n")
                break
            client.sendall(data)
    except OSError:
        pass
    finally:
        for s in (client, server):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def main():
    listen_port, db_port, mark_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(64)
    while True:
        client, _ = ls.accept()
        server = socket.create_connection(("127.0.0.1", db_port))
        conn = {"marked": False, "cut": False}
        threading.Thread(target=pump_up, args=(client, server, conn), daemon=True).start()
        threading.Thread(target=pump_down, args=(client, server, conn, mark_file), daemon=True).start()


if __name__ == "__main__":
    main()
