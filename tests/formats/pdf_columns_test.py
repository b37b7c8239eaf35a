#!/usr/bin/python3
"""pdf_columns_test.py — format-pdf never draws a cell over its neighbour
however many columns there are, read back with `pdftotext -bbox`: each
column keeps at least one character and its padding (font_size + 6 points),
columns wider than that give up width first, and a table whose columns
cannot all have it fails at open, saying how many fit.

  pdf_columns_test.py VALUE_HARNESS FORMAT_PDF_SO
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HARNESS, PLUGIN = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="pdf-columns-")
A4_WIDTH, MARGIN = 595.276, 36
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def render(name, cols, row):
    """cols: spec column lines; row: value lines. Returns (exit, stderr, pdf)."""
    spec, pdf = os.path.join(TMP, name + ".spec"), os.path.join(TMP, name + ".pdf")
    with open(spec, "w") as f:
        f.write("".join("col %s\n" % c for c in cols) + "row\n" + "".join(v + "\n" for v in row))
    p = subprocess.run([HARNESS, PLUGIN, spec, pdf], capture_output=True, text=True)
    if p.returncode == 0 and shutil.which("qpdf"):  # scripts/deps.sh installs it
        q = subprocess.run(["qpdf", "--check", pdf], capture_output=True, text=True)
        check(q.returncode == 0, "%s: qpdf --check: %s" % (name, (q.stdout + q.stderr)[-500:]))
    return p.returncode, p.stderr, pdf


def words(pdf):
    """(xmin, ymin, xmax, ymax, text) of every word pdftotext finds."""
    out = subprocess.run(["pdftotext", "-bbox", pdf, "-"], capture_output=True, text=True).stdout
    return [tuple(map(float, m[:4])) + (m[4],) for m in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        out)]


# One very wide column (a style width of 207 characters) and 36 booleans:
# shrinking every column alike left the booleans 7.3 points wide, and
# "false" (shrunk to one character's width, 8 points) was drawn over the
# next cell's "true".
n = 36
code, err, pdf = render("wide", ["day date w207"] + ["b%d bool" % i for i in range(n)],
                        ["date 19000"] + ["bool %d" % (i % 2) for i in range(n)])
check(code == 0, "wide: exit %d: %s" % (code, err[-500:]))
ws = words(pdf)
values = [w for w in ws if w[4] in ("true", "false")]
check([w[4] for w in values] == ["false", "true"] * (n // 2),
      "wide: values %r" % [w[4] for w in values])
for a, b in zip(values, values[1:]):
    check(a[2] <= b[0], "wide: %r drawn over %r" % (a, b))
for w in ws:
    check(MARGIN - 0.01 <= w[0] and w[2] <= A4_WIDTH - MARGIN + 0.01,
          "wide: %r outside the table" % (w,))

# 37 columns of 14 points fill A4 portrait's 523 at font_size 8; one more
# does not fit: an error at open naming how many do.
for n, fits in ((37, True), (38, False), (300, False)):
    code, err, pdf = render("n%d" % n, ["c%d int" % i for i in range(n)],
                            ["int %d" % (10 ** 6 + i) for i in range(n)])
    if fits:
        check(code == 0, "%d columns: exit %d: %s" % (n, code, err[-500:]))
        nums = [w for w in words(pdf) if re.fullmatch(r"10000\d\d", w[4])]
        check(len(nums) == n and all(a[2] <= b[0] for a, b in zip(nums, nums[1:])),
              "%d columns: numbers %r" % (n, [w[4] for w in nums]))
    else:
        check(code == 1 and "%d columns do not fit the page: at most 37 at font_size 8 on A4 "
              "portrait" % n in err, "%d columns: exit %d: %s" % (n, code, err[-500:]))

if failures:
    print("%d failures (files in %s)" % (len(failures), TMP))
    sys.exit(1)
print("ok")
