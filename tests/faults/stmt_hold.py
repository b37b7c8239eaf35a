#!/usr/bin/env python3
"""stmt_hold.py LISTEN_PORT DB_PORT CTL_DIR — a TCP proxy in front of
MariaDB that stops a client at a chosen statement, so that a test can kill
it there (or lose the answer) without timing.

Every statement a client runs — a COM_QUERY, or a COM_STMT_EXECUTE named
by the SQL its COM_STMT_PREPARE had (the server's PREPARE_OK gives the
statement id) — is counted. The test arms the proxy by writing (with a
rename) CTL_DIR/arm, one line:

    hold K REGEX    the K-th statement (over all connections, counted from
                    the first statement after arming) whose SQL matches the
                    Python regular expression REGEX (an empty one matches
                    every statement) is not forwarded: the client waits for
                    an answer that never comes. When the client goes away
                    (killed) the server side is closed, so the server sees
                    the connection end before that statement; if
                    CTL_DIR/release appears first, the statement is
                    forwarded and the connection goes on as if nothing had
                    happened.
    vanish K REGEX  as hold, but when the client goes away its server side
                    is left open, until the proxy ends: a host that
                    vanished (powered off, cut off), whose connection the
                    server still sees, its transaction and locks held.
    cut K REGEX     the K-th such statement is forwarded and the server's
                    answer dropped: both sides are closed once the server
                    has answered (a COMMIT done whose answer is lost).
    late K REGEX    the K-th such statement is forwarded and the server's
                    answer held back until CTL_DIR/release appears (what
                    the client then reads is what the database said before
                    the test changed it).
    off             nothing.

The arm file is read (and removed) at the next statement. When the K-th
statement is reached, CTL_DIR/held is written: "MODE SQL" (the statement,
first 200 characters, on one line). Every statement is appended to
CTL_DIR/statements.log; when a client connection ends, the number of
statements it ran is appended to CTL_DIR/connections.log.

The protocol is plain (no TLS is asked for): a packet is a 3-byte
little-endian length, a sequence byte and the payload; a command starts
with sequence 0: COM_QUERY 0x03 + SQL, COM_STMT_PREPARE 0x16 + SQL,
COM_STMT_EXECUTE 0x17 + a 4-byte statement id; the answer to a prepare
starts (sequence 1) with 0x00 and the 4-byte statement id.
"""
import os
import re
import socket
import sys
import threading
import time

COM_QUERY, COM_STMT_PREPARE, COM_STMT_EXECUTE = 3, 0x16, 0x17

lock = threading.Lock()
state = {"mode": None, "k": 0, "regex": None, "seen": 0}


def write_file(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def packets(buf):
    """Splits off the whole packets at the start of buf: ([(seq, payload, raw)], rest)."""
    out = []
    while len(buf) >= 4:
        n = int.from_bytes(buf[:3], "little")
        if len(buf) < 4 + n:
            break
        out.append((buf[3], buf[4 : 4 + n], buf[: 4 + n]))
        buf = buf[4 + n :]
    return out, buf


def load_arm(ctl):
    """Reads and removes CTL_DIR/arm, if there is one (lock held)."""
    path = os.path.join(ctl, "arm")
    try:
        with open(path) as f:
            line = f.read().rstrip("\n")
        os.unlink(path)
    except FileNotFoundError:
        return
    parts = line.split(" ", 2)
    if parts[0] in ("hold", "vanish", "cut", "late"):
        state.update(mode=parts[0], k=int(parts[1]), seen=0,
                     regex=re.compile(parts[2] if len(parts) > 2 else ""))
    else:
        state.update(mode=None, k=0, seen=0, regex=None)


def verdict(ctl, sql):
    """What to do with a statement: None (forward), "hold" or "cut"."""
    with lock:
        load_arm(ctl)
        with open(os.path.join(ctl, "statements.log"), "a") as f:
            f.write(sql[:200].replace("\n", " ") + "\n")
        if not state["mode"] or not state["regex"].search(sql):
            return None
        state["seen"] += 1
        if state["seen"] < state["k"]:
            return None
        mode = state["mode"]
        state.update(mode=None, k=0, seen=0, regex=None)
        write_file(os.path.join(ctl, "held"), "%s %s\n" % (mode, sql[:200].replace("\n", " ")))
        return mode


def statement(conn, payload):
    """The SQL a command runs, or None for a command that runs none."""
    if payload[:1] == bytes([COM_QUERY]):
        return payload[1:].decode("utf-8", "replace")
    if payload[:1] == bytes([COM_STMT_EXECUTE]) and len(payload) >= 5:
        return conn["stmts"].get(int.from_bytes(payload[1:5], "little"), "?")
    return None


def close_both(client, server):
    for s in (client, server):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def wait_release(ctl):
    release = os.path.join(ctl, "release")
    while not os.path.exists(release):
        time.sleep(0.01)
    os.unlink(release)


def hold_until_gone(client, server, ctl, packet):
    """The client waits; it is gone (return) or released (packet forwarded: True)."""
    client.settimeout(0.05)
    release = os.path.join(ctl, "release")
    while True:
        if os.path.exists(release):
            os.unlink(release)
            client.settimeout(None)
            server.sendall(packet)
            return True
        try:
            if not client.recv(65536):
                return False
        except socket.timeout:
            continue
        except OSError:
            return False


def pump_up(client, server, conn, ctl):
    """client -> server, command by command."""
    buf = b""
    try:
        while True:
            data = client.recv(65536)
            if not data:
                break
            pkts, buf = packets(buf + data)
            for seq, payload, raw in pkts:
                sql = statement(conn, payload) if seq == 0 else None
                if seq == 0 and payload[:1] == bytes([COM_STMT_PREPARE]):
                    conn["prepare"] = payload[1:].decode("utf-8", "replace")
                todo = verdict(ctl, sql) if sql is not None else None
                if sql is not None:
                    conn["count"] += 1
                if todo in ("hold", "vanish"):
                    if not hold_until_gone(client, server, ctl, raw):
                        conn["vanished"] = todo == "vanish"
                        return
                    continue
                if todo == "cut":
                    conn["cut"] = True
                if todo == "late":
                    conn["late"] = True
                server.sendall(raw)
            # bytes of a packet not yet whole wait in buf
    except OSError:
        pass
    finally:
        with lock:
            with open(os.path.join(ctl, "connections.log"), "a") as f:
                f.write("%d\n" % conn["count"])
        close_both(client, client if conn["vanished"] else server)


def pump_down(client, server, conn):
    """server -> client; notes prepared statements' ids; drops a cut answer."""
    buf = b""
    try:
        while True:
            data = server.recv(65536)
            if not data:
                break
            if conn["cut"]:
                break
            if conn["late"]:
                wait_release(conn["ctl"])
                conn["late"] = False
            pkts, buf = packets(buf + data)
            for seq, payload, _ in pkts:
                if conn["prepare"] is not None and seq == 1:
                    if payload[:1] == b"\x00" and len(payload) >= 5:
                        conn["stmts"][int.from_bytes(payload[1:5], "little")] = conn["prepare"]
                    conn["prepare"] = None
            client.sendall(data)
    except OSError:
        pass
    finally:
        close_both(client, client if conn["vanished"] else server)
        client.close()
        if not conn["vanished"]:
            server.close()


def main():
    listen_port, db_port, ctl = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(64)
    print("listening", flush=True)
    while True:
        client, _ = ls.accept()
        server = socket.create_connection(("127.0.0.1", db_port))
        conn = {"stmts": {}, "prepare": None, "cut": False, "late": False, "count": 0, "ctl": ctl,
                "vanished": False}
        threading.Thread(target=pump_up, args=(client, server, conn, ctl), daemon=True).start()
        threading.Thread(target=pump_down, args=(client, server, conn), daemon=True).start()


if __name__ == "__main__":
    main()
