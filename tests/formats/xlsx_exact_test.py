"""xlsx_exact_test.py — format-xlsx carries every value exactly, read back
with openpyxl: strings with any character (OOXML _xHHHH_ escapes decoded as
Excel does; openpyxl 3.0 leaves inline strings escaped), every finite double
bit-exact, DECIMAL text in an INT64 column, INT64 in a BOOL column, dates at
both ends of Excel's range, JSON columns; and a host->warn for each value
that cannot be carried (NaN, out-of-range dates, sub-millisecond timestamps
and durations, cut or repaired strings).

  xlsx_exact_test.py VALUE_HARNESS
"""
import datetime
import math
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

import openpyxl

HARNESS = sys.argv[1]
PLUGIN = os.path.join(os.environ["FERRY_PLUGIN_DIR"], "format-xlsx.so")
TMP = tempfile.mkdtemp(prefix="ferry-xlsx-exact-")
EPOCH = datetime.date(1970, 1, 1)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def ooxml_unescape(s):
    """_xHHHH_ → the character, left to right, as Excel reads a cell."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), s)


def days(y, m, d):
    return (datetime.date(y, m, d) - EPOCH).days


def micros(dt):
    return (dt - datetime.datetime(1970, 1, 1)) // datetime.timedelta(microseconds=1)


def enc(t, v):
    if v is None:
        return "null"
    if t == "double":
        return "double %016x" % struct.unpack("<Q", struct.pack("<d", v))[0]
    if t in ("string", "decimal"):
        return "%s %s" % (t, (v if isinstance(v, bytes) else v.encode("utf-8")).hex())
    return "%s %d" % (t, v)


# Columns: (name, type, flags) and per column a list of (value type, value, expected).
BIG = "".join("😀" if i % 10 == 9 else chr(ord("a") + i % 26) for i in range(40000))
EXACT = "é" * 32767
STRINGS = [
    ("string", "nul\x00end", "nul\x00end"),
    ("string", "a\ufffeb\uffffc", "a\ufffeb\uffffc"),
    ("string", "cr\rlf\ncrlf\r\n", "cr\rlf\ncrlf\r\n"),
    ("string", "ctl\x01\x1f\x7f\ttab", "ctl\x01\x1f\x7f\ttab"),
    ("string", "_x0041_", "_x0041_"),
    ("string", "_x005F_x0041_ _x00e9_ _X0041_ _x12_", "_x005F_x0041_ _x00e9_ _X0041_ _x12_"),
    ("string", "  lead <&> trail  ", "  lead <&> trail  "),
    ("string", b"bad \xff\xc3 utf8", "bad \ufffd\ufffd utf8"),
    ("string", EXACT, EXACT),
    ("string", BIG, None),  # cut: checked below
]
BIG_ROW = len(STRINGS)  # 1-based data row of the cut cell
DOUBLES = [1.7976931348623157e308, 0.1 + 0.2, 5e-324, -0.0, 2.2250738585072014e-308, 1 / 3,
           123456789.12345679, -9.999999999999999e-301, 1e22, 2.0 ** 53 + 2]
rnd = random.Random(7)
while len(DOUBLES) < 300:
    x = struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0]
    if math.isfinite(x):
        DOUBLES.append(x)
NONFINITE = [(math.nan, "NaN"), (math.inf, "Infinity"), (-math.inf, "-Infinity")]
INTS = [  # an INT64 column: DECIMAL values from BIGINT UNSIGNED, and ints
    ("decimal", "18446744073709551615", "18446744073709551615"),
    ("decimal", "9007199254740992", 9007199254740992),
    ("decimal", "9007199254740993", "9007199254740993"),
    ("decimal", "-9007199254740992", -9007199254740992),
    ("decimal", "0.30000000000000004", 0.30000000000000004),
    ("decimal", "0.30000000000000001", "0.30000000000000001"),
    ("decimal", "0.1", 0.1),
    ("decimal", "123.4500", 123.45),
    # DECIMAL(65,30): trailing zeros are no significant digits
    ("decimal", "0.100000000000000000000000000000", 0.1),
    ("decimal", "-786.000000000000000000000000000000", -786),
    ("decimal", "1" + "0" * 34 + "." + "0" * 30, 1e34),
    ("decimal", "0.300000000000000040000000000000", 0.30000000000000004),
    ("decimal", "0.300000000000000010000000000000", "0.300000000000000010000000000000"),
    ("int", 42, 42),
    ("int", 2 ** 53 + 1, "9007199254740993"),
]
BOOLS = [("int", 5, 5), ("bool", 1, True), ("bool", 0, False), ("int", 0, 0)]
DATES = [  # (days, expected: a datetime, or the ISO text with a warning)
    (days(1899, 12, 31), "1899-12-31"),
    (days(1900, 1, 1), datetime.datetime(1900, 1, 1)),
    (days(1900, 2, 28), datetime.datetime(1900, 2, 28)),
    (days(1900, 3, 1), datetime.datetime(1900, 3, 1)),
    (days(2024, 2, 29), datetime.datetime(2024, 2, 29)),
    (days(9999, 12, 31), datetime.datetime(9999, 12, 31)),
    (days(9999, 12, 31) + 1, "10000-01-01"),
]
D = datetime.datetime
STAMPS = [  # UTC; (microseconds, expected, warns)
    (micros(D(9999, 12, 31, 23, 59, 59, 999999)), "9999-12-31T23:59:59.999999+00:00", 1),
    (micros(D(9999, 12, 31, 23, 59, 59)), D(9999, 12, 31, 23, 59, 59), 0),
    (micros(D(1900, 1, 1)), D(1900, 1, 1), 0),
    (micros(D(1899, 12, 31, 23, 59, 59)), "1899-12-31T23:59:59+00:00", 1),
    (micros(D(1900, 2, 28, 12, 30, 15, 250000)), D(1900, 2, 28, 12, 30, 15, 250000), 0),
    (micros(D(2024, 5, 1, 12, 0, 0, 123456)), D(2024, 5, 1, 12, 0, 0, 123000), 1),
    (micros(D(2024, 5, 1, 12, 0, 0, 999)), D(2024, 5, 1, 12, 0, 0, 1000), 1),
    # the serial is the nearest millisecond's: the day after rounding counts
    (micros(D(9999, 12, 31, 23, 59, 59, 999500)), "9999-12-31T23:59:59.999500+00:00", 1),
    (micros(D(9999, 12, 31, 23, 59, 59, 999499)), D(9999, 12, 31, 23, 59, 59, 999000), 1),
    (micros(D(1900, 2, 28, 23, 59, 59, 999999)), D(1900, 3, 1), 1),
    (micros(D(1899, 12, 31, 23, 59, 59, 999500)), D(1900, 1, 1), 1),
    (micros(D(8731, 12, 4, 20, 8, 46, 574499)), D(8731, 12, 4, 20, 8, 46, 574000), 1),
    (micros(D(1960, 1, 1, 0, 0, 0, 500)), D(1960, 1, 1, 0, 0, 0, 1000), 1),
]
H = 3600 * 10**6
DURS = [  # TIME values as microseconds: (microseconds, the serial's in microseconds, warns);
    # a time value keeps the nearest millisecond (half away from zero), as a timestamp
    (3723250000, 3723250000, 0),
    (86400 * 10**6, 86400 * 10**6, 0),
    (3723123456, 3723123000, 1),
    (999, 1000, 1),
    (499, 0, 1),
    (500, 1000, 1),
    (-1500, -2000, 1),
    (-1499, -1000, 1),
    (838 * H + 3599999999, 839 * H, 1),     # TIME's limits
    (-838 * H - 3599999999, -839 * H, 1),
]
JSONS = [("string", '{"a": [1, 2]}'), ("string", "123"), ("string", "_x0041_"), ("int", 7),
         ("double", 0.5)]  # a JSON column is text, whatever the value's type

def run(name, cols, values, want_warn):
    """One workbook of the given columns; returns (cells by column, stderr)."""
    nrows = max(len(v) for v in values)
    spec = os.path.join(TMP, name + ".spec")
    with open(spec, "w") as f:
        for cname, t, flag in cols:
            f.write("col %s %s %s\n" % (cname, t, flag))
        for r in range(nrows):
            f.write("row\n")
            for col in values:
                f.write((col[r] if r < len(col) else "null") + "\n")
    out = os.path.join(TMP, name + ".xlsx")
    p = subprocess.run([HARNESS, PLUGIN, spec, out], capture_output=True, text=True)
    err = p.stderr
    check(p.returncode == 0, "%s: harness exit %d: %s" % (name, p.returncode, err[-2000:]))
    check("warnings=%d\n" % want_warn in err,
          "%s: want %d warnings: %s" % (name, want_warn, err[-3000:]))
    try:
        ws = openpyxl.load_workbook(out).active
    except Exception as e:  # a corrupt workbook
        check(False, "%s: openpyxl cannot read it: %s" % (name, e))
        return {c[0]: [None] * nrows for c in cols}, err
    rows = [[c for c in r] for r in ws.iter_rows(min_row=2)]
    check(len(rows) == nrows, "%s: %d rows, want %d" % (name, len(rows), nrows))
    return ({c[0]: [r[k] if k < len(r) else None for r in rows] + [None] * nrows
             for k, c in enumerate(cols)}, err)


def value(cell):
    return cell.value if cell is not None else None


def t_strings():
    col, err = run("strings", [("s", "string", "")], [[enc(t, v) for t, v, _ in STRINGS]], 2)
    for r, (_, _, want) in enumerate(STRINGS[:-1]):
        got = value(col["s"][r])
        check(got is not None and ooxml_unescape(got) == want, "string row %d: %r" % (r + 1, got))
    cut = ooxml_unescape(value(col["s"][BIG_ROW - 1]) or "")
    units = len(cut.encode("utf-16-le")) // 2
    check(cut.endswith("[…]") and units <= 32767 and BIG.startswith(cut[:-3]) and units > 32760,
          "cut cell: %d units, ends %r" % (units, cut[-6:]))
    check(re.search(r"cut to Excel's 32767.* row=%d column=0\n" % BIG_ROW, err) is not None,
          "no warning naming the cut cell's row and column: %s" % err[-2000:])
    check(re.search(r"invalid UTF-8.* row=8 column=0\n", err) is not None, "no UTF-8 warning")


def t_doubles():
    col, err = run("doubles", [("d", "double", "")],
                   [[enc("double", x) for x in DOUBLES] + [enc("double", x) for x, _ in NONFINITE]],
                   len(NONFINITE))
    for r, x in enumerate(DOUBLES):
        got = value(col["d"][r])
        ok = isinstance(got, (int, float)) and struct.pack("<d", float(got)) == struct.pack("<d", x)
        if x == 0:  # openpyxl reads "0" and "-0" as int 0
            ok = got == 0
        check(ok, "double row %d: %r, want %r" % (r + 1, got, x))
    for k, (_, text) in enumerate(NONFINITE):
        got = value(col["d"][len(DOUBLES) + k])
        check(got == text, "non-finite: %r, want %r" % (got, text))


def t_types():
    col, err = run("types", [("i", "int", ""), ("b", "bool", "")],
                   [[enc(t, v) for t, v, _ in INTS], [enc(t, v) for t, v, _ in BOOLS]], 0)
    for r, (_, _, want) in enumerate(INTS):
        got = value(col["i"][r])
        check(type(got) == type(want) and got == want, "int column row %d: %r, want %r"
              % (r + 1, got, want))
    check(col["i"][7] is not None and col["i"][7].number_format == "0.0000", "123.4500: format")
    for r, (_, _, want) in enumerate(BOOLS):
        got = value(col["b"][r])
        check(type(got) == type(want) and got == want, "bool column row %d: %r" % (r + 1, got))


def t_dates():
    col, err = run("dates", [("day", "date", ""), ("at", "timestamp", "")],
                   [[enc("date", d) for d, _ in DATES],
                    [enc("timestamp", us) for us, _, _ in STAMPS]],
                   2 + sum(w for _, _, w in STAMPS))
    check(re.search(r"outside Excel's dates.* row=1 column=0\n", err) is not None, "no date warning")
    for r, (_, want) in enumerate(DATES):
        got = value(col["day"][r])
        check(got == want, "date row %d: %r, want %r" % (r + 1, got, want))
    for r, (_, want, _) in enumerate(STAMPS):
        got = value(col["at"][r])
        check(got == want, "timestamp row %d: %r, want %r" % (r + 1, got, want))


def sheet_numbers(name):
    """The <v> of each number cell of column A after the header, exactly as
    written (openpyxl rounds a time value to the millisecond when reading)."""
    import zipfile
    with zipfile.ZipFile(os.path.join(TMP, name + ".xlsx")) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    return {int(r): v for r, v in re.findall(r'<c r="A(\d+)"[^>]*><v>([^<]*)</v>', xml) if int(r) > 1}


def t_durations():
    import decimal
    col, err = run("durations", [("dur", "duration", "")],
                   [[enc("duration", us) for us, _, _ in DURS]], sum(w for _, _, w in DURS))
    raw = sheet_numbers("durations")
    for r, (us, want, warns) in enumerate(DURS):
        v = raw.get(r + 2)
        got = None if v is None else int((decimal.Decimal(v) * 86400 * 10**6).to_integral_value(
            rounding=decimal.ROUND_HALF_EVEN))
        check(got == want, "duration row %d (%d us): serial %r is %r us, want %d" % (r + 1, us, v, got, want))
        if warns:
            check(re.search(r"microseconds .* row=%d column=0\n" % (r + 1), err) is not None,
                  "duration row %d: no warning: %s" % (r + 1, err[-2000:]))


def t_json():
    col, err = run("json", [("_x0041_", "string", "json")], [[enc(t, j) for t, j in JSONS]], 0)
    head = openpyxl.load_workbook(os.path.join(TMP, "json.xlsx")).active["A1"].value
    check(ooxml_unescape(head or "") == "_x0041_", "header label %r" % head)
    for r, (_, want) in enumerate(JSONS):
        want = str(want)
        c = col["_x0041_"][r]
        check(c is not None and c.data_type == "s" and ooxml_unescape(c.value) == want,
              "json row %d: %r" % (r + 1, value(c)))


t_strings()
t_doubles()
t_types()
t_dates()
t_durations()
t_json()
if failures:
    print("%d failures (output in %s)" % (len(failures), TMP))
    sys.exit(1)
shutil.rmtree(TMP)
print("ok")
