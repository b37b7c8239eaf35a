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

The packets and commands (COM_QUERY 0x03 + SQL, COM_STMT_PREPARE 0x16 +
SQL, COM_STMT_EXECUTE 0x17 + a 4-byte statement id): mysql_proxy.py. The
answer to a prepare starts (sequence 1) with 0x00 and the 4-byte statement
id.
"""
import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # mysql_proxy.py, next to this script
from mysql_proxy import (  # noqa: E402
    COM_QUERY, COM_STMT_EXECUTE, COM_STMT_PREPARE, close_both, is_command, received, serve)

lock = threading.Lock()
state = {"mode": None, "k": 0, "regex": None, "seen": 0}


def write_file(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


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
    if is_command(payload, COM_QUERY):
        return payload[1:].decode("utf-8", "replace")
    if is_command(payload, COM_STMT_EXECUTE) and len(payload) >= 5:
        return conn["stmts"].get(int.from_bytes(payload[1:5], "little"), "?")
    return None


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


def pump_up(client, server, conn):
    """client -> server, command by command."""
    ctl = conn["ctl"]
    try:
        for _, pkts in received(client, split=True):
            for seq, payload, raw in pkts:
                sql = statement(conn, payload) if seq == 0 else None
                if seq == 0 and is_command(payload, COM_STMT_PREPARE):
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
    finally:
        with lock:
            with open(os.path.join(ctl, "connections.log"), "a") as f:
                f.write("%d\n" % conn["count"])
        close_both(client, client if conn["vanished"] else server)


def pump_down(client, server, conn):
    """server -> client; notes prepared statements' ids; drops a cut answer."""
    try:
        for data, pkts in received(server, split=True):
            if conn["cut"]:
                break
            if conn["late"]:
                wait_release(conn["ctl"])
                conn["late"] = False
            for seq, payload, _ in pkts:
                if conn["prepare"] is not None and seq == 1:
                    if payload[:1] == b"\x00" and len(payload) >= 5:
                        conn["stmts"][int.from_bytes(payload[1:5], "little")] = conn["prepare"]
                    conn["prepare"] = None
            client.sendall(data)
    finally:
        # a vanished client's server side is left open
        close_both(client, client if conn["vanished"] else server, close=True)


def main():
    listen_port, db_port, ctl = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    serve(listen_port, db_port, pump_up, pump_down,
          lambda: {"stmts": {}, "prepare": None, "cut": False, "late": False, "count": 0, "ctl": ctl,
                   "vanished": False},
          announce=True)


if __name__ == "__main__":
    main()
