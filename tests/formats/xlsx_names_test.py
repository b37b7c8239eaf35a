#!/usr/bin/python3
"""xlsx_names_test.py — format-xlsx's sheet names and title, from hostile
option values: every XML part of the workbook parses (a part that does not
is a workbook Excel calls corrupt), openpyxl reads it, the sheet name keeps
every character Excel allows (Cyrillic, Polish, emoji: only []:*?/\\, C0
controls, U+FFFE and U+FFFF become '_'), at most 31 UTF-16 units, never
Excel's reserved "History", and the autofilter's defined name quotes the
sheet name (an unquoted "A1!$A$1:…" is a cell reference to Excel); the
title row keeps the title exactly, the document title holds what XML can.

  xlsx_names_test.py PDF_CELLS FORMAT_XLSX_SO
"""
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile

import openpyxl

CELLS, PLUGIN = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="xlsx-names-")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def conf_string(s):
    """s as a libconfig string literal (\\xHH for what is not printable ASCII)."""
    return '"%s"' % "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\' else
                            "".join("\\x%02x" % b for b in c.encode()) for c in s)


def render(name, options):
    cfg, cells, out = (os.path.join(TMP, name + x) for x in (".cfg", ".txt", ".xlsx"))
    with open(cfg, "w") as f:
        f.write("format = { %s };\n" % options)
    with open(cells, "w") as f:
        f.write("i 1 %s\n" % "hello".encode().hex())
    p = subprocess.run([CELLS, PLUGIN, cfg, out, cells], capture_output=True, text=True)
    check(p.returncode == 0, "%s: pdf_cells failed: %s" % (name, p.stderr))
    return out


def parts_parse(name, path):
    with zipfile.ZipFile(path) as z:
        for part in z.namelist():
            if part.endswith((".xml", ".rels")):
                try:
                    ET.fromstring(z.read(part))
                except ET.ParseError as e:
                    check(False, "%s: %s is not XML: %s" % (name, part, e))
                    return False
    return True


def sheet(name, option, want):
    path = render(name, "sheet_name = %s;" % conf_string(option))
    if not parts_parse(name, path):
        return
    wb = openpyxl.load_workbook(path)
    check(wb.sheetnames == [want], "%s: sheet %r, want %r" % (name, wb.sheetnames, want))
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/workbook.xml").decode()
    m = re.search(r'<definedName name="_xlnm._FilterDatabase"[^>]*>([^<]*)!\$A\$1', xml)
    check(m is not None and m.group(1).startswith("'") and m.group(1).endswith("'"),
          "%s: the autofilter's sheet is not quoted: %r" % (name, m and m.group(1)))


sheet("cyrillic", "Отчёт по проекту", "Отчёт по проекту")  # п is U+043F, ? is 0x3F
sheet("polish", "Zażółć gęślą jaźń", "Zażółć gęślą jaźń")  # ś is U+015B, [ is 0x5B
sheet("slash", "Я/Ъ*", "Я_Ъ_")                            # U+042F, U+042A; / and *
sheet("forbidden", "a[b]c:d*e?f/g\\h", "a_b_c_d_e_f_g_h")
sheet("noxml", "a\uffffb\ufffec\x01d", "a_b_c_d")
sheet("emoji", "😀" * 20, "😀" * 15)                        # 31 UTF-16 units at most
sheet("long", "é" * 40, "é" * 31)
sheet("cellref", "A1", "A1")
sheet("r1c1", "R1C1", "R1C1")
sheet("history", "History", "History_")
sheet("history_case", "hIsToRy", "hIsToRy_")
sheet("apostrophe", "O'Brien", "O'Brien")

# A title with characters XML 1.0 cannot hold: the title row keeps them
# (as _xHHHH_ escapes), the document title (docProps/core.xml) has U+FFFD.
title = "Rep\x01ort\x0b \uffff & <end>"
path = render("title", "title = %s;" % conf_string(title))
if parts_parse("title", path):
    wb = openpyxl.load_workbook(path)
    got = re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)),
                 wb.active["A1"].value or "")
    check(got == title, "title row: %r" % got)
    check(wb.properties.title == "Rep\ufffdort\ufffd \ufffd & <end>",
          "document title: %r" % wb.properties.title)

if failures:
    print("%d failures (files in %s)" % (len(failures), TMP))
    sys.exit(1)
print("ok")
