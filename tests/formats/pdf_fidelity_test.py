#!/usr/bin/python3
"""pdf_fidelity_test.py — format-pdf carries every value exactly, read back
with pdftotext / pdffonts (poppler-utils): long values wrap over pages (or
are cut with a mark and a warning above max_cell_chars), right-to-left text
in visual order with Arabic joined, emoji and controls replaced visibly and
counted, numbers never split, and pdftotext reads every file without a
warning, qpdf --check without an error or warning.

  pdf_fidelity_test.py PDF_CELLS FORMAT_PDF_SO

How a consumer recovers a cell (what this test does): `pdftotext -layout`;
NFKC (folds Arabic presentation forms back to letters); a right-to-left run
comes out in logical order between U+202B and U+202C, runs in visual
(left-to-right) order on the line; a wrapped cell is its lines joined with
the whitespace removed.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata

CELLS, PLUGIN = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="pdf-fidelity-")
failures = []
LOG = {}  # name: the harness's stderr (the warnings' text)


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def qpdf_check(pdf):
    """qpdf --check finds no error or warning in the file (qpdf from
    scripts/deps.sh; skipped where it is not installed)."""
    if shutil.which("qpdf"):
        p = subprocess.run(["qpdf", "--check", pdf], capture_output=True, text=True)
        check(p.returncode == 0, "%s: qpdf --check exit %d: %s" % (pdf, p.returncode,
                                                                   (p.stdout + p.stderr)[-500:]))


def render(name, rows, options=""):
    """rows: (numtype, numtext, text bytes or str). Returns (pdf, warnings)."""
    cfg, cells, pdf = (os.path.join(TMP, name + x) for x in (".cfg", ".txt", ".pdf"))
    with open(cfg, "w") as f:
        f.write('format = { %s%s };\n' % ("" if "title =" in options else 'title = "Fidelity"; ',
                                           options))
    with open(cells, "w") as f:
        for t, n, s in rows:
            b = s.encode() if isinstance(s, str) else s
            f.write("%s %s %s\n" % (t, n, b.hex() or "-"))
    p = subprocess.run([CELLS, PLUGIN, cfg, pdf, cells], capture_output=True, text=True)
    check(p.returncode == 0, "%s: pdf_cells failed: %s" % (name, p.stderr))
    LOG[name] = p.stderr
    qpdf_check(pdf)
    m = re.search(r"warnings (\d+)", p.stdout)
    return pdf, int(m.group(1)) if m else -1


def conf_string(s):
    """s as a libconfig string literal (\\xHH for what is not printable ASCII)."""
    return '"%s"' % "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\' else
                            "".join("\\x%02x" % b for b in c.encode()) for c in s)


def text(pdf, layout=True):
    args = ["pdftotext"] + (["-layout"] if layout else []) + [pdf, "-"]
    p = subprocess.run(args, capture_output=True, text=True)
    check(p.stderr == "", "%s: pdftotext warns: %r" % (pdf, p.stderr[:300]))
    return unicodedata.normalize("NFKC", p.stdout)


def cell_lines(pdf):
    """{id: text} of one-line rows: the line's ID, text, Num columns."""
    out = {}
    for line in text(pdf).splitlines():
        m = re.match(r"^ +(\d+) (.*) +(\S+) *$", line)
        if m:
            out[int(m.group(1))] = m.group(2).strip()
    return out


def boxes(pdf):
    """{text: (xmin, ymin, xmax, ymax)} of the words pdftotext -bbox finds."""
    out = subprocess.run(["pdftotext", "-bbox", pdf, "-"], capture_output=True, text=True).stdout
    return {m[4]: tuple(map(float, m[:4])) for m in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        out)}


def fonts(pdf):
    return subprocess.run(["pdffonts", pdf], check=True, capture_output=True, text=True).stdout


# 1. A 100,000-character value wraps over lines and pages, whole.
words = ["w%05d" % i for i in range(1, 14287)]
long_value = " ".join(words)[:100000]
pdf, warns = render("long", [("i", "1", long_value)], "max_cell_chars = 200000;")
got = re.findall(r"w\d{5}", text(pdf, layout=False))
want = re.findall(r"w\d{5}", long_value)
check(got == want, "long: %d of %d words back" % (len(got), len(want)))
check(warns == 0, "long: %d warnings" % warns)
pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
    ["pdfinfo", pdf], capture_output=True, text=True).stdout).group(1))
check(pages > 10, "long: only %d pages" % pages)

# ... and above max_cell_chars (default 32767) is cut with a mark and a warning.
pdf, warns = render("cut", [("i", "1", long_value)])
t = text(pdf, layout=False)
check("[cut: 32767 of 100000 characters shown]" in t, "cut: no visible mark")
check(re.findall(r"w\d{5}", t) == re.findall(r"w\d{5}", long_value[:32767]), "cut: words")
check(warns == 1, "cut: %d warnings, not 1" % warns)

# 2.-4., 6. Right-to-left, CJK, symbols, numbers: exact, no warning.
exact = [
    ("i", "42", "مرحبا بالعالم", "\u202bمرحبا بالعالم\u202c"),
    ("i", "7", "שלום עולם", "\u202bשלום עולם\u202c"),
    ("i", "2", "السلام عليكم 2024", "2024 \u202bالسلام عليكم\u202c"),
    # An LTR line: the Arabic and the number after it are one RTL run,
    # drawn "Hello 123 ابحرم world"; pdftotext moves the run's space inside.
    ("i", "1", "Hello مرحبا 123 world", "Hello 123 \u202b مرحبا\u202cworld"),
    ("i", "3", "لا إله", "\u202bلا إله\u202c"),  # the lam-alef ligature
    ("i", "4", "東京 タワー", "東京 タワー"),
    ("i", "6", "한국어 텍스트 가나다", "한국어 텍스트 가나다"),  # Hangul: NanumGothic
    ("i", "5", "⏰ alarm ⭐", "⏰ alarm ⭐"),
    ("d", "18446744073709551615", "unsigned", "unsigned"),
    ("i", "-9223372036854775808", "min", "min"),
]
pdf, warns = render("exact", [(a, b, c) for a, b, c, _ in exact])
got = cell_lines(pdf)
for i, (_, num, value, want) in enumerate(exact, 1):
    check(got.get(i) == want, "exact row %d: %r, want %r (value %r)" % (i, got.get(i), want, value))
t = text(pdf)
for _, num, _, _ in exact:
    check(re.search(r"(^|\s)%s(\s|$)" % re.escape(num), t) is not None, "number %s split" % num)
check(warns == 0, "exact: %d warnings" % warns)
f = fonts(pdf)
check("DejaVuSans" in f and "DroidSansFallback" in f and "NanumGothic" in f and "Symbola" in f,
      "fonts: %s" % f)

# Arabic is drawn joined: presentation forms before NFKC.
raw = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
check(re.search("[\ufe70-\ufeff]", raw) is not None and "\ufefb" in raw.replace("\ufef9", "\ufefb"),
      "arabic not shaped")

# Fallback fonts load only when a character needs one: Latin embeds DejaVu only.
pdf, warns = render("latin", [("i", "1", "plain Latin text")])
f = fonts(pdf)
embedded = open(pdf, "rb").read().count(b"/FontFile2")
check("DejaVuSans" in f and not re.search("Droid|Nanum|Symbola", f) and embedded == 1,
      "latin: %d fonts embedded: %s" % (embedded, f))
# Hindi and Thai: the default fallbacks end with Lohit Devanagari
# (fonts-lohit-deva) and Loma (fonts-tlwg-loma-ttf), drawn one glyph a
# character (no shaping) and read back whole; marks (vowel signs, tone
# marks) are placed over their base. A font is embedded only when one of its
# glyphs is drawn: looking for a character in the fallbacks before it loads
# them (their cmap) but embeds none of them.
indic = [("i", "1", "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e"),
         ("i", "2", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e0a\u0e32\u0e27\u0e42\u0e25\u0e01"),
         ("i", "3", "\u0e17\u0e35\u0e48\u0e19\u0e35\u0e48 \u0939\u093f\u0928\u094d\u0926\u0940")]
pdf, warns = render("indic", indic)
got = cell_lines(pdf)
for i, (_, _, value) in enumerate(indic, 1):
    check(got.get(i) == value, "indic row %d: %r, want %r" % (i, got.get(i), value))
check(warns == 0, "indic: %d warnings" % warns)
f = fonts(pdf)
check("Lohit-Devanagari" in f and "Loma" in f and not re.search("Droid|Nanum|Symbola", f),
      "indic: fonts %s" % f)
pdf, warns = render("thai-only", [("i", "1", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35")])
f = fonts(pdf)
embedded = open(pdf, "rb").read().count(b"/FontFile2")
check(re.search("DejaVuSans", f) and "Loma" in f and embedded == 2,
      "thai-only: %d fonts embedded: %s" % (embedded, f))

# fallback_font: an alias of a one-font fallback_fonts (symbols yes, Hangul not).
pdf, warns = render("alias", [("i", "1", "⏰ alarm"), ("i", "2", "한국")],
                    'fallback_font = "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf";')
got = cell_lines(pdf)
check(got.get(1) == "⏰ alarm" and got.get(2) == "\ufffd\ufffd" and warns == 1,
      "alias: %r, %d warnings" % (got, warns))

# 4. A number in a word never breaks inside its digits.
digits = "1234567890" * 7
pdf, warns = render("digits", [("i", "1", "abcdefghij" * 5 + digits)])
check(digits in text(pdf), "digits split: %r" % text(pdf))

# 3., 6. Emoji, controls, invalid UTF-8: visible replacements, each cell warned once.
repl = [
    ("i", "1", "grinning 😀 and 👨‍👩‍👧 done", "grinning \ufffd and \ufffd done"),
    ("i", "2", b"a\x01b\x7fc", "a\u2401b\u2421c"),
    ("i", "3", b"bad \xff end", "bad \ufffd end"),
    ("i", "4", "plain", "plain"),
]
pdf, warns = render("repl", [(a, b, c) for a, b, c, _ in repl])
got = cell_lines(pdf)
for i, (_, _, value, want) in enumerate(repl, 1):
    check(got.get(i) == want, "repl row %d: %r, want %r" % (i, got.get(i), want))
check(warns == 3, "repl: %d warnings, not 3" % warns)

# A character no font has is named in its cell's one warning, in the Basic
# Multilingual Plane (private use U+E000, noncharacter U+FDD0) as above it;
# the warning said "(emoji, above U+FFFF)" of every one.
pdf, warns = render("nofont", [("i", "1", "private \ue000 use"), ("i", "2", "non\ufdd0char"),
                               ("i", "3", "\U0001f600 and \U0001f680 and \ue001")])
got = re.findall(r'msg="([^"]*)".* row=(\d+) column=1', LOG["nofont"])
cell = "PDF cell of column text; "
check(got == [(cell + "U+E000 is in no font, drawn as U+FFFD", "1"),
              (cell + "U+FDD0 is in no font, drawn as U+FFFD", "2"),
              (cell + "U+1F600 and 2 other character(s) are in no font, drawn as U+FFFD", "3")],
      "nofont: warnings %r" % got)
check(cell_lines(pdf) == {1: "private \ufffd use", 2: "non\ufffdchar", 3: "\ufffd and \ufffd and \ufffd"},
      "nofont: %r" % cell_lines(pdf))
# Every fallback was looked in, none drew a glyph: none is embedded.
embedded = open(pdf, "rb").read().count(b"/FontFile2")
check(embedded == 1, "nofont: %d fonts embedded: %s" % (embedded, fonts(pdf)))

# The title and subtitle (drawn on every page, not values) are reported as
# labels are, once each, as row 0 and no column (-1), naming the text: what
# no font has, controls, a cut to the page's width. They lost characters to
# U+FFFD, Control Pictures or an ellipsis without a word.
rows = [("i", "1", "line\n" * 100)] * 4  # several pages
for name, opts, want in (
        ("title", {"title": "Report \U0001f600 \ue000"},
         ["PDF title; U+1F600 and 1 other character(s) are in no font, drawn as U+FFFD"]),
        ("subtitle", {"subtitle": "a\x01b"},
         ["PDF subtitle; 1 control character(s) as visible symbols"]),
        ("long-title", {"title": "long " * 100, "subtitle": "filters " * 200},
         ["PDF title; cut with an ellipsis to the page width",
          "PDF subtitle; cut with an ellipsis to the page width"]),
        ("plain-title", {"title": "Plain", "subtitle": "Zo\u00eb \u6771\u4eac \u0645\u0631\u062d\u0628\u0627"}, []),
        ("bmp-title", {"title": "Zo\u00eb \u6771\u4eac \u05e9\u05dc\u05d5\u05dd"}, [])):
    pdf, warns = render(name, rows, "".join("%s = %s; " % (k, conf_string(v)) for k, v in opts.items()))
    # The document information's Title is the title, non-ASCII too; what
    # it cannot hold (above U+FFFF, controls) is U+FFFD, as drawn.
    if "title" in opts:
        info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
        m = re.search(r"^Title:\s+(.*)$", info, re.M)
        want_t = "".join("\ufffd" if ord(ch) > 0xFFFF or ord(ch) < 0x20 else ch for ch in opts["title"])
        check(m and m.group(1).rstrip() == want_t.rstrip(), "%s: info Title %r, want %r" % (
            name, m and m.group(1), want_t))
    got = re.findall(r'msg="([^"]*)".* row=(\d+) column=(-?\d+)', LOG[name])
    check(got == [(w, "0", "-1") for w in want] and warns == len(want),
          "%s: %d warnings %r, want %r" % (name, warns, got, want))
    check(int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", pdf], capture_output=True, text=True).stdout).group(1)) > 1, "%s: one page" % name)

# An empty table: the header and "No rows.", a well-formed file.
pdf, warns = render("empty", [])
check("No rows." in text(pdf) and warns == 0, "empty: %r, %d warnings" % (text(pdf), warns))

# A run of zero-width characters alone in its font (U+200D after a CJK
# character of the fallback font) is drawn: libharu skips a text of width 0.
pdf, warns = render("zerowidth", [("i", "1", "\u6771\u200d\u2401x"), ("i", "2", "\u6771\u0301y")])
raw = text(pdf, layout=False)
check("\u6771\u200d" in raw and "\u6771\u0301" in unicodedata.normalize("NFD", raw),
      "zero-width run not drawn: %r" % raw)
check(warns == 0, "zerowidth: %d warnings" % warns)

# A space in a fallback font's run advances by that font's own space (Droid,
# Nanum and Symbola have narrower ones than DejaVu): measured with the
# primary font's, what followed the run was drawn apart from it, "東x" read
# back as "東 x".
sp = " " * 20
pdf, warns = render("spaces", [("i", "1", "東%s東x" % sp), ("i", "2", "한%s한x" % sp),
                               ("i", "3", "⏰%s⏰x" % sp)])
t = text(pdf, layout=False)
for s in ("東x", "한x", "⏰x"):
    check(s in t, "spaces: %r drawn apart: %r" % (s, t))

# Every line break Unicode makes mandatory (UAX #14: LF, CR, CRLF, NEL,
# VT, FF, LS U+2028, PS U+2029) starts a new line of a wrapped cell, as \n
# does, without a warning; with overflow = ellipsis it is a space. U+2028
# and U+2029 were drawn as invisible glyphs on one line ("topbot"), NEL as
# U+FFFD and VT, FF as Control Pictures, each warned.
breaks = ["\n", "\r", "\r\n", "\u0085", "\x0b", "\x0c", "\u2028", "\u2029"]
rows = [("i", "1", "top%d%sbot%d" % (k, b, k)) for k, b in enumerate(breaks)]
pdf, warns = render("breaks", rows)
ws = boxes(pdf)
for k, b in enumerate(breaks):
    top, bot = ws.get("top%d" % k), ws.get("bot%d" % k)
    check(top and bot and bot[1] >= top[3] - 0.5 and abs(bot[0] - top[0]) < 0.5,
          "breaks: %r does not break the line: %r %r" % (b, top, bot))
check(warns == 0, "breaks: %d warnings" % warns)
t = text(pdf, layout=False)
check(not re.search("[\u0085\u2028\u2029\u240a-\u240d\ufffd]", t), "breaks: drawn as %r" % t)
pdf, warns = render("breaks-ellipsis", rows, 'overflow = "ellipsis";')
got = cell_lines(pdf)
for k, b in enumerate(breaks):
    check(got.get(k + 1) == "top%d bot%d" % (k, k), "breaks, ellipsis: %r is %r" % (b, got.get(k + 1)))
check(warns == 0, "breaks, ellipsis: %d warnings" % warns)

if failures:
    sys.exit(1)
print("ok")
