#!/usr/bin/python3
"""fidelity.py — a differential harness: every value a MariaDB table holds
must arrive exactly in every format.

It creates a table with one column per type family source-mysql supports,
fills it with adversarial rows (NULLs, the limits of every type, dates that
are no dates (zero month or day, 2023-02-29: null with a warning), text
around the source's 256-byte buffer and far beyond it, quotes, newlines,
controls, formula prefixes, emoji, ZWJ sequences, RTL scripts, CJK,
combining marks, U+FFFE/U+FFFF) and with rows from a seeded random
generator (a fixed seed and one fresh seed per run, both printed), runs
`ferry run` once per format (CSV, JSON array, NDJSON, Excel, PDF, gzip over
CSV), reads every file back with a strict consumer and compares each value
with the value the database holds, fetched exactly (HEX(), CAST(… AS
CHAR)). The expected rendering per type — the rendering contract — is
in `expect_text` and the per-format checkers below (see docs/formats.md).

  fidelity.py [--formats csv,json,ndjson,xlsx,pdf,csv.gz] [--seed N]
              [--random-rows N] [--keep] [--max-report N]
              [--plugin-dir DIR] [--read-path packet|bind]

--plugin-dir puts DIR's plugins before the bundled ones (tests/fidelity's
fidelity_bind: a source-mysql built to read through the binds);
--read-path fails every run in which source-mysql did not log that it read
the rows that way: from the row packet (STMT_ATTR_CB_RESULT) or through
the binds (mysql_stmt_bind_result).

Environment: FERRY (the ferry binary), FERRY_PLUGIN_DIR, and either
FERRY_TEST_DB_DIR (scripts/test.sh's private MariaDB; a database
ferry_t_fidelity_<pid> is created and dropped) or FERRY_DATABASE_URL
(mysql://user:pass@localhost/db?socket=PATH; the table `fidelity` is
replaced in that database).

Exit status: 0 when every value compared equal (or was a loss the
contract allows AND ferry reported as a warning for that row and column),
1 on any mismatch, 77 (skip) without a database.
"""
import argparse
import base64
import datetime
import decimal
import gzip
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.parse
import zipfile

FIXED_SEED = 20240611
XLSX_CELL_MAX = 32767   # Excel: characters (UTF-16 units) in a cell
TRUNC = 80              # characters of a value shown in a mismatch message

# ---- the table -------------------------------------------------------------
# (name, SQL type, kind). kind selects the exact fetch and the rendering.
COLUMNS = [
    ("bo", "TINYINT(1)", "bool"), ("ti", "TINYINT", "int"), ("tiu", "TINYINT UNSIGNED", "int"),
    ("si", "SMALLINT", "int"), ("siu", "SMALLINT UNSIGNED", "int"),
    ("mi", "MEDIUMINT", "int"), ("miu", "MEDIUMINT UNSIGNED", "int"),
    ("i", "INT", "int"), ("iu", "INT UNSIGNED", "int"),
    ("bi", "BIGINT", "int"), ("biu", "BIGINT UNSIGNED", "int"),
    ("dec", "DECIMAL(65,30)", "dec"),
    ("f", "FLOAT", "f32"), ("d", "DOUBLE", "f64"),
    ("b", "BIT(64)", "bit"),
    ("dt", "DATE", "date"), ("dtm", "DATETIME(6)", "ts"),
    ("ts", "TIMESTAMP(6) NULL DEFAULT NULL", "ts"),
    ("tm", "TIME(6)", "time"), ("yr", "YEAR", "year"),
    ("ch", "CHAR(255)", "text"), ("vc", "VARCHAR(5000)", "text"),
    ("tx", "TEXT", "text"), ("mt", "MEDIUMTEXT", "text"), ("lt", "LONGTEXT", "text"),
    ("en", "ENUM('a','Zoë','=1+1','東京','x,y','')", "text"),
    ("st", "SET('a','b','c;','Zoë','😀')", "text"),
    ("js", "JSON", "json"),
    ("bn", "BINARY(16)", "bin"), ("vb", "VARBINARY(300)", "bin"), ("bl", "BLOB", "bin"),
    ("g", "GEOMETRY", "bin"),   # the server's bytes: SRID, then WKB
]
NAMES = [c[0] for c in COLUMNS]
KIND = {c[0]: c[2] for c in COLUMNS}
INT_RANGE = {
    "bo": (-128, 127), "ti": (-128, 127), "tiu": (0, 255), "si": (-32768, 32767), "siu": (0, 65535),
    "mi": (-8388608, 8388607), "miu": (0, 16777215),
    "i": (-2147483648, 2147483647), "iu": (0, 4294967295),
    "bi": (-2**63, 2**63 - 1), "biu": (0, 2**64 - 1),
}
TEXT_MAX = {"ch": 255, "vc": 5000, "tx": 65535, "mt": 16777215, "lt": 2**32 - 1}  # ch/vc: chars
PDF_COLUMNS = ["id", "bi", "biu", "dec", "dt", "dtm", "tm", "yr", "d", "en", "vc"]  # float before a non-digit, long text last

# ---- adversarial values ------------------------------------------------------
SPECIAL_TEXT = [
    "", " ", "plain", 'quote " inside', '"', '""', "comma, inside", "semi;colon", "pipe|",
    "CR\rinside", "LF\ninside", "CRLF\r\ninside", "trailing CRLF\r\n", "\r\n", "\n", "\r",
    "tab\tinside", "\ttab first", "\rCR first",
    "".join(chr(c) for c in range(1, 32)) + "\x7f",
    "=SUM(A1:A2)", "+1", "-1", "@cmd", "=HYPERLINK(\"http://x\",\"y\")", "-", "'quoted'",
    "emoji 😀🎉", "astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠀀 🀄", "ZWJ 👨‍👩‍👧‍👦 🏳️‍🌈 👩🏽‍💻",
    "Arabic مرحبا بالعالم", "Hebrew שלום עולם", "mixed RTL abc שלום 123 مرحبا",
    "CJK 東京 中文 日本語 한국어", "combining e\u0301 a\u0308 \u0915\u094d\u0937",
    "nonchar \ufffe \uffff end", "\ufeffBOM first", "bidi \u202e override \u202c",
    "backslash \\ \\n \\\\", "null-ish NULL null \\N", "  spaces around  ",
    "Zoë Ольга Ελληνικά", "literal _x000D_ and _x005F_ (OOXML escapes)", "\u2028line sep\u2029para", "nbsp\u00a0and\u200bzwsp",
]
ASTRAL = ["😀", "𝔘", "𠀀", "👨‍👩‍👧‍👦"]
RANDOM_ALPHABET = (list("abcXYZ019 ,;\"'=+-@\t\r\n\\") + ["\x01", "\x1f", "\x7f", "é", "ß",
                   "Ж", "ש", "م", "東", "한", "\u0301", "\u200d", "\ufffe", "\uffff", "\ufeff",
                   "😀", "𝔘", "𠀀", "🏽"])


def text_of_bytes(n, salt):
    """A string of exactly n UTF-8 bytes mixing 1-4 byte characters, so that
    multi-byte characters straddle buffer boundaries (256, 4096 …)."""
    parts, size, k = [], 0, salt
    pieces = ["a", "é", "東", "😀", ",", '"', "\n", "b", "ß", "\r\n", "ש"]
    while True:
        p = pieces[k % len(pieces)]
        k += 1
        b = len(p.encode())
        if size + b > n:
            break
        parts.append(p)
        size += b
    parts.append("z" * (n - size))
    s = "".join(parts)
    assert len(s.encode()) == n
    return s


def wkb_point(x, y, srid=0):
    """A POINT as MariaDB holds a GEOMETRY: SRID (4 bytes), then WKB
    (POINT(0 0) is all bytes below 0x80: valid UTF-8 with NULs)."""
    return struct.pack("<IBIdd", srid, 1, 1, x, y)


def special_rows():
    """Rows as dicts column -> Python value (None: NULL). Values are what is
    inserted; the expectation is always re-read from the database."""
    rows = [dict.fromkeys(NAMES)]                                     # NULL everywhere
    lo = {n: INT_RANGE[n][0] for n in INT_RANGE}
    hi = {n: INT_RANGE[n][1] for n in INT_RANGE}
    rows.append({**lo, "dec": "-" + "9" * 35 + "." + "9" * 30, "f": -3.4028234663852886e38,
                 "d": -1.7976931348623157e308, "b": 0, "dt": "0001-01-01",
                 "dtm": "0001-01-01 00:00:00.000000", "ts": "1970-01-01 00:00:01.000000",
                 "tm": "-838:59:59.999999", "yr": 1901, "ch": "", "vc": "", "tx": "",
                 "mt": "", "lt": "", "en": "", "st": "", "js": "null", "bn": b"",
                 "vb": b"", "bl": b""})
    rows.append({**hi, "dec": "9" * 35 + "." + "9" * 30, "f": 3.4028234663852886e38,
                 "d": 1.7976931348623157e308, "b": 2**64 - 1, "dt": "9999-12-31",
                 "dtm": "9999-12-31 23:59:59.999999", "ts": "2038-01-19 03:14:07.999999",
                 "tm": "838:59:59.999999", "yr": 2155, "ch": "東" * 255,
                 "vc": "😀" * 5000, "js": '{"a":[1,2.5,-0.0,1e300,"x\\u0000y"],"b":{"c":null}}',
                 "bn": b"\xff" * 16, "vb": bytes(range(256)) + b"\x00" * 44,
                 "bl": bytes(range(256)) * 3})
    rows.append({"bo": 0, "ti": 0, "tiu": 0, "si": -1, "siu": 1, "mi": 0, "miu": 0, "i": -1, "iu": 1,
                 "bi": -1, "biu": 2**63, "dec": "0.000000000000000000000000000001",
                 "f": 1.401298464324817e-45, "d": 5e-324, "b": 2**63, "dt": "0999-12-31",
                 "dtm": "0999-12-31 23:59:59.000001", "ts": "2000-02-29 12:00:00.000000",
                 "tm": "-00:00:00.000001", "yr": 0, "js": "[]", "bn": b"\x00" * 16,
                 "vb": b"\xfb\xff\xbf", "bl": b"\x00"})
    rows.append({"bo": 1, "bi": 2**53 + 1, "biu": 2**63 + 1, "dec": "-0.100000000000000000000000000000",
                 "f": 0.1, "d": 0.1, "b": 2**53 + 1, "dt": "1899-12-31",
                 "dtm": "1900-01-01 00:00:00.000000", "ts": "2024-03-31 01:59:59.500000",
                 "tm": "24:00:00.000000", "yr": 1999, "js": '"text"', "vb": b">>>?"})
    rows.append({"bo": 2, "bi": -2**53 - 1, "dec": "12345678901234567890123456789012345.000000000000000000000000000001",
                 "f": -2.5, "d": -0.0, "b": 1, "dt": "1900-02-28", "dtm": "1900-02-28 23:59:59.999999",
                 "tm": "100:00:00.5", "js": '{"k": 1.10, "e": 1E2, "s": "\\ud83d\\ude00"}'})
    rows.append({"dec": "0.1", "d": 2.2250738585072014e-308, "f": 16777217.0,
                 "dt": "1900-03-01", "dtm": "2024-12-31 23:59:59.123456",
                 "tm": "-25:30:00"})
    rows.append({"d": 0.1 + 0.2, "f": 1 / 3, "dtm": "2100-06-15 08:00:00.000001",
                 "dt": "2100-02-28", "tm": "00:00:00", "g": wkb_point(0.0, 0.0)})
    rows.append({"g": wkb_point(1.0, -2.5, srid=4326)})
    # Dates MariaDB stores without NO_ZERO_DATE / NO_ZERO_IN_DATE and with
    # ALLOW_INVALID_DATES: none is a date, each is null with a warning.
    rows.append({"dt": "0000-00-00", "dtm": "0000-00-00 00:00:00", "ts": "0000-00-00 00:00:00"})
    rows.append({"dt": "2024-00-15", "dtm": "2024-02-00 10:00:00.5"})
    rows.append({"dt": "2023-02-29", "dtm": "2024-04-31 23:59:59.999999"})
    rows.append({"dt": "0000-01-01", "dtm": "0000-00-00 12:34:56"})
    # Text around the source's 256-byte buffer and far beyond, several long
    # columns in one row (the bug: the second long column arrived wrong).
    for n in (255, 256, 257, 4096):
        rows.append({"vc": text_of_bytes(n, 1), "tx": text_of_bytes(n, 2),
                     "mt": text_of_bytes(n, 3), "lt": text_of_bytes(n, 4),
                     "js": json.dumps({"s": text_of_bytes(n, 5)}),
                     "bl": bytes((i * 7) % 256 for i in range(n)), "i": n})
    rows.append({"tx": text_of_bytes(65535, 6), "mt": text_of_bytes(70000, 7),
                 "lt": text_of_bytes(70000, 8), "vc": text_of_bytes(257, 9),
                 "bl": bytes(i % 251 for i in range(65535))})
    rows.append({"mt": text_of_bytes(1000000, 10), "lt": text_of_bytes(1000000, 11),
                 "tx": text_of_bytes(300, 12), "vc": "after a megabyte"})
    # Excel: 32,767 UTF-16 units exactly (fits), one more (cut), astral at the edge.
    rows.append({"mt": "x" * 32767, "lt": "x" * 32768, "tx": "x" * 32766 + "😀"})
    for k, s in enumerate(SPECIAL_TEXT):
        rows.append({"ch": s[:255], "vc": s, "tx": s[::-1], "mt": s + s, "lt": "|" + s + "|",
                     "en": ["a", "Zoë", "=1+1", "東京", "x,y", ""][k % 6],
                     "st": ["a,b", "c;,Zoë", "😀", "a,b,c;,Zoë,😀", ""][k % 5],
                     "js": json.dumps({"t": s}, ensure_ascii=k % 2 == 0), "i": k})
    return rows


def random_rows(seed, n):
    rnd = random.Random(seed)

    def rtext(maxbytes):
        want = rnd.choice([0, 1, 5, 40, 250, 255, 256, 257, 300, 600, 2000])
        want = min(want, maxbytes)
        out, size = [], 0
        while size < want:
            ch = rnd.choice(RANDOM_ALPHABET)
            out.append(ch)
            size += len(ch.encode())
        return "".join(out)

    def rdate(lo=1, hi=9999):
        d = datetime.date(rnd.randint(lo, hi), rnd.randint(1, 12), rnd.randint(1, 28))
        return "%04d-%02d-%02d" % (d.year, d.month, d.day)

    def rdate_invalid():   # a zero part, or a day past the month's end
        y, m, d = rnd.randint(0, 9999), rnd.randint(0, 12), rnd.randint(0, 31)
        if m and d and d <= days_in(y, m):
            d = 0
        return "%04d-%02d-%02d" % (y, m, d)

    def rtime():
        return "%02d:%02d:%02d.%06d" % (rnd.randint(0, 23), rnd.randint(0, 59),
                                        rnd.randint(0, 59), rnd.choice([0, rnd.randint(0, 999999)]))

    rows = []
    for _ in range(n):
        r = {}
        for name in NAMES:
            k = KIND[name]
            if rnd.random() < 0.08:
                r[name] = None
            elif k == "bool":
                r[name] = rnd.choice([0, 1, 0, 1, rnd.randint(-128, 127)])
            elif name in INT_RANGE:
                a, b = INT_RANGE[name]
                r[name] = rnd.choice([a, b, 0, rnd.randint(a, b), rnd.randint(max(a, -1000), min(b, 1000))])
            elif k == "dec":
                ip = rnd.randint(0, 35)
                r[name] = (rnd.choice(["", "-"]) + (str(rnd.randint(0, 10**ip - 1)) if ip else "0")
                           + "." + "".join(rnd.choice("0123456789") for _ in range(rnd.randint(0, 30))))
                r[name] = r[name].rstrip(".")
            elif k == "f32":
                while True:
                    x = struct.unpack("<f", struct.pack("<I", rnd.getrandbits(32)))[0]
                    if x == x and abs(x) != float("inf"):
                        break
                r[name] = x
            elif k == "f64":
                while True:
                    x = struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0]
                    if x == x and abs(x) != float("inf"):
                        break
                r[name] = rnd.choice([x, rnd.uniform(-1e6, 1e6), rnd.randint(-10**9, 10**9) / 100])
            elif k == "bit":
                r[name] = rnd.getrandbits(64)
            elif name == "dt":
                r[name] = rdate() if rnd.random() < 0.95 else rdate_invalid()
            elif name == "dtm":
                r[name] = (rdate(1000) if rnd.random() < 0.95 else rdate_invalid()) + " " + rtime()
            elif name == "ts":
                r[name] = rdate(1971, 2037) + " " + rtime()
            elif k == "time":
                us = rnd.randint(-838 * 3600 * 10**6, 838 * 3600 * 10**6)
                if rnd.random() < 0.5:
                    us -= us % 10**6
                sign, us = ("-" if us < 0 else ""), abs(us)
                r[name] = "%s%d:%02d:%02d.%06d" % (sign, us // 3600000000, us // 60000000 % 60,
                                                   us // 1000000 % 60, us % 1000000)
            elif k == "year":
                r[name] = rnd.choice([0, rnd.randint(1901, 2155)])
            elif name == "ch":
                r[name] = rtext(255)[:255]
            elif name == "en":
                r[name] = rnd.choice(["a", "Zoë", "=1+1", "東京", "x,y", ""])
            elif name == "st":
                r[name] = ",".join(x for x in ["a", "b", "Zoë", "😀"] if rnd.random() < 0.4)
            elif k == "text":
                r[name] = rtext(65535)
                if name == "vc":
                    r[name] = r[name][:5000]
            elif k == "json":
                r[name] = json.dumps({"t": rtext(400), "n": rnd.randint(-2**63, 2**63),
                                      "f": rnd.random(), "l": [None, True, rnd.random() * 1e300]},
                                     ensure_ascii=rnd.random() < 0.5)
            elif name == "bn":
                r[name] = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 16)))
            elif name == "vb":
                r[name] = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 300)))
            elif name == "g":
                r[name] = wkb_point(*(struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(62)))[0]
                                      for _ in range(2)))
            elif name == "bl":
                r[name] = bytes(rnd.getrandbits(8) for _ in range(rnd.choice([0, 3, 255, 256, 257, 5000])))
        rows.append(r)
    return rows


# ---- the database --------------------------------------------------------------
def days_in(y, m):
    return [31, 29 if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0) else 28, 31, 30, 31, 30, 31, 31,
            30, 31, 30, 31][m - 1]


def is_date(db):
    """A database date or datetime's text names a day of the calendar
    (year 0 included): not the zero date, no zero month or day, no day past
    its month's end."""
    y, m, d = int(db[0:4]), int(db[5:7]), int(db[8:10])
    return 1 <= m <= 12 and 1 <= d <= days_in(y, m)


# (id, column) of the values source-mysql must export as null with a
# warning: dates that are no dates (load() fills it).
SOURCE_WARNED = set()


def source_expected(names):
    """SOURCE_WARNED as (row, column index) warnings of an export of `names`."""
    return {(i, names.index(n)) for i, n in SOURCE_WARNED if n in names}


def connect_args():
    import MySQLdb
    if os.environ.get("FERRY_TEST_DB_DIR"):
        sock = os.path.join(os.environ["FERRY_TEST_DB_DIR"], "mysqld.sock")
        name = "ferry_t_fidelity_%d" % os.getpid()
        root = MySQLdb.connect(unix_socket=sock, user="root", charset="utf8mb4")
        root.cursor().execute("DROP DATABASE IF EXISTS `%s`" % name)
        root.cursor().execute("CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" % name)
        root.close()
        url = "mysql://ferry:ferry@localhost/%s?socket=%s" % (name, sock)
        return dict(unix_socket=sock, user="ferry", passwd="ferry", db=name), url, name
    url = os.environ.get("FERRY_DATABASE_URL")
    if not url:
        return None, None, None
    u = urllib.parse.urlparse(url)
    q = urllib.parse.parse_qs(u.query)
    args = dict(user=urllib.parse.unquote(u.username or ""), passwd=urllib.parse.unquote(u.password or ""),
                db=u.path.lstrip("/"))
    if "socket" in q:
        args["unix_socket"] = q["socket"][0]
    else:
        args["host"] = u.hostname or "localhost"
        args["port"] = u.port or 3306
    return args, url, None


def exact_expr(name):
    k = KIND[name]
    if k in ("text", "json", "bin"):
        return "HEX(`%s`)" % name
    if k == "bit":
        return "CAST(`%s` + 0 AS CHAR)" % name
    if k == "f32":
        return "CAST(CAST(`%s` AS DOUBLE) AS CHAR)" % name
    return "CAST(`%s` AS CHAR)" % name


def load(conn, rows):
    cur = conn.cursor()
    cur.execute("SET time_zone = '+00:00', "
                "sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,ALLOW_INVALID_DATES'")
    cur.execute("DROP TABLE IF EXISTS fidelity")
    cur.execute("CREATE TABLE fidelity (id INT PRIMARY KEY, %s) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                % ", ".join("`%s` %s" % (n, t) for n, t, _ in COLUMNS))
    sql = "INSERT INTO fidelity (id, %s) VALUES (%s)" % (
        ", ".join("`%s`" % n for n in NAMES), ", ".join(["%s"] * (len(NAMES) + 1)))
    for i, r in enumerate(rows, 1):
        vals = [i]
        for n in NAMES:
            v = r.get(n)
            if isinstance(v, float):
                v = repr(v)   # shortest round-trip text; the server parses it exactly
            vals.append(v)
        cur.execute(sql, vals)
    conn.commit()
    # What the database holds, fetched exactly.
    cur.execute("SELECT id, %s FROM fidelity ORDER BY id" % ", ".join(exact_expr(n) for n in NAMES))
    truth = []
    for rec in cur.fetchall():
        row = {"id": rec[0]}
        for n, v in zip(NAMES, rec[1:]):
            if v is not None and KIND[n] in ("text", "json"):
                v = bytes.fromhex(v).decode("utf-8")   # strict: the column holds valid UTF-8
            elif v is not None and KIND[n] == "bin":
                v = bytes.fromhex(v)
            elif isinstance(v, bytes):
                v = v.decode()
            if v is not None and KIND[n] in ("date", "ts") and not is_date(v):
                SOURCE_WARNED.add((row["id"], n))
                v = None   # no date: null, with source-mysql's warning
            row[n] = v
        truth.append(row)
    return truth


# ---- the rendering contract -------------------------------------------------------
def iso_ts(db):  # "YYYY-MM-DD HH:MM:SS[.ffffff]" -> ISO 8601 with offset
    date, clock = db.split(" ")
    if "." in clock:
        hms, frac = clock.split(".")
        clock = hms if int(frac) == 0 else hms + "." + frac.ljust(6, "0")
    return "%sT%s+00:00" % (date, clock)


def duration(db):  # "-838:59:59.999999" -> "-838:59:59.999999"; "01:02:03.000000" -> "1:02:03"
    m = re.fullmatch(r"(-?)(\d+):(\d\d):(\d\d)(?:\.(\d+))?", db)
    sign, h, mi, s, frac = m.groups()
    us = ((int(h) * 60 + int(mi)) * 60 + int(s)) * 10**6 + int((frac or "0").ljust(6, "0")[:6])
    if us == 0:
        sign = ""
    out = "%s%d:%s:%s" % (sign, int(h), mi, s)
    return out + ("." + (frac or "").ljust(6, "0")[:6] if us % 10**6 else "")


def duration_us(db):
    m = re.fullmatch(r"(-?)(\d+):(\d\d):(\d\d)(?:\.(\d+))?", db)
    sign, h, mi, s, frac = m.groups()
    us = ((int(h) * 60 + int(mi)) * 60 + int(s)) * 10**6 + int((frac or "0").ljust(6, "0")[:6])
    return -us if sign else us


def expect_text(name, v, b64=True):
    """The text rendering of a database value (CSV, PDF, JSON strings)."""
    k = KIND[name]
    if v is None:
        return ""
    if k == "bin":
        return v.hex() if not b64 else base64.b64encode(v).decode()
    if k == "bool":
        return {"0": "false", "1": "true"}.get(v, v)   # TINYINT(1): 0/1 are booleans, others integers
    if k == "ts":
        return iso_ts(v)
    if k == "time":
        return duration(v)
    if k == "year":
        return str(int(v))
    return v if isinstance(v, str) else str(v)


def float_ok(name, want_db, got_text):
    """A float read back bit-exact (FLOAT: the float32 value, read either as
    the widened double or as any text that rounds to the same float32)."""
    try:
        g = float(got_text)
    except (TypeError, ValueError):
        return False
    w = float(want_db)
    if struct.pack("<d", g) == struct.pack("<d", w):
        return True
    if KIND[name] == "f32":
        try:
            return struct.pack("<f", g) == struct.pack("<f", w)
        except OverflowError:
            return False
    return False


def json_equal(a_text, b_text):
    try:
        a = json.loads(a_text, parse_float=decimal.Decimal, parse_int=decimal.Decimal)
        b = json.loads(b_text, parse_float=decimal.Decimal, parse_int=decimal.Decimal)
    except (ValueError, TypeError):
        return False
    return a == b and json.dumps(a, default=str) == json.dumps(b, default=str)


def text_equal(name, want, got):
    """Text-format comparison of one value: want is the database value."""
    k = KIND[name]
    if want is None:
        return got == ""
    if k in ("f32", "f64"):
        return float_ok(name, want, got)
    if k == "json":
        return json_equal(want, got)
    return got == expect_text(name, want)


GUARD = re.compile(r"'*[=+\-@\t\r]")      # format-csv guards what matches this
UNGUARD = re.compile(r"''*[=+\-@\t\r]")   # a reader strips one ' from what matches this


def csv_expect(name, want, b64=True):
    """format-csv's default formula_guard: a string value with a formula
    character (= + - @ TAB CR) first, or after leading quotes, gets one
    more leading ' (numbers, dates … never), so that the guard can be undone."""
    t = expect_text(name, want, b64)
    if want is not None and KIND[name] in ("text", "json", "bin") and GUARD.match(t):
        return "'" + t
    return t


def csv_unguard(cell):
    """What a reader recovers: one leading ' stripped when ' is followed by
    more quotes and a formula character."""
    return cell[1:] if UNGUARD.match(cell) else cell


# ---- consumers and checkers ---------------------------------------------------------
class Report:
    def __init__(self, maxn):
        self.compared, self.mismatch, self.reported = {}, {}, {}
        self.lines, self.maxn = [], maxn
        self.classes = {}

    def count(self, fmt, n=1):
        self.compared[fmt] = self.compared.get(fmt, 0) + n

    def bad(self, fmt, row, col, want, got, why=""):
        self.mismatch[fmt] = self.mismatch.get(fmt, 0) + 1
        key = (fmt, col, why)
        self.classes.setdefault(key, [0, row, want, got])[0] += 1
        if self.mismatch[fmt] <= self.maxn:
            self.lines.append("MISMATCH %s row=%s column=%s%s: want %s got %s%s" % (
                fmt, row, col, " (%s)" % why if why else "", short(want), short(got), where(want, got)))

    def loss(self, fmt, n=1):
        self.reported[fmt] = self.reported.get(fmt, 0) + n


def where(want, got):
    """Where two long texts first differ."""
    if not (isinstance(want, str) and isinstance(got, str)) or len(want) + len(got) <= 2 * TRUNC:
        return ""
    i = 0
    while i < min(len(want), len(got)) and want[i] == got[i]:
        i += 1
    return "; first difference at character %d: want %s got %s" % (
        i, short(want[max(0, i - 10):i + 30]), short(got[max(0, i - 10):i + 30]))


def short(v):
    if isinstance(v, str):
        r = repr(v[:TRUNC] + ("…" if len(v) > TRUNC else ""))
        return r + ("[%d chars]" % len(v) if len(v) > TRUNC else "")
    r = repr(v)
    return r[:TRUNC + 20] + ("…" if len(r) > TRUNC + 20 else "")


def check_csv(path, truth, rep, fmt, opener, b64=True):
    import csv
    cols = ["id"] + NAMES
    import io
    csv.field_size_limit(sys.maxsize)
    try:
        with opener(path) as f:
            raw = f.read()
        try:
            data = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            rep.bad(fmt, "file", "*", "UTF-8", "invalid UTF-8 at byte %d" % e.start, "invalid UTF-8")
            data = raw.decode("utf-8", errors="replace")   # and compare value by value
        rd = csv.reader(io.StringIO(data, newline=""), strict=True)
        header = next(rd)
        got_rows = list(rd)
    except (csv.Error, OSError, StopIteration) as e:
        rep.bad(fmt, "file", "*", "strict CSV", "%s: %s" % (type(e).__name__, e))
        return
    if header != cols:
        rep.bad(fmt, "header", "*", cols, header)
    if len(got_rows) != len(truth):
        rep.bad(fmt, "count", "*", len(truth), len(got_rows), "row count")
    for t, g in zip(truth, got_rows):
        if len(g) != len(cols):
            rep.bad(fmt, t["id"], "*", len(cols), len(g), "field count")
            continue
        for n, gv in zip(cols, g):
            rep.count(fmt)
            if n == "id":
                if gv != str(t["id"]):
                    rep.bad(fmt, t["id"], n, str(t["id"]), gv)
                continue
            want = t[n]
            if KIND[n] == "json" and want is not None:
                if not json_equal(want, csv_unguard(gv)) or (gv != csv_unguard(gv)) != (
                        csv_expect(n, want) != want):
                    rep.bad(fmt, t["id"], n, csv_expect(n, want), gv, "JSON text")
            elif KIND[n] in ("f32", "f64") or want is None:
                if not text_equal(n, want, gv):
                    rep.bad(fmt, t["id"], n, csv_expect(n, want), gv, KIND[n] if want is not None else "null")
            elif gv != csv_expect(n, want, b64) or csv_unguard(gv) != expect_text(n, want, b64):
                rep.bad(fmt, t["id"], n, csv_expect(n, want, b64), gv, KIND[n])


class Raw(str):
    """A JSON number token, verbatim."""


class RawFloat(Raw):
    """A number token json.loads reads as a float (a point or an exponent):
    a DOUBLE written "-0" or "3" would reach a plain reader as an int."""


def check_json(path, truth, rep, fmt, ndjson):
    with open(path, encoding="utf-8", newline="") as f:
        data = f.read()
    hooks = dict(parse_float=RawFloat, parse_int=Raw)

    def strict_const(c):
        raise ValueError("non-JSON constant " + c)
    hooks["parse_constant"] = strict_const
    try:
        if ndjson:
            lines = data.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            got_rows = [json.loads(line, **hooks) for line in lines]
        else:
            got_rows = json.loads(data, **hooks)
    except ValueError as e:
        rep.bad(fmt, "file", "*", "valid JSON", str(e))
        return
    if len(got_rows) != len(truth):
        rep.bad(fmt, "count", "*", len(truth), len(got_rows), "row count")
    for t, g in zip(truth, got_rows):
        if list(g.keys()) != ["id"] + NAMES:
            rep.bad(fmt, t["id"], "*", ["id"] + NAMES, list(g.keys()), "keys")
        rep.count(fmt)
        if g.get("id") != str(t["id"]) or not isinstance(g.get("id"), Raw):
            rep.bad(fmt, t["id"], "id", t["id"], g.get("id"))
        for n in NAMES:
            rep.count(fmt)
            want, gv = t[n], g.get(n, "<missing>")
            ok, why, shown = json_value_ok(n, want, gv)
            if not ok:
                rep.bad(fmt, t["id"], n, shown, gv, why)


def same_json(a, b):
    """Equal JSON values of the same types, recursively (keys in order)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, decimal.Decimal):
        return a == b and a.is_signed() == b.is_signed()
    return a == b


def json_value_ok(n, want, gv):
    """(ok, mismatch class, wanted rendering) for one JSON value."""
    k = KIND[n]
    if want is None:
        return gv is None, "null", None
    if k == "bool" and want in ("0", "1"):
        return gv is (want == "1"), "boolean", want == "1"
    if k in ("int", "bit", "year", "bool"):
        w = str(int(want))
        if isinstance(gv, Raw):
            return gv == w, "number", w
        return False, "integer as %s" % type(gv).__name__, w
    if k == "dec":
        # the exact digits: a string (decimals_as = "string") or a number token
        return isinstance(gv, str) and gv == want, "decimal", want
    if k in ("f32", "f64"):
        return isinstance(gv, RawFloat) and float_ok(n, want, gv), "float", want
    if k == "json":
        # nested JSON, compared parsed (numbers as exact decimals)
        def norm(x):
            if isinstance(x, Raw):
                return decimal.Decimal(x)
            if isinstance(x, dict):
                return {a: norm(b) for a, b in x.items()}
            if isinstance(x, list):
                return [norm(b) for b in x]
            return x
        # the document json.loads(want): a str only when the document is a
        # JSON string; types compared too (True is not 1, "1" is not 1)
        w = norm(json.loads(want, parse_float=Raw, parse_int=Raw))
        return same_json(norm(gv), w), "nested JSON", want
    w = expect_text(n, want)
    return isinstance(gv, str) and not isinstance(gv, Raw) and gv == w, "text", w


# -- Excel --------------------------------------------------------------------------
class XNum(str):
    """An Excel number cell's text, verbatim."""


class XDate:
    def __init__(self, serial, td):
        self.serial, self.td = serial, td

    def __repr__(self):
        return "serial(%s%s)" % (self.serial, ", duration" if self.td else "")


EXCEL_EPOCH = datetime.datetime(1899, 12, 30)


def serial_ms(serial):
    """An Excel serial (its exact text) as whole milliseconds since
    1899-12-30, rounded to the nearest millisecond, as Excel and openpyxl
    read a datetime."""
    return int((decimal.Decimal(str(serial)) * 86400000).to_integral_value(rounding=decimal.ROUND_HALF_EVEN))


def serial_us(serial):
    """A duration serial (days) as microseconds, to the nearest microsecond."""
    return int((decimal.Decimal(str(serial)) * 86400 * 10**6).to_integral_value(rounding=decimal.ROUND_HALF_EVEN))


def excel_datetime(serial):
    """The datetime Excel shows for a serial of the 1900 date system, to the
    millisecond: days since 1899-12-30, except that serials below 60 count
    from 1899-12-31 (Excel's phantom 1900-02-29 is serial 60: None)."""
    ms = serial_ms(serial)
    day = ms // 86400000
    if day == 60 or day < 1:
        return None
    base = datetime.datetime(1899, 12, 31 if day < 60 else 30)
    return base + datetime.timedelta(milliseconds=ms)


def db_datetime(n, want):
    if KIND[n] == "date":
        return datetime.datetime.strptime(want, "%Y-%m-%d")
    return datetime.datetime.strptime(want if "." in want else want + ".0", "%Y-%m-%d %H:%M:%S.%f")


def ooxml_unescape(s):
    """Excel reads _xHHHH_ in cell text as the character U+HHHH (ECMA-376
    ST_Xstring), left to right, so "_x005F_" before "_xHHHH_" keeps the
    latter literal; openpyxl 3.0 leaves inline strings escaped, so the
    harness decodes as Excel does."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), s)


def utf16_units(s):
    return len(s.encode("utf-16-le")) // 2


XLSX_CUT_MARK = "[\u2026]"   # format-xlsx's XLSX_CUT_MARK
XLSX_LITERAL_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")


def xlsx_cut(w):
    """format-xlsx's xlsx_cell_text: (text Excel shows, cut?). The text is
    cut on a character boundary when it is over 32,767 UTF-16 units, or its
    escaped form (NUL, U+FFFE, U+FFFF and a '_' starting literal _xHHHH_
    are 7 characters each, as libxlsxwriter counts them) over 32,767
    characters; it then keeps what fits in 32,767 - 3 of both and ends
    with the mark."""
    soft = XLSX_CELL_MAX - len(XLSX_CUT_MARK)
    units = chars = 0
    soft_i = None
    for i, c in enumerate(w):
        u = 2 if ord(c) > 0xFFFF else 1
        pc = 7 if c in "\x00\ufffe\uffff" or (c == "_" and XLSX_LITERAL_ESCAPE.match(w, i)) else 1
        if soft_i is None and (units + u > soft or chars + pc > soft):
            soft_i = i
        if units + u > XLSX_CELL_MAX or chars + pc > XLSX_CELL_MAX:
            return w[:soft_i] + XLSX_CUT_MARK, True
        units += u
        chars += pc
    return w, False


def load_xlsx(path):
    import openpyxl
    import openpyxl.worksheet._reader as rd
    rd._cast_number = XNum
    rd.from_excel = lambda value, epoch=None, timedelta=False: XDate(value, timedelta)
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = []
    for ws in wb.worksheets:
        rows.extend(list(r) for r in ws.iter_rows(values_only=True))
    return rows


def dec_as_double(text):
    """format-xlsx's rule: a DECIMAL is a number when the double's shortest
    text is the same decimal value (1E-30 for 0.000…001), else exact text."""
    try:
        return decimal.Decimal(repr(float(text))) == decimal.Decimal(text)
    except (ValueError, decimal.InvalidOperation):
        return False


def xnum_is(gv, text):
    """An Excel number cell holding exactly the value of the decimal text."""
    try:
        return (isinstance(gv, XNum) and decimal.Decimal(repr(float(gv))) == decimal.Decimal(text)
                and str(gv).startswith("-") == text.startswith("-"))
    except (ValueError, decimal.InvalidOperation):
        return False


def xlsx_value_ok(n, want, gv):
    """(ok, class, wanted, warned) for one Excel cell: warned when the
    contract has format-xlsx report the cell (exactly one warning)."""
    k = KIND[n]
    if want is None:
        return gv is None, "null", None, False
    if k == "bool" and want in ("0", "1"):
        return gv is (want == "1"), "boolean", want == "1", False
    if k in ("int", "bit", "year", "bool"):
        w = int(want)
        if w > 2**63 - 1:     # arrives as a decimal (source-mysql): the DECIMAL rule
            if dec_as_double(str(w)):
                return xnum_is(gv, str(w)), "integer above 2^63 as number", str(w), False
            return gv == str(w) and not isinstance(gv, XNum), "integer above 2^63 as text", str(w), False
        if abs(w) <= 2**53:
            return xnum_is(gv, str(w)), "integer as number", str(w), False
        return gv == str(w) and not isinstance(gv, XNum), "integer beyond 2^53 as text", str(w), False
    if k == "dec":
        if dec_as_double(want):
            return xnum_is(gv, want), "decimal as number", want, False
        return gv == want and not isinstance(gv, XNum), "decimal as exact text", want, False
    if k in ("f32", "f64"):
        return isinstance(gv, XNum) and float_ok(n, want, gv), "float", want, False
    if k in ("date", "ts"):
        text = expect_text(n, want) if k == "ts" else want
        if want.startswith("0000-"):   # year 0: no Python datetime, no Excel date
            ok = gv == text and not isinstance(gv, XNum)
            return ok, "date outside 1900-01-01..9999-12-31 as text", text, True
        d = db_datetime(n, want)
        us = d.microsecond
        # the nearest millisecond (half up); Excel has 1900-01-01 .. 9999-12-31
        try:
            r = d.replace(microsecond=0) + datetime.timedelta(milliseconds=(us + 500) // 1000)
        except OverflowError:   # 9999-12-31 23:59:59.9995 and later
            r = None
        if r is None or not datetime.datetime(1900, 1, 1) <= r:
            ok = gv == text and not isinstance(gv, XNum)
            return ok, "date outside 1900-01-01..9999-12-31 as text", text, True
        got = excel_datetime(gv.serial) if isinstance(gv, XDate) and not gv.td else None
        if got is None:
            return False, "date as serial", r.isoformat(sep=" ", timespec="milliseconds"), us % 1000 != 0
        if k == "date" and decimal.Decimal(str(gv.serial)) != int(decimal.Decimal(str(gv.serial))):
            return False, "date serial with a time", want, False
        return got == r, "date serial" + (" to the millisecond" if us % 1000 else ""), \
            r.isoformat(sep=" ", timespec="milliseconds"), us % 1000 != 0
    if k == "time":
        # a time value in days to the nearest millisecond (half away from zero), as a timestamp
        us = duration_us(want)
        ms = (abs(us) + 500) // 1000 * (1 if us >= 0 else -1)
        if isinstance(gv, XDate):
            return serial_us(gv.serial) == ms * 1000, "duration serial" + (
                " to the millisecond" if us % 1000 else ""), duration(want), us % 1000 != 0
        if isinstance(gv, XNum):
            return False, "duration as plain number", duration(want), False
        return gv == duration(want), "duration as text", duration(want), False
    w, cut = xlsx_cut(expect_text(n, want))
    if isinstance(gv, XNum):
        return False, "text as number", w, cut
    g = "" if gv is None else gv
    if not isinstance(g, str):
        return False, "text as " + type(g).__name__, w, cut
    return ooxml_unescape(g) == w, "text cut with the mark" if cut else "text", w, cut


def check_xlsx(path, truth, rep, fmt, warnings):
    try:
        rows = load_xlsx(path)
    except Exception as e:  # noqa: BLE001 — any reader failure is the finding
        rep.bad(fmt, "file", "*", "a workbook openpyxl reads", "%s: %s" % (type(e).__name__, e))
        return
    cols = ["id"] + NAMES
    header = [r for r in rows if r and r[0] == "id"]
    data = [r for r in rows if r and r[0] != "id"]
    if not header or header[0] != cols:
        rep.bad(fmt, "header", "*", cols, header[0] if header else None)
    if len(data) != len(truth):
        rep.bad(fmt, "count", "*", len(truth), len(data), "row count")
    expected = set()
    for t, g in zip(truth, data):
        g = list(g) + [None] * (len(cols) - len(g))
        rep.count(fmt)
        if not (isinstance(g[0], XNum) and g[0] == str(t["id"])):
            rep.bad(fmt, t["id"], "id", t["id"], g[0])
        for ci, n in enumerate(NAMES, 1):
            rep.count(fmt)
            want, gv = t[n], g[ci]
            ok, why, shown, lossy = xlsx_value_ok(n, want, gv)
            if lossy:
                expected.add((t["id"], ci))
            if not ok:
                rep.bad(fmt, t["id"], n, shown, gv, why)
            elif lossy:
                rep.loss(fmt)
    check_warnings(rep, fmt, expected | source_expected(cols), warnings)


def check_warnings(rep, fmt, expected, warnings, names=None):
    """Every expected loss has exactly one warning for its (row, column),
    and every warning is an expected loss."""
    got = {}
    for row, col, msg in warnings:
        got.setdefault((row, col), []).append(msg)
    names = names or ["id"] + NAMES
    name = lambda col: names[col] if 0 <= col < len(names) else str(col)
    for cell in sorted(expected):
        if cell not in got:
            rep.bad(fmt, cell[0], name(cell[1]), "a warning", None, "loss not reported as a warning")
    for cell, msgs in sorted(got.items()):
        if cell not in expected:
            rep.bad(fmt, cell[0], name(cell[1]), "no warning", msgs[0], "unexplained warning")
        elif len(msgs) != 1:
            rep.bad(fmt, cell[0], name(cell[1]), "one warning", msgs, "warned %d times" % len(msgs))


# -- PDF ----------------------------------------------------------------------------
# format-pdf draws each cell's lines in turn, row by row, after a page header
# (title, "Generated …", the column labels) and before "Page N of M"; text is
# shaped by its policy (pdf_text.c): invalid UTF-8 and characters no font has
# -> U+FFFD, a whole emoji/ZWJ cluster -> one U+FFFD, controls -> Control
# Pictures (DEL U+2421, C1 U+FFFD), TAB -> space, line breaks (LF CR CRLF VT
# FF NEL U+2028 U+2029) -> space or line break; text above max_cell_chars cut
# with a mark; right-to-left text shaped (Arabic presentation forms) and
# drawn line by line in visual order (GNU FriBidi).
PDF_MAX_CELL_CHARS = 32767   # format-pdf's default max_cell_chars


def pdf_default_fonts():
    """format-pdf's default font, then its default fallback_fonts, as
    `ferry plugins info format-pdf` states them (a list written here went
    stale when the defaults gained Devanagari and Thai)."""
    env = dict(os.environ)
    if env.get("FERRY_PLUGIN_DIR"):
        env["FERRY_PLUGIN_PATH"] = env["FERRY_PLUGIN_DIR"]
    out = subprocess.run([os.environ["FERRY"], "plugins", "info", "format-pdf"],
                         capture_output=True, text=True, check=True, env=env).stdout
    want = {}
    for name in ("font", "fallback_fonts"):
        m = re.search(r"^  %s  \((?:string|list), default \"([^\"]*)\"\)$" % name, out, re.M)
        if not m:
            sys.exit("fidelity: no default %s in `ferry plugins info format-pdf`" % name)
        want[name] = m.group(1)
    return [want["font"]] + want["fallback_fonts"].split(",")


def cmap_bmp(path):
    """The BMP characters a TrueType font maps to a glyph other than 0
    (its format-4 cmap, as libharu reads it)."""
    with open(path, "rb") as f:
        d = f.read()
    ntab = struct.unpack(">H", d[4:6])[0]
    tables = {d[12 + 16 * i:16 + 16 * i]: struct.unpack(">I", d[20 + 16 * i:24 + 16 * i])[0] for i in range(ntab)}
    cm = tables[b"cmap"]
    sub = None
    for i in range(struct.unpack(">H", d[cm + 2:cm + 4])[0]):
        pid, eid, off = struct.unpack(">HHI", d[cm + 4 + 8 * i:cm + 12 + 8 * i])
        if struct.unpack(">H", d[cm + off:cm + off + 2])[0] == 4 and (pid, eid) in ((3, 1), (0, 3), (0, 4)):
            sub = cm + off
            break
    segx2 = struct.unpack(">H", d[sub + 6:sub + 8])[0]
    n = segx2 // 2
    arr = lambda k: struct.unpack(">%dH" % n, d[sub + 14 + k * segx2 + (2 if k else 0):][:segx2])
    ends, starts, deltas = arr(0), arr(1), arr(2)
    ro_at = sub + 16 + 3 * segx2
    ros = struct.unpack(">%dH" % n, d[ro_at:ro_at + segx2])
    have = set()
    for s in range(n):
        for c in range(starts[s], ends[s] + 1):
            if c == 0xFFFF:
                continue
            if ros[s] == 0:
                g = (c + deltas[s]) & 0xFFFF
            else:
                at = ro_at + 2 * s + ros[s] + 2 * (c - starts[s])
                g = struct.unpack(">H", d[at:at + 2])[0]
                g = (g + deltas[s]) & 0xFFFF if g else 0
            if g:
                have.add(c)
    return have


class Fribidi:
    """GNU FriBidi through ctypes, as pdf_text.c calls it for one paragraph."""
    def __init__(self):
        import ctypes
        self.c = ctypes
        self.lib = ctypes.CDLL("libfribidi.so.0")

    def paragraph(self, cps):
        c, lib, n = self.c, self.lib, len(cps)
        s = (c.c_uint32 * n)(*cps)
        types, btypes = (c.c_uint32 * n)(), (c.c_uint32 * n)()
        levels, jt = (c.c_int8 * n)(), (c.c_uint8 * n)()
        base = c.c_uint32(0x00000040)   # FRIBIDI_PAR_ON
        lib.fribidi_get_bidi_types(s, n, types)
        lib.fribidi_get_bracket_types(s, n, types, btypes)
        if not lib.fribidi_get_par_embedding_levels_ex(types, btypes, n, c.byref(base), levels):
            return list(cps), [0] * n
        lib.fribidi_get_joining_types(s, n, jt)
        lib.fribidi_join_arabic(types, n, levels, jt)
        lib.fribidi_shape(0x00040303, levels, n, jt, s)  # FRIBIDI_FLAGS_DEFAULT | FRIBIDI_FLAGS_ARABIC
        return list(s), list(levels)


def pdf_is_rtl(cp):
    return (0x0590 <= cp <= 0x08FF or 0xFB1D <= cp <= 0xFDFF or 0xFE70 <= cp <= 0xFEFC
            or cp in (0x200F, 0x202B, 0x202E, 0x2067))


def pdf_cluster_tail(cp, after_zwj):
    return (cp in (0x200D, 0xFE0E, 0xFE0F, 0x20E3) or 0x1F3FB <= cp <= 0x1F3FF
            or 0xE0020 <= cp <= 0xE007F or (after_zwj and cp > 0xFFFF))


def pdf_glyphs(text):
    """pdf_decode: [(cp, brk)] (brk 1 space, 2 newline) and how many
    characters were replaced (controls, emoji) — before fonts and bidi."""
    out, issues, in_cluster, after_zwj, i = [], 0, False, False, 0
    while i < len(text):
        cp = ord(text[i])
        i += 1
        if in_cluster and pdf_cluster_tail(cp, after_zwj):
            after_zwj = cp == 0x200D
            continue
        in_cluster = after_zwj = False
        if cp == 0x0D and i < len(text) and text[i] == "\n":
            continue
        brk = 0
        if cp < 0x20 or 0x7F <= cp < 0xA0 or cp in (0x2028, 0x2029):
            if cp == 0x09:
                cp, brk = 0x20, 1
            elif cp in (0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029):
                cp, brk = 0x0A, 2          # wrap mode keeps line breaks in text cells
            else:
                cp = 0x2400 + cp if cp < 0x20 else 0x2421 if cp == 0x7F else 0xFFFD
                issues += 1
        elif cp > 0xFFFF:
            cp, in_cluster = 0xFFFD, True
            issues += 1
        out.append([cp, 1 if cp == 0x20 else brk, 0])
    return out, issues


class PdfPolicy:
    def __init__(self):
        self.fonts = [cmap_bmp(p) for p in pdf_default_fonts() if os.path.exists(p)]
        self.bidi = Fribidi()

    def lines(self, text, whole):
        """The cell as drawn: a list of lines, each a list of [cp, brk, level]
        in logical order (not drawn glyphs left out), and the issue count."""
        cut = 0
        if not whole and len(text) > PDF_MAX_CELL_CHARS:
            cut = 1
            text = text[:PDF_MAX_CELL_CHARS] + "\u2026 [cut: %d of %d characters shown]" % (
                PDF_MAX_CELL_CHARS, len(text))
        g, issues = pdf_glyphs(text)
        if any(pdf_is_rtl(x[0]) for x in g):
            a = 0
            for i in range(len(g) + 1):
                if i == len(g) or g[i][1] == 2:
                    cps, lv = self.bidi.paragraph([x[0] for x in g[a:i]])
                    for k in range(a, i):
                        if cps[k - a] == 0xFEFF and g[k][0] != 0xFEFF:
                            g[k][1] = 3   # FRIBIDI_CHAR_FILL: not drawn
                        g[k][0], g[k][2] = cps[k - a] if cps[k - a] <= 0xFFFF else 0xFFFD, lv[k - a]
                    a = i + 1
        for x in g:
            if x[1] == 0 and not any(x[0] in f for f in self.fonts):
                x[0] = 0xFFFD
                issues += 1
        return g, issues + cut


def pdf_visual(glyphs):
    """Rule L2 on one line (as pdf_text.c's pdf_visual)."""
    m = list(glyphs)
    levels = [x[2] for x in m]
    if not levels:
        return m
    hi = max(levels)
    odd = [v for v in levels if v & 1]
    lo = min(odd) if odd else 256
    lv = hi
    while lv >= lo and lv > 0:
        i = 0
        while i < len(m):
            while i < len(m) and m[i][2] < lv:
                i += 1
            j = i
            while j < len(m) and m[j][2] >= lv:
                j += 1
            m[i:j] = m[i:j][::-1]
            i = j
        lv -= 1
    return m


POPPLER_MARKS = "\u202b\u202c"   # pdftotext wraps right-to-left runs in RLE … PDF: not compared


def nk(s):
    """Text as the pdftotext comparison sees it: NFKD (compatibility
    decomposition: presentation forms, ligatures and composed characters
    compare as their parts, wherever a line break or pdftotext's own
    normalisation fell), no white space, no RLE/PDF marks."""
    return "".join(c for c in unicodedata.normalize("NFKD", s)
                   if not c.isspace() and c not in POPPLER_MARKS)


def pdf_read(path, rep, fmt, labels):
    """pdftotext -raw: the page bodies (headers and footers stripped, each
    checked) as one stream of characters (nk: NFKD, whitespace out) with,
    per character, whether a line break or a word break comes before it."""
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", path, "-"], capture_output=True)
    if out.returncode:
        rep.bad(fmt, "file", "*", "pdftotext reads it", out.stderr.decode(errors="replace")[:200])
        return None
    err = out.stderr.decode(errors="replace").strip()
    if err:
        rep.bad(fmt, "file", "*", "pdftotext without complaints", err.splitlines()[0])
    pages = out.stdout.decode("utf-8", errors="replace").split("\f")[:-1]
    chars, nl, ws = [], [], []
    for k, page in enumerate(pages, 1):
        lines = page.split("\n")
        while lines and lines[-1] == "":
            lines.pop()
        head = lines[:3]
        if (len(lines) < 4 or head[0] != "Export" or not re.fullmatch(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d UTC", head[1])
                or head[2] != " ".join(labels) or lines[-1] != "Page %d of %d" % (k, len(pages))):
            rep.bad(fmt, "page %d" % k, "*", "header, labels and 'Page %d of %d'" % (k, len(pages)),
                    "\n".join(head + lines[-1:]), "page header/footer")
            continue
        for line in lines[3:-1]:
            first = True
            for word in line.split(" "):
                w = nk(word)
                for i, c in enumerate(w):
                    chars.append(c)
                    nl.append(first and i == 0)
                    ws.append(i == 0)
                first = first and not w
    return "".join(chars), nl, ws


def pdf_expect_drawn(glyphs, dtext, dnl, dpos):
    """A right-to-left cell as drawn, from dpos of the drawing-order stream:
    the drawn lines say how many glyphs each line of the cell holds (raw
    glyphs, before any normalisation); the logical glyphs are split at the
    same glyph boundaries and each line put in visual order (rule L2, as
    pdf_text.c). Spaces, line breaks and FriBidi's fillers are not compared."""
    out, gi, at, left = [], 0, dpos, sum(1 for g in glyphs if g[1] == 0)
    while left > 0 and at < len(dtext):
        end = next((i for i in range(at + 1, len(dtext)) if dnl[i]), len(dtext))
        want, line = min(end - at, left), []
        while gi < len(glyphs) and want > 0:
            line.append(glyphs[gi])
            want -= glyphs[gi][1] == 0
            left -= glyphs[gi][1] == 0
            gi += 1
        out.extend(chr(g[0]) for g in pdf_visual(line) if g[1] == 0)
        at = end
    out.extend(chr(g[0]) for g in glyphs[gi:] if g[1] == 0)   # more than was drawn: shows as a mismatch
    return "".join(out)


def pdf_read_drawn(path, rep, fmt, labels):
    """The page bodies in drawing order (content-stream order, no bidi
    heuristics), through python3-pypdf: each Tj string decoded with its
    font's ToUnicode CMap; a new line wherever the text position's y
    changes. (chars, nl, ws) as pdf_read, headers and footers stripped, but
    the characters raw: no normalisation, only spaces left out; ws: a Tj
    (a cell, or a font run within one) starts there."""
    import pypdf
    from pypdf.generic import ContentStream
    reader = pypdf.PdfReader(path)
    cmaps = {}

    def tounicode(font):
        key = font.indirect_reference.idnum if font.indirect_reference else id(font)
        if key not in cmaps:
            d = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            m = {}
            for blk in re.findall(r"beginbfrange(.*?)endbfrange", d, re.S):
                for lo, hi, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", blk):
                    for k in range(int(lo, 16), int(hi, 16) + 1):
                        m[k] = chr(int(dst, 16) + k - int(lo, 16))
            for blk in re.findall(r"beginbfchar(.*?)endbfchar", d, re.S):
                for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", blk):
                    m[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be")
            cmaps[key] = m
        return cmaps[key]

    chars, nl, ws = [], [], []
    npages = len(reader.pages)
    for k, page in enumerate(reader.pages, 1):
        fonts = {name: f.get_object() for name, f in page["/Resources"]["/Font"].items()}
        pieces, font, x, y = [], None, 0.0, 0.0
        for operands, op in ContentStream(page.get_contents(), reader).operations:
            if op == b"BT":
                x = y = 0.0
            elif op == b"Tf":
                font = tounicode(fonts[operands[0]])
            elif op == b"Td":
                x, y = x + float(operands[0]), y + float(operands[1])
            elif op == b"Tj":
                b = operands[0].original_bytes
                pieces.append((y, "".join(font.get(int.from_bytes(b[i:i + 2], "big"), "\x00")
                                          for i in range(0, len(b), 2))))
            elif op in (b"TJ", b"'", b'"'):
                rep.bad(fmt, "page %d" % k, "*", "Tj only", op.decode(), "unexpected text operator")
        texts = [p[1] for p in pieces]
        head = 2 + len(labels)
        if (len(texts) < head + 1 or texts[0] != "Export" or not texts[1].startswith("Generated ")
                or texts[2:head] != labels or texts[-1] != "Page %d of %d" % (k, npages)):
            rep.bad(fmt, "page %d" % k, "*", "header, labels, footer", texts[:head] + texts[-1:],
                    "page header/footer (drawn)")
            continue
        last_y = None
        for yy, t in pieces[head:-1]:
            t = t.replace(" ", "")   # raw glyphs, exactly as drawn; spaces are not compared
            for i, c in enumerate(t):
                chars.append(c)
                nl.append(i == 0 and yy != last_y)
                ws.append(i == 0)
            if t:
                last_y = yy
    return "".join(chars), nl, ws


def pdf_resync(text, nl, ws, start, key):
    """Where the row whose first cells read `key` (id, bi, biu: digits only,
    the same in both readers) starts: at a line start, each cell a word of
    its own. len(text) when there is none."""
    for i in range(start, len(text)):
        if nl[i] and text.startswith("".join(key), i):
            at, ok = i, True
            for k in key:
                if k:
                    ok = ok and ws[at]
                    at += len(k)
            if ok and (at == len(text) or ws[at]):
                return i
    return len(text)


def check_pdf(path, truth, rep, fmt, warnings):
    """Each value, rendered by the PDF's policy (PdfPolicy), must be the
    next text of the page bodies in two readers: in the drawing order
    (pdf_read_drawn) exactly, glyph for glyph (only spaces and line breaks
    aside: lines wrap), and in pdftotext -raw (nk: NFKD, whitespace aside).
    A cell with right-to-left text must be, in the drawing order, FriBidi's
    visual order of each drawn line, shaped (that ferry drew the visual
    order with joined letters); pdftotext reorders right-to-left words by
    its own heuristics, so there the cell must be the same characters, in
    any order. Every value the policy changes must be reported with exactly
    one warning for its row and column, and every warning be such a value.
    After a cell that is not the next text, both readers resume at the next
    row (its id, bi and biu): one defect, one mismatch."""
    got = pdf_read(path, rep, fmt, PDF_COLUMNS)
    drawn = pdf_read_drawn(path, rep, fmt, PDF_COLUMNS)
    if got is None:
        return
    text, nl, ws = got
    dtext, dnl, dws = drawn
    policy = PdfPolicy()
    pos, dpos, changed = 0, 0, []
    for ti, t in enumerate(truth):
        failed = False
        for ci, n in enumerate(PDF_COLUMNS):
            want = str(t["id"]) if n == "id" else expect_text(n, t[n])
            cands = [want]
            if n != "id" and t[n] is not None and KIND[n] in ("f32", "f64"):
                cands = sorted(float_renderings(n, t[n])[0], key=len, reverse=True)
            whole = n == "id" or KIND[n] in ("int", "dec", "f32", "f64", "date", "bool")
            if failed:   # not compared; its loss still expected, so that its warning is explained
                if policy.lines(cands[0], whole)[1]:
                    changed.append((t["id"], ci))
                continue
            rep.count(fmt)
            hit = None
            for cand in cands:
                glyphs, issues = policy.lines(cand, whole)
                rtl = any(g[2] for g in glyphs)
                if rtl:
                    dexp = pdf_expect_drawn(glyphs, dtext, dnl, dpos)
                else:
                    dexp = "".join(chr(g[0]) for g in glyphs if g[1] == 0)
                exp = nk("".join(chr(g[0]) for g in glyphs if g[1] == 0))
                d_ok = dtext.startswith(dexp, dpos)
                t_ok = (sorted(text[pos:pos + len(exp)]) == sorted(exp)) if rtl else text.startswith(exp, pos)
                if d_ok and t_ok:
                    hit = (dexp, exp, issues)
                    break
            if hit is None:
                rep.bad(fmt, t["id"], n, dexp if not d_ok else exp,
                        (dtext[dpos:dpos + max(len(dexp), 20)] if not d_ok else text[pos:pos + max(len(exp), 20)]),
                        "not the next text (%s)" % ("drawing order" if not d_ok else
                                                    "pdftotext, characters" if rtl else "pdftotext"))
                if issues:
                    changed.append((t["id"], ci))
                failed = True
                continue
            if hit[2]:
                changed.append((t["id"], ci))
            dpos += len(hit[0])
            pos += len(hit[1])
        if failed:   # both readers resume at the next row
            if ti + 1 < len(truth):
                u = truth[ti + 1]
                key = [str(u["id"])] + [expect_text(c, u[c]) for c in PDF_COLUMNS[1:3]]
                pos = pdf_resync(text, nl, ws, pos, key)
                dpos = pdf_resync(dtext, dnl, dws, dpos, key)
            else:
                pos, dpos = len(text), len(dtext)
    if pos != len(text) or dpos != len(dtext):
        rep.bad(fmt, "end", "*", "", text[pos:pos + 40] + " / " + dtext[dpos:dpos + 40], "text after the last row")
    rep.loss(fmt, len(changed))
    check_warnings(rep, fmt, set(changed) | source_expected(PDF_COLUMNS), warnings,
                   ["id"] + PDF_COLUMNS[1:])


def float_renderings(n, want):
    """Text a reader would accept for a float, exact ones first, then the
    usual lossy ones (so that a rounded rendering is named as such)."""
    x = float(want)
    exact = [repr(x), "%.17g" % x]
    if KIND[n] == "f32":
        for p in range(1, 10):
            t = "%.*g" % (p, x)
            if struct.pack("<f", float(t)) == struct.pack("<f", x):
                exact.append(t)
                break
    other = ["%.15g" % x, "%.16g" % x, "%g" % x, "%.6f" % x]
    return (exact + [t for t in other if float_ok(n, want, t)],
            [t for t in other if not float_ok(n, want, t)])



# ---- running ferry --------------------------------------------------------------------
# format -> (format block, encoders, extension, extra source options). Every
# format runs with its default options; csv.gz also reads binary as hex.
FORMATS = {
    "csv": ('{ plugin = "format-csv"; }', None, "csv", ""),
    "csv.gz": ('{ plugin = "format-csv"; }', '( { plugin = "encode-gzip"; } )', "csv.gz",
               '  binary = "hex";\n'),
    "json": ('{ plugin = "format-json"; }', None, "json", ""),
    "ndjson": ('{ plugin = "format-json"; style = "ndjson"; }', None, "json", ""),
    "xlsx": ('{ plugin = "format-xlsx"; }', None, "xlsx", ""),
    "pdf": ('{ plugin = "format-pdf"; }', None, "pdf", ""),
}


READ_PATH = {"packet": "from the row packet", "bind": "through the binds"}
READ_LINE = re.compile(r'\blevel=debug .*?\bmsg="rows read (from the row packet|through the binds)\b.*?" '
                       r'plugin=source-mysql\b')
WARN_LINE = re.compile(r'\blevel=(warn|debug) .*?\bmsg="((?:[^"\\]|\\.)*)" plugin=(\S+) row=(\d+) column=(-?\d+)')


def private_plugins(src, tmp):
    """A private copy of src's plugins (the loader refuses a plugin that is
    group- or world-writable, or in such a directory, as a build tree may
    be); the directory to put first on FERRY_PLUGIN_PATH."""
    dst = os.path.join(tmp, "plugins")
    os.mkdir(dst, 0o755)
    names = [n for n in sorted(os.listdir(src)) if n.endswith(".so")]
    if not names:
        raise SystemExit("fidelity: no plugin (*.so) in --plugin-dir %s" % src)
    for n in names:
        shutil.copyfile(os.path.join(src, n), os.path.join(dst, n))
        os.chmod(os.path.join(dst, n), 0o644)
    print("fidelity: plugins %s first (from %s)" % (", ".join(names), src))
    return dst


def run_ferry(ferry, url, fmt, tmp, plugin_dir=None, batch_rows=0):
    fmtcfg, enc, ext, srcopt = FORMATS[fmt]
    query = "SELECT * FROM fidelity"
    if fmt == "pdf":
        query = "SELECT %s FROM fidelity" % ", ".join("`%s`" % c for c in PDF_COLUMNS)
    cfg = os.path.join(tmp, "fidelity-%s.cfg" % fmt)
    outdir = os.path.join(tmp, "out-" + fmt)
    os.makedirs(outdir, exist_ok=True)
    with open(cfg, "w") as f:
        f.write('name = "fidelity-%s";\nsource = {\n  plugin = "source-mysql";\n  url = "%s";\n'
                '  query = "%s";\n  order_by = ["id"];\n%s};\nformat = %s;\n%s'
                'output = { directory = "%s"; name = "fidelity"; };\n%s'
                % (fmt.replace(".", "-"), url, query, srcopt, fmtcfg,
                   "encoders = %s;\n" % enc if enc else "", outdir,
                   "batch_rows = %d;\n" % batch_rows if batch_rows else ""))
    env = dict(os.environ)
    if plugin_dir:
        env["FERRY_PLUGIN_PATH"] = ":".join(d for d in (plugin_dir, env.get("FERRY_PLUGIN_PATH")) if d)
    # -v: the core logs a plugin's first 20 warnings at warn level and the
    # rest at debug level; with -v every one is there with its row and column
    p = subprocess.run([ferry, "-v", "run", cfg], capture_output=True, env=env)
    stderr = p.stderr.decode("utf-8", errors="replace")
    warnings = []
    for line in stderr.splitlines():
        m = WARN_LINE.search(line)
        if m and not m.group(2).startswith("further warnings of this plugin"):
            warnings.append((int(m.group(4)), int(m.group(5)), m.group(3) + ": " + m.group(2)))
    m = re.search(r"ferry: (\d+) values? (?:was|were) not carried exactly", stderr)
    summary = int(m.group(1)) if m else 0
    path = os.path.join(outdir, "fidelity." + ext)
    m = READ_LINE.search(stderr)
    read_path = m.group(1) if m else None
    return p.returncode, stderr, path, warnings, summary, read_path


def _valid_json(v):
    try:
        json.loads(v)
        return True
    except ValueError:
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--seed", type=int, help="replay this seed (instead of a fresh one)")
    ap.add_argument("--random-rows", type=int, default=120, help="random rows per seed")
    ap.add_argument("--without", default="", help="diagnosis: leave these characters out of every "
                    "generated text (e.g. $'\\uFFFE\\uFFFF' when one of them makes a file unreadable)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (and database)")
    ap.add_argument("--batch-rows", type=int, default=0,
                    help="the pipeline's batch_rows (0: its default): small batches make rows "
                         "cross batch boundaries in the source and the formats")
    ap.add_argument("--max-report", type=int, default=200, help="mismatch lines printed per format")
    ap.add_argument("--plugin-dir", help="plugins in this directory come before the bundled ones "
                    "(a private copy is used: the loader refuses group-writable plugins)")
    ap.add_argument("--read-path", choices=sorted(READ_PATH), help="fail unless source-mysql logged "
                    "that it read the rows from the row packet (packet) or through the binds (bind)")
    a = ap.parse_args()
    formats = [f for f in a.formats.split(",") if f]
    for f in formats:
        if f not in FORMATS:
            ap.error("unknown format %r (known: %s)" % (f, ", ".join(FORMATS)))
    ferry = os.environ.get("FERRY") or shutil.which("ferry")
    if not ferry:
        print("fidelity: set FERRY to the ferry binary", file=sys.stderr)
        return 2
    started = time.monotonic()
    import MySQLdb
    args, url, dbname = connect_args()
    if not args:
        print("fidelity: SKIP — no FERRY_TEST_DB_DIR or FERRY_DATABASE_URL", file=sys.stderr)
        return 77
    fresh = a.seed if a.seed is not None else int.from_bytes(os.urandom(4), "big")
    print("fidelity: fixed seed %d, fresh seed %d (replay with --seed %d)" % (FIXED_SEED, fresh, fresh))
    rows = special_rows() + random_rows(FIXED_SEED, a.random_rows) + random_rows(fresh, a.random_rows)
    if a.without:
        print("fidelity: DIAGNOSIS RUN without %r in generated text" % a.without)
        drop = {ord(c): None for c in a.without}
        rows = [{k: v.translate(drop) if isinstance(v, str) and KIND.get(k) in ("text", "json") else v
                 for k, v in r.items()} for r in rows]
        rows = [{k: v for k, v in r.items() if k != "js" or v is None or _valid_json(v)} for r in rows]
    tmp = tempfile.mkdtemp(prefix="ferry-fidelity-")
    conn = MySQLdb.connect(charset="utf8mb4", **args)
    try:
        plugin_dir = private_plugins(a.plugin_dir, tmp) if a.plugin_dir else None
        truth = load(conn, rows)
        print("fidelity: %d rows x %d columns in table fidelity" % (len(truth), len(NAMES) + 1))
        rep = Report(a.max_report)
        summaries, times = {}, {}
        for fmt in formats:
            t0 = time.monotonic()
            rc, stderr, path, warnings, summary, read_path = run_ferry(ferry, url, fmt, tmp, plugin_dir,
                                                                      a.batch_rows)
            summaries[fmt] = (summary, len(warnings))
            if a.read_path and read_path != READ_PATH[a.read_path]:
                rep.bad(fmt, "run", "*", "source-mysql reads rows " + READ_PATH[a.read_path],
                        "it logged " + ("rows read " + read_path if read_path else "no read path"),
                        "read path")
            elif a.read_path:
                print("fidelity: %-7s source-mysql read rows %s" % (fmt, read_path))
            if rc != 0 or not os.path.exists(path):
                rep.bad(fmt, "run", "*", "ferry run exits 0", "exit %d: %s" % (rc, stderr.strip()[-400:]))
                continue
            if summary != len(warnings):
                rep.bad(fmt, "warnings", "*", "the summary's %d warnings each logged (ferry -v)" % summary,
                        "%d logged with a row and column" % len(warnings), "warning count")
            if fmt == "csv":
                check_csv(path, truth, rep, fmt, lambda p: open(p, "rb"))
            elif fmt == "csv.gz":
                check_csv(path, truth, rep, fmt, lambda p: gzip.open(p, "rb"), b64=False)
            elif fmt in ("json", "ndjson"):
                check_json(path, truth, rep, fmt, fmt == "ndjson")
            elif fmt == "xlsx":
                check_xlsx(path, truth, rep, fmt, warnings)
            elif fmt == "pdf":
                check_pdf(path, truth, rep, fmt, warnings)
            if fmt not in ("xlsx", "pdf"):   # the text formats carry every value: no warning but the source's
                check_warnings(rep, fmt, source_expected(["id"] + NAMES), warnings)
            times[fmt] = time.monotonic() - t0
            print("fidelity: %-7s %6d values compared, %4d mismatches, %2d reported losses (%.1f s)"
                  % (fmt, rep.compared.get(fmt, 0), rep.mismatch.get(fmt, 0),
                     rep.reported.get(fmt, 0), time.monotonic() - t0), flush=True)
        for line in rep.lines:
            print(line)
        if rep.classes:
            print("\nmismatch classes (format, column, class: count, first row, want, got):")
            for (fmt, col, why), (cnt, row, want, got) in sorted(rep.classes.items(), key=lambda x: (x[0][0], x[0][1], x[0][2])):
                print("  %-7s %-4s %-40s %5d  row %-5s want %s got %s" % (fmt, col, why or "-", cnt, row,
                                                                          short(want), short(got)))
        print("\n%-8s %10s %10s %9s %9s" % ("format", "compared", "mismatch", "reported", "warnings"))
        for fmt in formats:
            print("%-8s %10d %10d %9d %9d" % (fmt, rep.compared.get(fmt, 0), rep.mismatch.get(fmt, 0),
                                               rep.reported.get(fmt, 0), summaries.get(fmt, (0, 0))[0]))
        total = sum(rep.mismatch.values())
        print()
        for fmt in formats:   # one line per format, to paste into a note
            print("fidelity summary: %s: %d values compared, %d mismatches, %d losses each warned "
                  "(%d warnings), seeds %d+%d, %.1f s" % (
                      fmt, rep.compared.get(fmt, 0), rep.mismatch.get(fmt, 0), rep.reported.get(fmt, 0),
                      summaries.get(fmt, (0, 0))[0], FIXED_SEED, fresh, times.get(fmt, 0.0)))
        print("fidelity: %d values compared, %d mismatches, seeds %d and %d, %.1f s"
              % (sum(rep.compared.values()), total, FIXED_SEED, fresh, time.monotonic() - started))
        return 1 if total else 0
    finally:
        conn.close()
        if a.keep:
            print("fidelity: kept %s%s" % (tmp, " and database " + dbname if dbname else ""))
        else:
            shutil.rmtree(tmp, ignore_errors=True)
            if dbname:
                c = MySQLdb.connect(unix_socket=args["unix_socket"], user="root")
                c.cursor().execute("DROP DATABASE IF EXISTS `%s`" % dbname)
                c.close()


if __name__ == "__main__":
    sys.exit(main())
