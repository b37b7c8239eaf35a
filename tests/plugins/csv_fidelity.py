#!/usr/bin/python3
"""csv_fidelity.py — a differential harness for source-csv: every value a
CSV file holds must arrive exactly in the export.

It writes CSV files from a seeded random generator (a fixed seed and one
fresh seed per run, both printed): header names with spaces, quotes,
commas, colons, newlines and non-ASCII; fields quoted or not, with
embedded quotes, CR, LF and CRLF, NUL and other controls, C1 controls,
U+2028/2029, non-BMP characters, combining marks, RTL text, formula
prefixes, invalid UTF-8 (overlong forms, CESU-8 surrogates, stray
continuation bytes, cut sequences), fields of up to 200,000 bytes; CRLF or
LF records, a last record with or without its terminator, a byte order
mark or not, four delimiters; one-column files with many empty values
(written "", since a blank line is no record) and rows of nothing but
empty fields; typed columns ("name:type") written in the
forms source-csv accepts; in files of undeclared columns, header names with
invalid UTF-8 (U+FFFD in the JSON key and the CSV header, one warning for
row 0 and the column). Each file runs through `ferry run` with
format-json and format-csv; Python's json and csv modules read the output
back and every value is compared with what the file says (every CSV
record must have every column: a blank line, [] to csv.reader, is a row
DictReader would skip):

  string     the text (invalid UTF-8 as U+FFFD, as Python's decoder
             replaces it, with one warning for the row and column); an
             unquoted empty field is null, a quoted "" the empty string
  int64      the number; double: the same double, bit for bit, and a
             float to json.loads (-0.0 and 3.0, never -0 or 3)
  decimal    the exact text; bool: true/false
  date       YYYY-MM-DD; timestamp: ISO 8601 in UTC ("+00:00", .ffffff
             when not whole seconds); duration: H:MM:SS[.ffffff]

  csv_fidelity.py [--seed N] [--files N] [--keep]

Environment: FERRY (the ferry binary) and FERRY_PLUGIN_DIR.
Exit status: 0 when every value compared equal, 1 on any mismatch.
"""
import argparse
import datetime
import io
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

FIXED_SEED = 20250301
TYPES = ["int64", "double", "decimal", "bool", "date", "timestamp", "duration"]

NAME_PIECES = ["id", "a", "Z", "9", " ", ":", "::", ",", ";", "|", "\t", '"', "'", "=", "+", "-",
               "@", "\\", "\n", "é", "東京", "😀", "\u0301", "ש", "م", "x:int64", "y:date", "(h)"]
TEXT_PIECES = [b"a", b"Zo\xc3\xab", b" ", b"  ", b'"', b'""', b",", b";", b"|", b"\t", b"\r", b"\n",
               b"\r\n", b"\x00", b"\x01", b"\x1f", b"\x7f", "\u0085".encode(), "\u009f".encode(),
               "\u2028".encode(), "\u2029".encode(), "\ufeff".encode(), "\ufffe".encode(),
               "\uffff".encode(), "😀".encode(), "\U0010ffff".encode(), "𝔘".encode(),
               "👨‍👩‍👧".encode(), "e\u0301".encode(), "שלום".encode(), "مرحبا".encode(),
               "\u202e".encode(), "東".encode(), b"=", b"+", b"-", b"@", b"'", b"\\N", b"null",
               b"_x000D_",
               # invalid UTF-8: overlong, CESU-8 surrogate, stray continuation, cut, not UTF-8
               b"\xc0\x80", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\x80", b"\xbf",
               b"\xf0\x9f", b"\xe6\x9d", b"\xf4\x90\x80\x80", b"\xfe", b"\xff"]
INVALID = {b"\xc0\x80", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\x80", b"\xbf",
           b"\xf0\x9f", b"\xe6\x9d", b"\xf4\x90\x80\x80", b"\xfe", b"\xff"}
WARN_LINE = re.compile(r'\blevel=(warn|debug) .*?\bmsg="((?:[^"\\]|\\.)*)" plugin=(\S+) '
                       r'row=(\d+) column=(-?\d+)')
GUARD = re.compile(r"'*[=+\-@\t\r]")   # format-csv's formula_guard


# ---- generation ------------------------------------------------------------
def gen_name(rnd, taken):
    while True:
        name = "".join(rnd.choice(NAME_PIECES) for _ in range(rnd.randint(1, 4)))
        if name not in taken and not name.startswith("\ufeff"):
            taken.add(name)
            return name


def gen_text(rnd, valid_only=False):
    size = rnd.choice([0, 1, 3, 10, 40, 300, 300, 5000, 70000, 200000] if rnd.random() < 0.05
                      else [0, 1, 2, 5, 12, 40])
    out, n = [], 0
    while n < size:
        p = rnd.choice(TEXT_PIECES)
        if valid_only and p in INVALID:
            continue
        out.append(p)
        n += len(p)
    return b"".join(out)


def ts_text(rnd):
    """(text, expected ISO 8601 in UTC) of a random timestamp."""
    d = datetime.datetime(rnd.randint(2, 9998), rnd.randint(1, 12), rnd.randint(1, 28),
                          rnd.randint(0, 23), rnd.randint(0, 59), rnd.randint(0, 59),
                          rnd.choice([0, 0, rnd.randint(0, 999999)]))
    sep = rnd.choice("T T t")
    text = "%04d-%02d-%02d%s%02d:%02d" % (d.year, d.month, d.day, sep, d.hour, d.minute)
    if rnd.random() < 0.8 or d.second or d.microsecond:
        text += ":%02d" % d.second
        if d.microsecond:
            digits = "%06d" % d.microsecond
            text += "." + digits.rstrip("0") if rnd.random() < 0.5 else "." + digits
    else:
        d = d.replace(second=0, microsecond=0)
    off = rnd.choice([None, "Z", 0, rnd.randint(-14 * 60, 14 * 60)])
    utc = d
    if off == "Z":
        text += rnd.choice("Zz")
    elif off is not None:
        sign = "-" if off < 0 else "+"
        text += "%s%02d%s%02d" % (sign, abs(off) // 60, rnd.choice([":", ""]), abs(off) % 60)
        utc = d - datetime.timedelta(minutes=off)
    iso = "%04d-%02d-%02dT%02d:%02d:%02d" % (utc.year, utc.month, utc.day, utc.hour, utc.minute,
                                              utc.second)
    if utc.microsecond:
        iso += ".%06d" % utc.microsecond
    return text, iso + "+00:00"


def hms(us):
    sign, us = ("-" if us < 0 else ""), abs(us)
    s = "%s%d:%02d:%02d" % (sign, us // 3600000000, us // 60000000 % 60, us // 1000000 % 60)
    return s + (".%06d" % (us % 1000000) if us % 1000000 else "")


def gen_typed(rnd, t):
    """(field text, expected JSON value) for a value of type t."""
    if t == "int64":
        v = rnd.choice([0, -1, 2**63 - 1, -2**63, rnd.randint(-2**63, 2**63 - 1), rnd.randint(-999, 999)])
        text = str(v)
        if v >= 0 and rnd.random() < 0.2:
            text = rnd.choice(["+", "0", "00"]) + text
        return text, v
    if t == "double":
        while True:
            x = struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0]
            if x == x and abs(x) != float("inf"):
                break
        x = rnd.choice([x, 0.0, -0.0, 5e-324, 2.2250738585072014e-308, 0.1, 1 / 3, 1e22,
                        rnd.uniform(-1e6, 1e6)])
        text = rnd.choice([repr(x), "%.17g" % x, "%.17e" % x])
        return text, x
    if t == "decimal":
        ip = rnd.randint(0, 40)
        text = rnd.choice(["", "-"]) + (str(rnd.randint(0, 10**ip - 1)) if ip else "0")
        if rnd.random() < 0.7:
            text += "." + "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 30)))
        return text, text
    if t == "bool":
        v = rnd.random() < 0.5
        word = rnd.choice([["true", "yes", "1"], ["false", "no", "0"]][0 if v else 1])
        return "".join(c.upper() if rnd.random() < 0.3 else c for c in word), v
    if t == "date":
        d = datetime.date(rnd.randint(1, 9999), rnd.randint(1, 12), rnd.randint(1, 28))
        s = "%04d-%02d-%02d" % (d.year, d.month, d.day)
        return s, s
    if t == "timestamp":
        return ts_text(rnd)
    if t == "duration":
        us = rnd.choice([0, rnd.randint(-10**15, 10**15), rnd.randint(-10**11, 10**11)])
        if rnd.random() < 0.4:
            us -= us % 1000000
        if rnd.random() < 0.5:   # h:mm:ss[.f]
            text = hms(us)
            if us % 60000000 == 0 and rnd.random() < 0.5:
                text = text[:-3]   # h:mm
        else:                    # seconds[.f]
            sign, a = ("-" if us < 0 else ""), abs(us)
            text = "%s%d" % (sign, a // 1000000) + (".%06d" % (a % 1000000) if a % 1000000 else "")
        return text, hms(us)
    raise AssertionError(t)


def quote(field, delim, force):
    """One field as CSV bytes: quoted when it must be (or when forced)."""
    if force or not field or any(c in field for c in (delim, b'"', b"\r", b"\n")):
        return b'"' + field.replace(b'"', b'""') + b'"'
    return field


def bad_names(rnd, cols):
    """Header names with invalid UTF-8 (for a file of undeclared columns):
    {column: raw name}; cols get the names as Python decodes them. Now and
    then two distinct names decode alike ("a\\xff", "a\\xfe"): one key to
    json.loads, which format-json must refuse."""
    raw = {}
    taken = {n for n, _ in cols}
    for c, (n, t) in enumerate(cols):
        d = cols[c - 1][0] + "\ufffd" if c else None
        if c and c - 1 not in raw and d not in taken and rnd.random() < 0.15:
            taken.add(d)   # two names, one key: "x\xff" and "x\xfe"
            base = cols[c - 1][0].encode()
            raw[c - 1], raw[c] = base + b"\xff", base + b"\xfe"
            cols[c - 1], cols[c] = (d, cols[c - 1][1]), (d, t)
        elif rnd.random() < 0.3:
            k = rnd.randint(0, len(n))   # between characters
            b = n[:k].encode() + rnd.choice(sorted(INVALID)) + n[k:].encode()
            d = b.decode("utf-8", errors="replace")
            if d not in taken and "\ufffd" in d:
                taken.add(d)
                raw[c] = b
                cols[c] = (d, t)
    return raw


def gen_file(rnd):
    """(bytes of the file, source options, columns, rows, raw names). A
    column is (name, type or None); a row holds per column None (an empty
    unquoted field, or "" when it is the only one: null in a typed column),
    or (field bytes, expected); raw names maps a column
    whose name has invalid UTF-8 to its bytes."""
    delim = rnd.choice([b",", b",", b";", b"\t", b"|"])
    ncols = 1 if rnd.random() < 0.2 else rnd.randint(1, 6)
    taken = set()
    cols = []
    for _ in range(ncols):
        cols.append((gen_name(rnd, taken), rnd.choice(TYPES) if rnd.random() < 0.4 else None))
    declared = any(t for _, t in cols)
    raw_names = {} if declared or rnd.random() < 0.5 else bad_names(rnd, cols)
    rows = []
    for _ in range(rnd.choice([0, 1, 3, 20, 60, 150])):
        row = []
        empty = 0.1 if ncols > 1 else 0.3   # one column: many empty values
        nulls = rnd.random() < 0.05         # a row of nothing but empty fields
        for _, t in cols:
            if ncols == 1 and t is None and (nulls or rnd.random() < empty):
                row.append((b"", ""))       # quoted: "" (an empty line is no record)
            elif nulls or rnd.random() < empty and (ncols > 1 or t):
                row.append(None)
            elif t:
                row.append(gen_typed(rnd, t))
            else:
                b = gen_text(rnd)
                row.append((b, b.decode("utf-8", errors="replace")))
        rows.append(row)
    out = io.BytesIO()
    if rnd.random() < 0.3:
        out.write(b"\xef\xbb\xbf")
    ends = [rnd.choice([b"\r\n", b"\n"]) for _ in range(len(rows) + 1)]
    if rnd.random() < 0.5:
        ends[-1] = b""   # the last record without its line ending
    out.write(delim.join(quote(raw_names.get(c, n.encode()), delim, rnd.random() < 0.2)
                         for c, (n, _) in enumerate(cols)) + ends[0])
    for row, end in zip(rows, ends[1:]):
        fields = []
        for v in row:
            if v is None:   # one typed column: "", else nothing (an empty line)
                fields.append(b'""' if len(cols) == 1 else b"")
            else:
                raw = v[0] if isinstance(v[0], bytes) else v[0].encode()
                fields.append(quote(raw, delim, rnd.random() < 0.2))
        out.write(delim.join(fields) + end)
    opts = {"delimiter": "tab" if delim == b"\t" else delim.decode()}
    if declared:
        opts["columns"] = ["%s:%s" % (n, t or "string") for n, t in cols]
    return out.getvalue(), opts, cols, rows, raw_names


# ---- running ferry and reading back ---------------------------------------------
def cfg_string(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


def run(ferry, tmp, name, path, opts, fmt):
    cfg = os.path.join(tmp, name + "-" + fmt + ".cfg")
    outdir = os.path.join(tmp, "out")
    os.makedirs(outdir, exist_ok=True)
    src = ['plugin = "source-csv";', "path = %s;" % cfg_string(path),
           "delimiter = %s;" % cfg_string(opts["delimiter"])]
    if "columns" in opts:
        src.append("columns = [%s];" % ", ".join(cfg_string(c) for c in opts["columns"]))
    with open(cfg, "w", encoding="utf-8") as f:
        f.write('name = "csv-fidelity";\nsource = { %s };\nformat = { plugin = "format-%s"; };\n'
                'output = { directory = %s; name = %s; };\n'
                % (" ".join(src), fmt, cfg_string(outdir), cfg_string(name + "-" + fmt)))
    env = dict(os.environ, FERRY_PLUGIN_PATH=os.environ["FERRY_PLUGIN_DIR"])
    p = subprocess.run([os.environ["FERRY"], "-v", "run", cfg], capture_output=True, env=env)
    stderr = p.stderr.decode("utf-8", errors="replace")
    warnings = set()
    for line in stderr.splitlines():
        m = WARN_LINE.search(line)
        if m and not m.group(2).startswith("further warnings"):
            warnings.add((int(m.group(4)), int(m.group(5))))
    return p.returncode, stderr, os.path.join(outdir, "%s-%s.%s" % (name, fmt, fmt)), warnings


class Report:
    def __init__(self):
        self.compared, self.bad = 0, []

    def mismatch(self, where, want, got):
        self.bad.append("MISMATCH %s: want %s got %s" % (where, short(want), short(got)))


def short(v):
    r = repr(v)
    return r if len(r) <= 120 else r[:120] + "…[%d]" % len(r)


class Num(str):
    """A JSON number token, verbatim (Python would read -0 as the integer 0)."""


class Float(Num):
    """A number token json.loads reads as a float (a point or an exponent):
    a double written "-0" or "3" would reach Python as the int 0 or 3."""


def json_ok(t, want, got):
    if t in (None, "decimal", "date", "timestamp", "duration"):
        return isinstance(got, str) and not isinstance(got, Num) and got == want
    if t == "bool":
        return got is want
    if t == "int64":
        return isinstance(got, Num) and re.fullmatch(r"-?[0-9]+", got) and int(got) == want
    if t == "double":
        return isinstance(got, Float) and struct.pack("<d", float(got)) == struct.pack("<d", want)
    return False


def check(rep, label, cols, rows, raw, fmt, rc, stderr, path, warnings):
    names = [n for n, _ in cols]
    if fmt == "json" and len(set(names)) < len(names):   # keys alike: refused
        if rc == 0 or "have the same key" not in stderr:
            rep.mismatch("%s json run" % label, "an error: two columns of one key",
                         "exit %d: %s" % (rc, stderr.strip()[-300:]))
        return
    if rc != 0:
        rep.mismatch("%s %s run" % (label, fmt), "exit 0", "exit %d: %s" % (rc, stderr.strip()[-300:]))
        return
    invalid = {(r + 1, c) for r, row in enumerate(rows) for c, v in enumerate(row)
               if v is not None and cols[c][1] is None and "\ufffd" in v[1]
               and "\ufffd".encode() not in v[0]}
    invalid |= {(0, c) for c in raw}   # a name: row 0, the header
    if warnings != invalid:
        rep.mismatch("%s %s warnings (row, column)" % (label, fmt), sorted(invalid)[:10],
                     sorted(warnings)[:10])
    with open(path, "rb") as f:
        data = f.read()
    if fmt == "json":
        try:
            got = json.loads(data.decode("utf-8"), parse_int=Num, parse_float=Float)
        except ValueError as e:
            rep.mismatch("%s json file" % label, "valid JSON", str(e))
            return
        if len(got) != len(rows):
            rep.mismatch("%s json rows" % label, len(rows), len(got))
        for r, (row, g) in enumerate(zip(rows, got), 1):
            if list(g) != names:
                rep.mismatch("%s json row %d keys" % (label, r), names, list(g))
                continue
            for (n, t), v in zip(cols, row):
                rep.compared += 1
                want = None if v is None else v[1]
                if (g[n] is not None) if want is None else not json_ok(t, want, g[n]):
                    rep.mismatch("%s json row %d column %r (%s, field %s)" % (
                        label, r, n, t or "string", short(v and v[0])), want, g[n])
    else:
        import csv
        csv.field_size_limit(sys.maxsize)
        try:
            got = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), strict=True))
        except (ValueError, csv.Error) as e:
            rep.mismatch("%s csv file" % label, "strict UTF-8 CSV", str(e))
            return
        if not got or got[0] != [("'" + n if GUARD.match(n) else n) for n in names]:
            rep.mismatch("%s csv header" % label, names, got[:1])
        for r, (row, g) in enumerate(zip(rows, got[1:]), 1):
            if len(g) != len(cols):   # [] is a blank line: DictReader skips it
                rep.mismatch("%s csv row %d fields" % (label, r), len(cols), g)
                continue
            for c, ((n, t), v) in enumerate(zip(cols, row)):
                rep.compared += 1
                if t not in (None, "decimal", "date", "timestamp", "duration"):
                    continue   # numbers and bools: JSON compares them by type
                want = "" if v is None else v[1]
                if t is None and GUARD.match(want):
                    want = "'" + want
                if g[c] != want:
                    rep.mismatch("%s csv row %d column %r (%s)" % (label, r, n, t or "string"),
                                 want, g[c])
        if len(got) - 1 != len(rows):
            rep.mismatch("%s csv rows" % label, len(rows), len(got) - 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, help="replay this seed (instead of a fresh one)")
    ap.add_argument("--files", type=int, default=25, help="files per seed")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    a = ap.parse_args()
    fresh = a.seed if a.seed is not None else int.from_bytes(os.urandom(4), "big")
    print("csv_fidelity: fixed seed %d, fresh seed %d (replay with --seed %d)"
          % (FIXED_SEED, fresh, fresh))
    tmp = tempfile.mkdtemp(prefix="ferry-csv-fidelity-")
    rep = Report()
    try:
        for seed in (FIXED_SEED, fresh):
            rnd = random.Random(seed)
            for k in range(a.files):
                data, opts, cols, rows, raw = gen_file(rnd)
                label = "seed %d file %d" % (seed, k)
                path = os.path.join(tmp, "in-%d-%d.csv" % (seed, k))
                with open(path, "wb") as f:
                    f.write(data)
                for fmt in ("json", "csv"):
                    before = len(rep.bad)
                    check(rep, label, cols, rows, raw, fmt, *run(os.environ["FERRY"], tmp,
                                                            "f%d-%d" % (seed, k), path, opts, fmt))
                    if len(rep.bad) > before:
                        print("csv_fidelity: %s (%s) %s: %d mismatches; columns %s"
                              % (label, path, fmt, len(rep.bad) - before,
                                 short(["%s:%s" % (n, t or "string") for n, t in cols])))
        for line in rep.bad[:200]:
            print(line)
        print("csv_fidelity: %d values compared, %d mismatches, seeds %d and %d"
              % (rep.compared, len(rep.bad), FIXED_SEED, fresh))
        return 1 if rep.bad else 0
    finally:
        if a.keep:
            print("csv_fidelity: kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
