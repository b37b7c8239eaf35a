"""header_names_test.py — a column name (or label) with invalid UTF-8 is
written with U+FFFD and reported once, as row 0 (the header) and its
column, by the file formatters (format-xlsx, format-pdf), as by format-csv
and format-json (tests/plugins/csv_fidelity.py); in PDF also a label with
controls or cut to its three lines. Names are generated from a seeded
random generator (a fixed seed and a fresh one, printed).

  header_names_test.py VALUE_HARNESS [SEED]
"""
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

import openpyxl

HARNESS = sys.argv[1]
FIXED_SEED = 20251129
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else int.from_bytes(os.urandom(4), "big")
PLUGINS = os.environ["FERRY_PLUGIN_DIR"]
TMP = tempfile.mkdtemp(prefix="ferry-header-names-")
VALID = ["id", "Zoë", "東京", "שלום", "x_1", "😀"]
INVALID = [b"\xc0\x80", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\x80", b"\xbf", b"\xf0\x9f",
           b"\xe6\x9d", b"\xf4\x90\x80\x80", b"\xfe", b"\xff"]
WARN = re.compile(r"row=(\d+) column=(-?\d+)")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def gen_names(rnd):
    """[(raw bytes, as a reader decodes it, has invalid UTF-8)], distinct."""
    out, seen, n = [], set(), rnd.randint(2, 8)
    while len(out) < n:
        raw = "".join(rnd.choice(VALID) for _ in range(rnd.randint(1, 2))).encode()
        bad = rnd.random() < 0.5
        if bad:
            raw += rnd.choice(INVALID) + rnd.choice(VALID).encode()
        text = raw.decode("utf-8", errors="replace")
        if text not in seen:
            seen.add(text)
            out.append((raw, text, bad))
    return out


def run(plugin, names, ext):
    spec, out = (os.path.join(TMP, "%s.%s" % (plugin, x)) for x in ("spec", ext))
    with open(spec, "wb") as f:
        for raw, _, _ in names:
            f.write(b"col " + raw + b" string\n")
        f.write(b"row\n" + b"string 61\n" * len(names))
    p = subprocess.run([HARNESS, os.path.join(PLUGINS, plugin + ".so"), spec, out],
                       capture_output=True)
    err = p.stderr.decode("utf-8", errors="replace")
    check(p.returncode == 0, "%s: harness exit %d: %s" % (plugin, p.returncode, err[-1000:]))
    # PDF also reports what no font has (above U+FFFF), as in a cell
    want = sorted((0, c) for c, (_, text, bad) in enumerate(names)
                  if bad or (ext == "pdf" and any(ord(ch) > 0xFFFF for ch in text)))
    got = sorted((int(r), int(c)) for r, c in WARN.findall(err))
    check(got == want, "%s: warnings (row, column) %s, want %s" % (plugin, got, want))
    return out


def main():
    print("header_names_test: seeds %d and %d (replay: header_names_test.py HARNESS %d)"
          % (FIXED_SEED, SEED, SEED))
    try:
        for seed in (FIXED_SEED, SEED):
            rnd = random.Random(seed)
            for _ in range(6):
                names = gen_names(rnd)
                ws = openpyxl.load_workbook(run("format-xlsx", names, "xlsx")).active
                header = [c.value for c in ws[1]]
                check(header == [t for _, t, _ in names],
                      "xlsx header %r, want %r" % (header, [t for _, t, _ in names]))
                run("format-pdf", names, "pdf")
        # a PDF label drawn other than it is: controls shown as symbols, cut to three lines
        names = [(b"a\x01b", "a\x01b", True), (b"long" * 60, "long" * 60, True),
                 (b"ok", "ok", False)]
        run("format-pdf", names, "pdf")
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print("header_names_test: %d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
