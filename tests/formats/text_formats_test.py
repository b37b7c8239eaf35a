"""text_formats_test.py — format-csv and format-json on the rows of
format_harness.c, read back strictly: no byte that contradicts
charset=utf-8, invalid UTF-8 replaced by U+FFFD and reported with row and
column (or refused), NaN reported and written as the option says, and the
CSV formula guard reversible.

  text_formats_test.py HARNESS
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

HARNESS = sys.argv[1]
PLUGINS = os.environ["FERRY_PLUGIN_DIR"]
TMP = tempfile.mkdtemp(prefix="ferry-textfmt-")
failures = []
passed = []
NAMES = ["Zoë", "東京", "Ольга", '=HYPERLINK("http://x","y")', 'quote " comma , newline\nend',
         "ctl\x01\x1f\x7f tab\t", "bad \ufffd\ufffd utf8", "mixed Zoë 東京 Ольга 😀"]


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    (passed if cond else failures).append(what)


def run(plugin, config, out, rows, expect=0):
    cfg = os.path.join(TMP, "cfg-%d.cfg" % len(os.listdir(TMP)))
    with open(cfg, "w") as f:
        f.write(config)
    p = subprocess.run([HARNESS, os.path.join(PLUGINS, plugin + ".so"), cfg, out, "--rows",
                        str(rows)], capture_output=True)
    err = p.stderr.decode("utf-8", "replace")
    check(p.returncode == expect, "%s %s: exit %d (want %d) %s" % (plugin, config, p.returncode,
                                                                   expect, err[-300:]))
    return err


def warnings(err, column):
    """(row, column) of each `level=warn … row=N column=C` line about `column`."""
    got = []
    for line in err.splitlines():
        m = re.search(r"level=warn .*row=(\d+) column=(\d+)", line)
        if m and column in line:
            got.append((int(m.group(1)), int(m.group(2))))
    return got


def unguard(cell):
    """Undo the CSV formula guard: one ' before (more ') and a formula character."""
    m = re.match(r"'('*[=+\-@\t\r])", cell)
    return cell[1:] if m else cell


def t_csv_utf8():
    out = os.path.join(TMP, "a.csv")
    err = run("format-csv", "format = {};", out, 40)
    raw = open(out, "rb").read()
    try:
        text = raw.decode("utf-8", "strict")
    except UnicodeDecodeError as e:
        check(False, "csv: not UTF-8: %s" % e)
        return
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    check(len(rows) == 41, "csv: header and 40 rows (%d)" % len(rows))
    names = [unguard(r[4]) for r in rows[1:]]
    want = [NAMES[i % len(NAMES)] for i in range(40)]
    bad = [(i, g, w) for i, (g, w) in enumerate(zip(names, want)) if g != w]
    check(not bad, "csv: every name reads back (U+FFFD for each invalid subpart): %r" % bad[:3])
    got = warnings(err, "invalid UTF-8")
    want_rows = [(i + 1, 4) for i in range(40) if i % len(NAMES) == 6]
    check(got == want_rows, "csv: each replacement reported with row and column: %r" % got)


def t_json_utf8():
    out = os.path.join(TMP, "a.json")
    err = run("format-json", "format = {};", out, 40)
    try:
        doc = json.loads(open(out, "rb").read().decode("utf-8", "strict"))
    except (UnicodeDecodeError, ValueError) as e:
        check(False, "json: not UTF-8 JSON: %s" % e)
        return
    names = [r["name"] for r in doc]
    want = [NAMES[i % len(NAMES)] for i in range(40)]
    bad = [(i, g, w) for i, (g, w) in enumerate(zip(names, want)) if g != w]
    check(len(doc) == 40 and not bad, "json: every name reads back (U+FFFD for each invalid "
          "subpart): %r" % bad[:3])
    got = warnings(err, "invalid UTF-8")
    want_rows = [(i + 1, 4) for i in range(40) if i % len(NAMES) == 6]
    check(got == want_rows, "json: each replacement reported with row and column: %r" % got)


def t_csv_reject():
    err = run("format-csv", 'format = { invalid_utf8 = "reject"; };', os.path.join(TMP, "r.csv"),
              20, expect=1)
    check("invalid UTF-8 in column name, row 7" in err, "csv reject names column and row: %r"
          % err[-200:])


def t_json_nonfinite():
    for mode, want in (("null", None), ("string", "NaN")):
        out = os.path.join(TMP, "n-%s.json" % mode)
        err = run("format-json", 'format = { nonfinite = "%s"; };' % mode, out, 60)
        doc = json.loads(open(out, encoding="utf-8").read(),
                         parse_constant=lambda c: failures.append("bare " + c))
        check(doc[7]["ratio"] == want and doc[57]["ratio"] == want,
              "json nonfinite=%s: NaN written as %r" % (mode, doc[7]["ratio"]))
        check(warnings(err, "NaN") == [(8, 2), (58, 2)],
              "json nonfinite=%s: each NaN reported: %r" % (mode, warnings(err, "NaN")))


t_csv_utf8()
t_json_utf8()
t_csv_reject()
t_json_nonfinite()
print("%d passed, %d failed" % (len(passed), len(failures)))
if failures:
    sys.exit(1)
shutil.rmtree(TMP)
