"""mysql_proxy.py — what the fault-injection proxies in front of MariaDB
(commit_cut.py, setup_cut.py, stmt_hold.py) share: the packet framing, the
command bytes, reading a socket to its end, closing a connection's two
sockets, the accept loop that runs a pair of pump threads per connection,
and a pump that passes the server's bytes through. Imported from the
scripts' own directory (sys.path[0] when run as `python3 path/script.py`).

The MySQL protocol is plain text here (no TLS is asked for): a packet is a
3-byte little-endian length, a sequence byte and the payload; a command
starts with sequence 0: COM_QUERY 0x03 + SQL, COM_STMT_PREPARE 0x16 + SQL,
COM_STMT_EXECUTE 0x17 + a 4-byte statement id.
"""
import socket
import threading

COM_QUERY, COM_STMT_PREPARE, COM_STMT_EXECUTE = 3, 0x16, 0x17


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


def received(sock, split=False):
    """Yields what sock receives, chunk by chunk, until the peer ends; with
    split, (chunk, its whole packets as packets() gives them): the bytes of
    a packet not yet whole wait for the next chunk."""
    buf = b""
    while True:
        data = sock.recv(65536)
        if not data:
            return
        if split:
            pkts, buf = packets(buf + data)
            yield data, pkts
        else:
            yield data


def is_command(payload, *commands):
    """Whether the packet payload is one of the commands (COM_QUERY, …)."""
    return payload[:1] in [bytes([c]) for c in commands]


def close_both(client, server, close=False):
    """Shuts both sockets down (errors ignored); with close, closes them too."""
    for s in (client, server):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        if close:
            s.close()


def pass_down(client, server, conn):
    """A pump_down that forwards server -> client as it comes, then closes both."""
    try:
        for data in received(server):
            client.sendall(data)
    finally:
        close_both(client, server, close=True)


def _pump(pump, client, server, conn):
    try:
        pump(client, server, conn)
    except OSError:  # a socket failed or was shut down: this side is over
        pass


def serve(listen_port, db_port, pump_up, pump_down, new_conn=dict, announce=False):
    """Accepts connections on 127.0.0.1:listen_port for ever, each one joined
    to a new connection to the server on 127.0.0.1:db_port by two daemon
    threads, pump_up(client, server, conn) (client -> server) and
    pump_down(client, server, conn) (server -> client), conn = new_conn()
    shared by the two; an OSError ends a pump quietly (its finally clauses
    run first). With announce, prints "listening" once it listens."""
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(64)
    if announce:
        print("listening", flush=True)
    while True:
        client, _ = ls.accept()
        server = socket.create_connection(("127.0.0.1", db_port))
        conn = new_conn()
        for pump in (pump_up, pump_down):
            threading.Thread(target=_pump, args=(pump, client, server, conn), daemon=True).start()
