#!/usr/bin/python3
"""csv_edges.py — values through CSV at the edges a hostile world sends,
each export read back by Python's csv module (csv.reader, strict, and
csv.DictReader) and compared with the source's values:

  one column      an empty string, a null (empty null_text, or "\\N"), an
                  empty label: "" (a blank line is no record); the formula
                  guard on one-column rows
  no rows         a header only; header = false (an empty file, or a BOM)
  wide            5,000 columns, rows of nothing but nulls
  long            a field over 16 MiB (quotes, CRLF inside), alone and
                  among others
  bytes           CR, LF, CRLF, NUL, lone CR at a field's end, quotes at a
                  field's ends; a header name with NUL (refused, never cut)
  BOM             a first field starting with U+FEFF, with bom on and off,
                  read by a reader that strips a BOM and one that does not
  source-csv      CR-only line endings, mixed ones, errors' line numbers;
                  its own output read back (the round trip)
  source-mysql    the one-column null and empty string, a value over
                  16 MiB (MySQL splits a packet at 16 MiB - 1); only with
                  scripts/test.sh's database (FERRY_TEST_DB_DIR)

Environment: FERRY, FERRY_PLUGIN_DIR, and FERRY_TEST_DB_DIR (optional).
"""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

csv.field_size_limit(sys.maxsize)
FERRY = os.environ["FERRY"]
ENV = dict(os.environ, FERRY_PLUGIN_PATH=os.environ["FERRY_PLUGIN_DIR"])
TMP = tempfile.mkdtemp(prefix="ferry-csv-edges-")
BOM = "\ufeff"
failures, passed = [], []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    (passed if cond else failures).append(what)


def short(v):
    r = repr(v)
    return r if len(r) <= 200 else r[:200] + "…[%d]" % len(r)


def cfg_string(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def export(name, source, src="", fmt="", fields="", plugin="format-csv", expect=0):
    """Runs one pipeline; (exit status, stderr, output bytes or None).
    `source` is a source group's body, or bytes: a CSV file for source-csv
    with the options `src`; `fmt` the formatter's options, `fields` a fields
    group."""
    if isinstance(source, bytes):
        path = os.path.join(TMP, name + ".in")
        with open(path, "wb") as f:
            f.write(source)
        source = 'plugin = "source-csv"; path = %s; %s' % (cfg_string(path), src)
    cfg = os.path.join(TMP, name + ".cfg")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write('name = "csv-edges";\nsource = { %s };\n%s\nformat = { plugin = "%s"; %s };\n'
                "output = { directory = %s; name = %s; };\n"
                % (source, fields, plugin, fmt, cfg_string(os.path.join(TMP, "out")),
                   cfg_string(name)))
    p = subprocess.run([FERRY, "run", cfg], capture_output=True, env=ENV)
    err = p.stderr.decode("utf-8", "replace")
    check(p.returncode == expect, "%s: exit %d (want %d) %s" % (name, p.returncode, expect,
                                                                err.strip()[-300:]))
    out = os.path.join(TMP, "out", name + (".json" if plugin == "format-json" else ".csv"))
    data = None
    if p.returncode == 0:
        with open(out, "rb") as f:
            data = f.read()
    return p.returncode, err, data


def reread(data, sig=False):
    """The records csv.reader gives (strict), decoded as UTF-8 (utf-8-sig:
    as a reader that drops a leading BOM, Excel or source-csv)."""
    text = data.decode("utf-8-sig" if sig else "utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), strict=True))


def same(name, data, want, header=True, sig=False):
    """The export reads back as exactly `want` (header and rows), and
    DictReader sees every row."""
    got = reread(data, sig)
    check(got == want, "%s: records %s (want %s)" % (name, short(got), short(want)))
    if header and want:
        d = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig" if sig else "utf-8"),
                                            newline="")))
        check(len(d) == len(want) - 1, "%s: DictReader rows %d (want %d)" % (name, len(d),
                                                                               len(want) - 1))


def peak_rss_kib(argv):
    """(exit status, peak RSS in KiB) of argv: /proc/PID/status VmHWM, read
    while it runs (the peak only grows; wait4's ru_maxrss would start at
    this Python's own peak, which Linux keeps across execve)."""
    p = subprocess.Popen(argv, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while p.poll() is None:
        try:
            with open("/proc/%d/status" % p.pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.005)
    p.stderr.read()
    return p.returncode, peak


def asan():
    ldd = subprocess.run(["ldd", FERRY], capture_output=True, text=True).stdout
    return "libasan" in ldd


def guarded(s):
    return "'" + s if re.match(r"'*[=+\-@\t\r]", s) else s


def t_one_column():
    # "" in a string column is the empty string, in a typed column null.
    _, _, d = export("one-string", b'v\r\n""\r\na\r\n""\r\n')
    same("one-string", d, [["v"], [""], ["a"], [""]])
    check(d == b'v\r\n""\r\na\r\n""\r\n', "one-string: bytes %r" % d)
    _, _, d = export("one-int", b'n\r\n""\r\n7\r\n""\r\n', 'columns = ["n:int64"];')
    same("one-int", d, [["n"], [""], ["7"], [""]])
    # A null string column: an empty unquoted field of a two-column file, one exported.
    src = b'a,b\r\n1,\r\n2,""\r\n3,x\r\n'
    one = 'fields = { exportable = ["b"]; };'
    _, _, d = export("one-null", src, fields=one)
    same("one-null", d, [["b"], [""], [""], ["x"]])
    _, _, d = export("one-null-text", src, fields='fields = { exportable = ["b"]; null_text = "\\\\N"; };')
    same("one-null-text", d, [["b"], ["\\N"], [""], ["x"]])
    check(d == b'b\r\n\\N\r\n""\r\nx\r\n', "one-null-text: null \\N, empty \"\": %r" % d)
    _, _, d = export("one-null-lf", src, 'header = true;', 'line_ending = "lf"; quote = "all";',
                     one)
    check(d == b'"b"\n""\n""\n"x"\n', "one-null quote all, LF: %r" % d)
    _, _, d = export("one-nohdr", src, fmt="header = false;", fields=one)
    same("one-nohdr", d, [[""], [""], ["x"]], header=False)
    # An empty label: "" too (a blank header line made DictReader take row 1 as the header).
    _, _, d = export("one-label", src, fields='fields = { exportable = ["b"]; styles = { b = { '
                     'label = ""; }; }; };')
    same("one-label", d, [[""], [""], [""], ["x"]])
    # The formula guard on one-column rows, reversible.
    vals = ["=1", "-", "@x", "\t", "\r", "'=x", "''+1", "'", "", "a=b", "=", "+\r\n"]
    body = b"v\r\n" + b"".join(b'"' + v.encode().replace(b'"', b'""') + b'"\r\n' for v in vals)
    _, _, d = export("one-guard", body)
    same("one-guard", d, [["v"]] + [[guarded(v)] for v in vals])
    # The round trip: format-csv's own output back through source-csv, to JSON.
    _, _, d = export("one-back", src, fields=one)
    _, _, j = export("one-back-json", d, plugin="format-json")
    check(json.loads(j) == [{"b": ""}, {"b": ""}, {"b": "x"}],
          "one-back: source-csv reads format-csv's one column back: %s" % short(j))


def t_no_rows():
    _, _, d = export("none-header", b"a,b\r\n")
    same("none-header", d, [["a", "b"]])
    _, _, d = export("none-header1", b"a\r\n")
    check(d == b"a\r\n", "none-header1: %r" % d)
    _, _, d = export("none-nohdr", b"", 'header = false; columns = ["a"];', "header = false;")
    check(d == b"", "none-nohdr: an empty file: %r" % d)
    _, _, d = export("none-nohdr-bom", b"\xef\xbb\xbf", 'header = false; columns = ["a", "b"];',
                     "header = false; bom = true;")
    check(d == b"\xef\xbb\xbf" and reread(d, True) == [], "none-nohdr-bom: a BOM only: %r" % d)
    _, _, j = export("none-json", b"\xef\xbb\xbfa\r\n", plugin="format-json")
    check(json.loads(j) == [], "none-json: []: %r" % j)
    rc, err, _ = export("none-missing", b"", expect=1)
    check("the header row is missing" in err, "none-missing: says the header is missing")


def t_wide():
    n = 5000
    names = ["c%d%s" % (i, ["", " ,", '"q"', "\n", "é"][i % 5]) for i in range(n)]
    rows = []
    for r in range(12):
        if r == 3:
            rows.append([None] * n)          # null in every column
        else:
            rows.append([None if (i + r) % 7 == 0 else "" if (i + r) % 11 == 0
                         else "v%d,%d%s" % (r, i, ["", '"', "\r\n", "=x"][(i + r) % 4])
                         for i in range(n)])

    def field(v):
        return b"" if v is None else b'"' + v.encode().replace(b'"', b'""') + b'"'
    body = b",".join(field(x) for x in names) + b"\r\n"
    body += b"".join(b",".join(field(v) for v in row) + b"\n" for row in rows)
    _, _, d = export("wide", body)
    want = [[guarded(x) for x in names]] + [["" if v is None else guarded(v) for v in row]
                                            for row in rows]
    same("wide", d, want)
    _, _, d = export("wide-null", body,
                     fields='fields = { null_text = "\\\\N"; };')
    want = [[guarded(x) for x in names]] + [["\\N" if v is None else guarded(v) for v in row]
                                            for row in rows]
    same("wide-null", d, want)
    _, _, j = export("wide-json", body, plugin="format-json")
    got = json.loads(j)
    check(len(got) == len(rows) and all(list(g.values()) == row for g, row in zip(got, rows)),
          "wide-json: every value")


def t_wide_memory():
    # 5,000 columns, 5,000 rows of nulls: a batch holds at most 262,144
    # values (52 rows here), so the pool stays small. Each batch was
    # batch_rows (4,096) rows: 715 MB at 9,000 rows.
    n, rows = 5000, 5000
    path = os.path.join(TMP, "wide-mem.in")
    with open(path, "wb") as f:
        f.write(",".join("c%d" % i for i in range(n)).encode() + b"\n")
        f.write((b"," * (n - 1) + b"\n") * rows)
    cfg = os.path.join(TMP, "wide-mem.cfg")
    with open(cfg, "w") as f:
        f.write('name = "wide-mem";\nsource = { plugin = "source-csv"; path = %s; };\n'
                'format = { plugin = "format-csv"; };\noutput = { directory = %s; name = '
                '"wide-mem"; };\n' % (cfg_string(path), cfg_string(os.path.join(TMP, "out"))))
    rc, peak = peak_rss_kib([FERRY, "run", cfg])
    check(rc == 0, "wide-mem: exit %d" % rc)
    if asan():
        print("wide-mem: peak RSS %d KiB (not checked under ASan)" % peak)
    else:
        check(0 < peak < 100 * 1024, "wide-mem: peak RSS %d KiB, under 100 MiB" % peak)
    with open(os.path.join(TMP, "out", "wide-mem.csv"), "rb") as f:
        got = reread(f.read())
    check(len(got) == rows + 1 and all(r == [""] * n for r in got[1:]),
          "wide-mem: %d records of %d empty fields" % (rows, n))
    os.unlink(path)


def t_long():
    big = ('x' * 1000 + '"\r\n,é\r\x00') * 17000        # 17 MB with every special byte
    raw = big.encode()
    q = b'"' + raw.replace(b'"', b'""') + b'"'
    body = b"a,b\r\n" + q + b",1\r\n" + b"y" * (17 << 20) + b",2\r\n"
    _, _, d = export("long", body)
    same("long", d, [["a", "b"], [big, "1"], ["y" * (17 << 20), "2"]])
    _, _, d = export("long-one", b"a\r\n" + q + b"\r\n\"\"\r\n")
    same("long-one", d, [["a"], [big], [""]])


def t_bytes():
    vals = ["a\rb", "a\nb", "a\r\nb", "\r\n", "\n", "end\r", "end\n", "nul\x00", "\x00",
            "\x00\r\n\x00", '"', '""', 'x"', '"x', '"x"', ' "x" ', "\u2028", "\x85"]
    body = b"k,v\r\n" + b"".join(b'%d,"%s"\r\n' % (i, v.encode().replace(b'"', b'""'))
                                   for i, v in enumerate(vals))
    _, _, d = export("bytes", body)
    same("bytes", d, [["k", "v"]] + [[str(i), guarded(v)] for i, v in enumerate(vals)])
    # Quotes at field ends, unquoted (read leniently, as Python's csv does).
    _, _, d = export("quote-ends", b'a,b\r\nx",y""\r\n"""",""""""\r\n')
    same("quote-ends", d, [["a", "b"], ['x"', 'y""'], ['"', '""']])


def t_nul_names():
    # A header name with NUL is refused, naming where; it was cut at the NUL
    # ("a\0b" became "a"; two such names were "named twice").
    rc, err, _ = export("nul-name", b"a\x00b,a\x00c\r\n1,2\r\n", expect=1)
    check("nul-name.in:1:1: header field 1 holds a NUL byte, which no column name can" in err,
          "nul-name: refused naming line and column: %r" % err.strip()[-200:])
    rc, err, _ = export("nul-name-2", b"ab,c\x00\r\n1,2\r\n", expect=1)
    check("nul-name-2.in:1:4: header field 2 holds a NUL byte" in err,
          "nul-name-2: the second field, at column 4: %r" % err.strip()[-200:])
    rc, err, _ = export("nul-name-declared", b"a\x00b,c\r\n1,2\r\n", 'columns = ["a"];',
                        expect=1)
    check('no column "a"' in err, "nul-name-declared: \"a\\0b\" is no column \"a\": %r"
          % err.strip()[-200:])


def t_every_field():
    # fields.null_text and fields.timezone apply to every field, with no
    # fields.exportable too (they were copied only into the listed fields).
    body = b'a,b\r\n,2024-01-15T12:00:00Z\r\n"",2024-07-15T12:00:00.5Z\r\n'
    src = 'columns = ["a", "b:timestamp"];'
    every = 'fields = { null_text = "NULL"; timezone = "Europe/Berlin"; };'
    want = [["a", "b"], ["NULL", "2024-01-15T13:00:00+01:00"], ["", "2024-07-15T14:00:00.500000+02:00"]]
    _, _, d = export("every", body, src, fields=every)
    same("every", d, want)
    _, _, d = export("every-listed", body, src, fields=every.replace("fields = {",
                     'fields = { exportable = ["a", "b"];'))
    same("every-listed", d, want)
    _, _, d = export("every-one", b'a\r\n""\r\n1\r\n', 'columns = ["a:int64"];',
                     fields='fields = { null_text = "-"; };')
    same("every-one", d, [["a"], ["'-"], ["1"]])
    rc, err, _ = export("every-badzone", body, src, fields='fields = { timezone = "Mars/Olympus"; };',
                        expect=3)
    check("unknown time zone" in err, "every-badzone: refused: %r" % err.strip()[-200:])


def t_bom():
    # A first field starting with U+FEFF: a reader that drops a BOM must not drop it.
    for bom in ("false", "true"):
        _, _, d = export("bom-label-" + bom, b'"\xef\xbb\xbf=a",b\r\n1,2\r\n',
                         fmt="bom = %s;" % bom)
        want = [[BOM + "=a", "b"], ["1", "2"]]
        same("bom-label-%s (utf-8-sig)" % bom, d, want, sig=True)
        if bom == "false":
            same("bom-label-%s (utf-8)" % bom, d, want)
        _, _, d = export("bom-value-" + bom, b'a\r\n"\xef\xbb\xbf=1"\r\nx\r\n',
                         fmt="header = false; bom = %s;" % bom)
        same("bom-value-%s (utf-8-sig)" % bom, d, [[BOM + "=1"], ["x"]], header=False, sig=True)
        _, _, j = export("bom-value-back-" + bom, d, 'header = false; columns = ["a"];',
                         plugin="format-json")
        check(json.loads(j) == [{"a": BOM + "=1"}, {"a": "x"}],
              "bom-value-%s: source-csv reads it back: %s" % (bom, short(j)))
    # null_text and a date format are text a template chooses: the same.
    _, _, d = export("bom-null", b'a,b\r\n,1\r\n', 'columns = ["a:int64", "b"];',
                     "header = false;",
                     'fields = { exportable = ["a", "b"]; null_text = "\ufeffx"; };')
    same("bom-null (utf-8-sig)", d, [[BOM + "x", "1"]], header=False, sig=True)
    # Further down the file, U+FEFF is text like any other: not quoted.
    _, _, d = export("bom-later", b'a\r\n"\xef\xbb\xbfz"\r\n')
    check(d == b"a\r\n\xef\xbb\xbfz\r\n", "bom-later: as it is: %r" % d)


def t_line_endings():
    # CR-only, and CR, LF and CRLF mixed; a quoted CR; no ending at the end.
    body = b'a,b\r1,"x\ry"\r\r2,"\r"\n3,z\r\n4,"\r\n"\r5,end'
    _, _, d = export("cr-only", body)
    same("cr-only", d, [["a", "b"], ["1", "x\ry"], ["2", "'\r"], ["3", "z"], ["4", "'\r\n"],
                        ["5", "end"]])
    rc, err, _ = export("cr-line", b'a,b\r1,2\r"x\ry",3\rq,zz\r', 'columns = ["a", "b:int64"];',
                        expect=1)
    check(":5:3:" in err, "cr-line: the error names line 5 column 3: %r" % err.strip()[-200:])


def t_mysql():
    if not os.environ.get("FERRY_TEST_DB_DIR"):
        print("skip source-mysql: no FERRY_TEST_DB_DIR")
        return
    import MySQLdb
    sock = os.path.join(os.environ["FERRY_TEST_DB_DIR"], "mysqld.sock")
    name = "ferry_t_csvedges_%d" % os.getpid()
    root = MySQLdb.connect(unix_socket=sock, user="root", charset="utf8mb4")
    cur = root.cursor()
    cur.execute("SELECT @@GLOBAL.max_allowed_packet")
    packet = cur.fetchone()[0]
    try:
        cur.execute("CREATE DATABASE `%s` CHARACTER SET utf8mb4" % name)
        cur.execute("SET GLOBAL max_allowed_packet = %d" % max(packet, 64 << 20))
        db = MySQLdb.connect(unix_socket=sock, user="root", charset="utf8mb4", db=name)
        c = db.cursor()
        c.execute("CREATE TABLE t (id INT PRIMARY KEY, v LONGTEXT)")
        c.execute("INSERT INTO t VALUES (1, NULL), (2, ''), (3, 'x'), (4, NULL),"
                  " (5, CONCAT(REPEAT('ab\"\\r\\n,', 3000000), 'END')),"
                  " (6, REPEAT('y', 16777215)), (7, REPEAT('z', 16777216 - 7))")
        db.commit()
        db.close()
        url = "mysql://ferry:ferry@localhost/%s?socket=%s" % (name, sock)
        src = 'plugin = "source-mysql"; url = %s; query = "SELECT v FROM t WHERE id <= %%d ORDER BY id";' % cfg_string(url)
        _, _, d = export("mysql-one", src % 4)
        same("mysql-one", d, [["v"], [""], [""], ["x"], [""]])
        _, _, d = export("mysql-one-null", src % 4, fields='fields = { null_text = "NULL"; };')
        same("mysql-one-null", d, [["v"], ["NULL"], [""], ["x"], ["NULL"]])
        _, _, d = export("mysql-long", src % 7)
        got = reread(d) if d else []
        want = ['ab"\r\n,' * 3000000 + "END", "y" * 16777215, "z" * (16777216 - 7)]
        check([r[0] for r in got[5:]] == want and len(got) == 8,
              "mysql-long: values of 18 MB, 16 MiB - 1 and about 16 MiB read back")
    finally:
        cur.execute("SET GLOBAL max_allowed_packet = %d" % packet)
        cur.execute("DROP DATABASE IF EXISTS `%s`" % name)
        root.close()


try:
    for t in (t_one_column, t_no_rows, t_wide, t_wide_memory, t_long, t_bytes, t_nul_names, t_every_field,
              t_bom, t_line_endings, t_mysql):
        t()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
print("csv_edges: %d passed, %d failed" % (len(passed), len(failures)))
sys.exit(1 if failures else 0)
