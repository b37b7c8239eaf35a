#!/usr/bin/python3
"""pdf_marks_test.py — format-pdf draws nonspacing marks (Unicode Mn, Me)
where a reader expects them, and text extraction still gives the text back.

  pdf_marks_test.py PDF_CELLS FORMAT_PDF_SO SOURCE_DIR

Each cell is read back from the page's content stream (pypdf parses the
operators; this test follows the text position through Td, Tf, Tz, Tr and
Tj with the fonts' W widths, and takes each glyph's box from the embedded
TrueType font through its CIDToGIDMap). A mark is drawn as a glyph of its
own (rendering mode 0), or as its text in rendering mode 3 (invisible)
and its outline (a path, or a form XObject drawn with Do) after its
line's text; either way its ink is checked
against its base glyph's (the character before it, in logical order), by
facts from Unicode rather than from the plugin:

- the mark's ink is centred over its base's ink (within 0.15 em), or for a
  mark whose canonical combining class puts it to one side (above/below
  left or right, Hebrew holam and shin/sin dots, Thai tone marks, kana
  voicing) its centre lies within the base's ink;
- a mark above (combining class 230 and kin; Thai and Devanagari vowel
  signs by IndicPositionalCategory.txt's Top) does not run into its base's
  ink, nor into the marks above it before it, by more than 0.06 em; one
  below likewise (the dot of i and j is left out: it goes under a mark);
- marks take no advance: each base glyph starts where the one before it
  on the line ends, so the text is as wide as its base glyphs;
- a wrapped line neither starts with a mark nor breaks at a space a mark
  is over;
- pdftotext gives the text back (NFKC, right-to-left in logical order).

Before format-pdf placed marks, Latin marks were drawn where DejaVu puts
them for a lowercase letter (over capitals, into them), stacked marks on
top of each other, a kana voicing mark after its base (widening the text),
a mark with no base left of the cell. Also checks the plugin's table of
marks placed to one side (pdf_marks.c) against Python's unicodedata.
"""
import os
import re
import struct
import subprocess
import sys
import tempfile
import unicodedata

from pypdf import PdfReader
from pypdf.generic import ContentStream

CELLS, PLUGIN, SRC = sys.argv[1], sys.argv[2], sys.argv[3]
TMP = tempfile.mkdtemp(prefix="pdf-marks-")
EM_CENTRE, EM_TOUCH = 0.15, 0.06
COLUMN_LEFT = 0.0
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


# Marks by Unicode: above or below their base, and the ones placed to a side.
ABOVE_CCC = {230, 232, 228, 233, 234, 23, 26, 27, 28, 30, 31, 33, 34, 35, 107, 19, 24, 25, 214}
BELOW_CCC = {220, 222, 218, 233, 240, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 22, 29, 32, 103}
SIDE_CCC = {228, 232, 218, 222, 19, 24, 25, 103, 107, 8, 216}
# IndicPositionalCategory.txt (ccc 0 vowel signs): Top and Bottom.
TOP0 = set(range(0x0900, 0x0903)) | set(range(0x0945, 0x0949)) | {0x0E31} | \
    set(range(0x0E34, 0x0E38)) | {0x0E47} | set(range(0x0E4C, 0x0E4F))
BOTTOM0 = set(range(0x0941, 0x0945))
SOFT_DOTTED = set("ij\u012f\u0456\u0458")


def is_mark(ch):
    return unicodedata.category(ch) in ("Mn", "Me")


def side(ch):
    ccc = unicodedata.combining(ch)
    if ccc in ABOVE_CCC or ord(ch) in TOP0:
        return "above"
    if ccc in BELOW_CCC or ord(ch) in BOTTOM0:
        return "below"
    return None


class Font:
    """W widths and glyph boxes (1/1000 em) of an embedded CID TrueType font."""

    def __init__(self, d):
        desc = d["/DescendantFonts"][0].get_object()
        self.dw = float(desc.get("/DW", 1000))
        self.w = {}
        w = list(desc.get("/W", []))
        i = 0
        while i < len(w):
            if isinstance(w[i + 1], list) or hasattr(w[i + 1], "__iter__"):
                for k, v in enumerate(w[i + 1]):
                    self.w[int(w[i]) + k] = float(v)
                i += 2
            else:
                for c in range(int(w[i]), int(w[i + 1]) + 1):
                    self.w[c] = float(w[i + 2])
                i += 3
        m = desc["/CIDToGIDMap"]
        self.gid = m.get_object().get_data() if not isinstance(m.get_object(), str) else None
        ttf = desc["/FontDescriptor"].get_object()["/FontFile2"].get_object().get_data()
        tables = {}
        for k in range(struct.unpack(">H", ttf[4:6])[0]):
            tag, _, off, ln = struct.unpack(">4sIII", ttf[12 + 16 * k:28 + 16 * k])
            tables[tag] = (off, ln)
        head = tables[b"head"][0]
        self.upem = struct.unpack(">H", ttf[head + 18:head + 20])[0]
        long_loca = struct.unpack(">h", ttf[head + 50:head + 52])[0] == 1
        self.ttf, self.loca, self.glyf, self.long = ttf, tables[b"loca"][0], tables[b"glyf"][0], long_loca

    def width(self, code):
        return self.w.get(code, self.dw)

    def box(self, code):
        """(x0, y0, x1, y1) in 1/1000 em, or None for no outline."""
        g = struct.unpack(">H", self.gid[2 * code:2 * code + 2])[0] if self.gid else code
        if self.long:
            a, b = struct.unpack(">II", self.ttf[self.loca + 4 * g:self.loca + 4 * g + 8])
        else:
            a, b = (2 * v for v in struct.unpack(">HH", self.ttf[self.loca + 2 * g:self.loca + 2 * g + 4]))
        if g == 0 or b <= a:
            return None
        x0, y0, x1, y1 = struct.unpack(">hhhh", self.ttf[self.glyf + a + 2:self.glyf + a + 10])
        k = 1000.0 / self.upem
        return (x0 * k, y0 * k, x1 * k, y1 * k)


def form_box(r, form):
    """The box (x0, y0, x1, y1) of a form XObject's path points, through
    its /Matrix (a scale and offset), in the form's user space."""
    m = [float(v) for v in form.get("/Matrix", [1, 0, 0, 1, 0, 0])]
    pts = []
    for operands, op in ContentStream(form, r).operations:
        if op in (b"m", b"l", b"c"):
            pts.extend((float(a), float(b)) for a, b in zip(operands[0::2], operands[1::2]))
    if not pts:
        return None
    xs = [m[0] * x + m[4] for x, _ in pts]
    ys = [m[3] * y + m[5] for _, y in pts]
    return (min(xs), min(ys), max(xs), max(ys))


def glyphs(pdf):
    """Every shown code and drawn outline (a filled path, or a form XObject
    drawn with Do) of page 1, in order: dicts with ch, x, y, size, mode
    (Tr), adv (points), ink (x0, y0, x1, y1 in points) or None; or path
    (its box)."""
    r = PdfReader(pdf)
    page = r.pages[0]
    fonts = {n: Font(f.get_object()) for n, f in page["/Resources"]["/Font"].items()}
    forms = page["/Resources"].get("/XObject", {})
    out, path, ctm, stack = [], [], [1, 0, 0, 1, 0, 0], []
    font, size, mode, scale, lx, ly, x = None, 0.0, 0, 1.0, 0.0, 0.0, 0.0
    for operands, op in ContentStream(page.get_contents(), r).operations:
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q":
            ctm = stack.pop()
        elif op == b"cm":  # a scale and offset, as format-pdf writes them
            a, _, _, d, e, f = (float(v) for v in operands)
            ctm = [ctm[0] * a, 0, 0, ctm[3] * d, ctm[0] * e + ctm[4], ctm[3] * f + ctm[5]]
        elif op == b"Do":
            b = form_box(r, forms[operands[0]].get_object())
            if b:
                out.append({"path": (ctm[0] * b[0] + ctm[4], ctm[3] * b[1] + ctm[5],
                                     ctm[0] * b[2] + ctm[4], ctm[3] * b[3] + ctm[5])})
        elif op == b"BT":
            lx = ly = x = 0.0
        elif op == b"Td":
            lx, ly = lx + float(operands[0]), ly + float(operands[1])
            x = lx
        elif op == b"Tf":
            font, size = fonts[operands[0]], float(operands[1])
        elif op == b"Tr":
            mode = int(operands[0])
        elif op == b"Tz":
            scale = float(operands[0]) / 100
        elif op in (b"m", b"l", b"c"):
            path.extend(zip(operands[0::2], operands[1::2]))
        elif op == b"f" and path:
            xs, ys = [float(p[0]) for p in path], [float(p[1]) for p in path]
            out.append({"path": (min(xs), min(ys), max(xs), max(ys))})
            path = []
        elif op == b"Tj":
            s = operands[0]
            b = s.get_original_bytes() if hasattr(s, "get_original_bytes") else bytes(s)
            for i in range(0, len(b), 2):
                code = b[i] << 8 | b[i + 1]
                adv = font.width(code) * size / 1000 * scale
                bx = font.box(code)
                ink = None if bx is None else (x + bx[0] * size / 1000, ly + bx[1] * size / 1000,
                                                x + bx[2] * size / 1000, ly + bx[3] * size / 1000)
                out.append({"ch": chr(code), "x": x, "y": ly, "size": size, "mode": mode,
                            "adv": adv, "ink": ink})
                x += adv
        elif op in (b"re", b"S", b"n"):  # rectangles and rules: not glyphs
            path = []
    return out


def render(name, values, options=""):
    cfg, cells, pdf = (os.path.join(TMP, name + e) for e in (".cfg", ".txt", ".pdf"))
    with open(cfg, "w") as f:
        f.write('format = { title = "Marks"; font_size = 12; %s };\n' % options)
    with open(cells, "w") as f:
        for v in values:
            f.write("i 1 %s\n" % v.encode().hex())
    p = subprocess.run([CELLS, PLUGIN, cfg, pdf, cells], capture_output=True, text=True)
    check(p.returncode == 0 and "warnings 0" in p.stdout,
          "%s: pdf_cells: %s %s" % (name, p.stdout.strip(), p.stderr.strip()[-300:]))
    return pdf


def text_column(all_glyphs):
    """The lines of the Text column: {y: glyphs in drawing order}, each
    glyph with the ink drawn for it (marks shown invisibly: the outline
    paths drawn after their line's text, in the same order). The column
    runs from its label to the Num label."""
    shown = [g for g in all_glyphs if "path" not in g]
    labels = "".join(g["ch"] for g in shown)
    t, n = shown[labels.index("Text")], shown[labels.index("Num")]
    global COLUMN_LEFT
    COLUMN_LEFT = t["x"]  # where the column's text starts (label and cells)
    rows, hidden = {}, []
    for g in all_glyphs:
        if "path" in g:
            if hidden:
                hidden.pop(0)["ink"] = g["path"]
            continue
        if g["mode"] == 3:
            g["ink"] = None
            hidden.append(g)
        if t["x"] - 1 <= g["x"] < n["x"] - 3 and g["y"] < t["y"]:
            rows.setdefault(round(g["y"], 1), []).append(g)
    return rows


def cell_glyphs(all_glyphs, value):
    """The drawn glyphs of the text cell showing `value`, in logical order."""
    want = unicodedata.normalize("NFKC", value)
    for line in text_column(all_glyphs).values():
        for order in (line, line[::-1]):
            if unicodedata.normalize("NFKC", "".join(g["ch"] for g in order)) == want:
                return order
    check(False, "no drawn line is %r" % value)
    return []


def check_marks(name, value, line):
    """Each mark of the line (logical order) against its base."""
    base, above_top, below_bottom = None, None, None
    for g in line:
        if not is_mark(g["ch"]):
            base = g
            ink = g["ink"] or (g["x"], g["y"], g["x"] + g["adv"], g["y"])
            above_top, below_bottom = ink[3], ink[1]
            if g["ch"] in SOFT_DOTTED:
                above_top = None
            continue
        em, ch = g["size"], g["ch"]
        what = "%s: U+%04X in %r" % (name, ord(ch), value)
        check(g["ink"] is not None, what + ": drawn without ink")
        if base is None and g["ink"] is not None:  # no base: inside the cell
            check(g["ink"][0] >= COLUMN_LEFT - 0.05, what + ": drawn left of its cell")
        if base is None or g["ink"] is None:
            continue
        b = base["ink"] or (base["x"], base["y"], base["x"] + base["adv"], base["y"])
        m = g["ink"]
        mc, bc = (m[0] + m[2]) / 2, (b[0] + b[2]) / 2
        if unicodedata.combining(ch) in SIDE_CCC:
            check(b[0] <= mc <= b[2], what + ": centre %.2f outside its base %.2f..%.2f" % (mc, b[0], b[2]))
        else:
            check(abs(mc - bc) <= EM_CENTRE * em,
                  what + ": centre %.2f, its base's %.2f (%.2f em off)" % (mc, bc, (mc - bc) / em))
        s = side(ch)
        if s == "above":
            if above_top is not None:
                check(m[1] >= above_top - EM_TOUCH * em,
                      what + ": runs %.2f em into what is under it" % ((above_top - m[1]) / em))
            above_top = m[3] if above_top is None else max(above_top, m[3])
        elif s == "below":
            check(m[3] <= below_bottom + EM_TOUCH * em,
                  what + ": runs %.2f em into what is over it" % ((m[3] - below_bottom) / em))
            below_bottom = min(below_bottom, m[1])


def check_advances(name, value, line):
    """Base glyphs follow each other by their advances (marks take none)."""
    bases = sorted((g for g in line if not is_mark(g["ch"])), key=lambda g: g["x"])
    for a, b in zip(bases, bases[1:]):
        check(abs(a["x"] + a["adv"] - b["x"]) < 0.02,
              "%s: %r ends at %.2f, %r starts at %.2f in %r" % (
                  name, a["ch"], a["x"] + a["adv"], b["ch"], b["x"], value))


def check_text(name, pdf, values):
    """pdftotext -layout gives every value back (NFKC; right-to-left runs
    come between U+202B and U+202C in logical order)."""
    p = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True)
    check(p.stderr == "", "%s: pdftotext warns: %r" % (name, p.stderr[:300]))
    got = {}
    for line in p.stdout.splitlines():
        m = re.match(r"^ +(\d+) (.*?) +(\S+) *$", line)
        if m:
            got.setdefault(m.group(1), []).append(m.group(2).strip())
    lines = [unicodedata.normalize("NFKC", v.replace("\u202b", "").replace("\u202c", ""))
             for vs in got.values() for v in vs]
    for v in values:
        check(unicodedata.normalize("NFKC", v) in lines, "%s: pdftotext lost %r: %r" % (name, v, lines))


def run(name, values, options=""):
    pdf = render(name, values, options)
    drawn = glyphs(pdf)
    for v in values:
        line = cell_glyphs(drawn, v)
        check_marks(name, v, line)
        check_advances(name, v, line)
    check_text(name, pdf, values)


# 1. The default fonts: Latin in NFD (capitals, a wide and a dotted base,
# marks stacked above and below), Hebrew and Arabic points (a shadda with a
# vowel over it, a vowel over a tall alef), a mark with no base and one over
# a space, a base from a fallback font (Droid) under a mark of DejaVu, and
# Droid's kana voicing mark, which has an advance of its own.
# (Marks on the first letter drawn of a right-to-left run are not here:
# poppler reads marks as neutral characters and puts those before the run.)
run("default", [
    "Cafe\u0301 man\u0303ana",
    "E\u0301mile I\u0301 m\u0301 i\u0301 A\u030a",
    "xa\u0308\u0301x Vie\u0323\u0302t e\u0302\u0301",
    "\u05e9\u05c1\u05b8\u05dc\u05d5\u05b9\u05dd",
    "\u05e9\u05c2\u05c1\u05dc\u05d5\u05dd",
    "\u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f",
    "\u0627\u064e\u0628 \u0628\u0650\u0646",
    "\u0301abc",
    "a \u0301b",
    "\u6771\u0301y \u30ab\u3099x",
])

# 2. Thai and Devanagari, in the default fallbacks' fonts of those scripts
# (Loma, Lohit Devanagari): tone marks over vowel signs, a virama and a
# vowel sign above.
THAI = "/usr/share/fonts/truetype/tlwg/Loma.ttf"
DEVA = "/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf"
if os.path.exists(THAI) and os.path.exists(DEVA):
    run("indic-thai", ["\u0e17\u0e35\u0e48\u0e19\u0e35\u0e48", "\u0e1b\u0e39\u0e48",
                       "\u0928\u092e\u0938\u094d\u0924\u0947"])
else:
    print("skipped Thai and Devanagari: %s or %s missing (scripts/deps.sh)" % (THAI, DEVA))

# 3. A wrapped cell: no line starts with a mark (a line breaks neither
# before a mark nor at a space a mark is over), each line is as wide as its
# bases, and the lines give the value back.
value = " ".join(["e\u0301te\u0301"] * 30 + ["\u0301xyz"] * 40)
pdf = render("wrap", [value])
lines = text_column(glyphs(pdf))
check(len(lines) > 2, "wrap: %d lines" % len(lines))
for y, line in lines.items():  # drawn left to right, a mark after its base
    check(not is_mark(line[0]["ch"]), "wrap: the line at %.1f starts with a mark" % y)
    check_advances("wrap", "line at %.1f" % y, line)
text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
got = unicodedata.normalize("NFKC", re.sub(r"\s+", "", text.split("Num", 1)[-1]))
check(unicodedata.normalize("NFKC", value.replace(" ", "")) in got, "wrap: pdftotext gives %r" % got[:200])

# 4. pdf_marks.c's table of marks placed to one side, or at their font's
# height, against unicodedata (its source: the combining classes).
src = open(os.path.join(SRC, "plugins/format-pdf/pdf_marks.c")).read()
rows = re.findall(r"\{0x([0-9A-F]{4}), 0x([0-9A-F]{4}), (PDF_[A-Z_ |]+)\}", src)
check(len(rows) > 30, "pdf_marks.c: %d rows of pdf_mark_how read" % len(rows))
KEEP = {1, 7, 8, 21, 202, 214, 216}
LEFT, RIGHT = {228, 218, 19, 25}, {232, 222, 216, 24, 103, 107, 8}
listed = {}
for lo, hi, how in rows:
    for cp in range(int(lo, 16), int(hi, 16) + 1):
        ch = chr(cp)
        ccc, cat = unicodedata.combining(ch), unicodedata.category(ch)
        listed[cp] = how
        check(("PDF_KEEP" in how) == (ccc in KEEP or cat == "Me"), "U+%04X (%d %s): %s" % (cp, ccc, cat, how))
        check(("PDF_LEFT" in how) == (ccc in LEFT), "U+%04X (%d): %s" % (cp, ccc, how))
        check(("PDF_RIGHT" in how) == (ccc in RIGHT), "U+%04X (%d): %s" % (cp, ccc, how))
for cp in range(0x300, 0x10000):
    ch = chr(cp)
    if unicodedata.category(ch) in ("Mn", "Me") and (unicodedata.combining(ch) in KEEP | LEFT | RIGHT
                                                      or unicodedata.category(ch) == "Me"):
        check(cp in listed, "U+%04X (%d) missing from pdf_mark_how" % (cp, unicodedata.combining(ch)))

if failures:
    print("%d failure(s)" % len(failures), file=sys.stderr)
    sys.exit(1)
print("ok")
