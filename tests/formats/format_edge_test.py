"""format_edge_test.py — the formatters and encode-gzip on generated rows of
every type (format_harness.c), read back by real consumers: python json,
gzip/zcat, openpyxl, pdftotext/pdfinfo/pdffonts. The rows are the edge
cases a database rarely holds: invalid UTF-8, control characters, NUL,
40,000-character text, NaN, timestamps across a DST change, nulls.

  format_edge_test.py HARNESS
"""
import datetime
import gzip
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zoneinfo

import openpyxl

HARNESS = sys.argv[1]
PLUGINS = os.environ["FERRY_PLUGIN_DIR"]
TMP = tempfile.mkdtemp(prefix="ferry-formats-")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
failures = []

NAMES = ["Zoë", "東京", "Ольга", '=HYPERLINK("http://x","y")', 'quote " comma , newline\nend',
         "ctl\x01\x1f\x7f tab\t", "bad \ufffd\ufffd utf8", "mixed Zoë 東京 Ольга 😀"]
BIG = "".join("東" if i % 10 == 9 else chr(ord("a") + i % 26) for i in range(40000))


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def expected(i):
    """Row i as format_harness.c makes it (values, not renderings)."""
    at_us = 1711836000000000 + i * 3600000000 + (250000 if i % 5 == 1 else 0)
    if i % 3 == 0:
        note = None
    elif i == 4:
        note = BIG
    elif i == 5:
        note = "nul\x00inside"
    else:
        note = "note %d" % i
    return {
        "id": i + 1, "flag": bool(i % 2),
        "ratio": None if i % 50 == 7 else i * 0.25 - 3.0,
        "amount": "%s%d.%02d" % ("-" if i % 4 == 3 else "", i * 7 % 100000, i % 100),
        "name": NAMES[i % len(NAMES)],
        "day": datetime.date(1970, 1, 1) + datetime.timedelta(days=19700 + i % 400),
        "at": datetime.datetime.fromtimestamp(at_us // 1000000, datetime.timezone.utc)
        + datetime.timedelta(microseconds=at_us % 1000000),
        "spent_us": (i % 600) * 60000000 + (30000000 if i % 3 == 2 else 0),
        "note": note,
    }


def hmm(us):
    m = (us + 30000000) // 60000000
    return "%d:%02d" % (m // 60, m % 60)


def run(plugin, config, out, *args, expect=0):
    cfg = os.path.join(TMP, "cfg-%d.cfg" % len(os.listdir(TMP)))
    with open(cfg, "w") as f:
        f.write(config)
    p = subprocess.run([HARNESS, os.path.join(PLUGINS, plugin + ".so"), cfg, out] + list(args),
                       capture_output=True)
    check(p.stdout == b"", "%s wrote to stdout: %r" % (plugin, p.stdout[:200]))
    err = p.stderr.decode("utf-8", "replace")
    check(p.returncode == expect, "%s: exit %d, want %d: %s" % (plugin, p.returncode, expect, err))
    return err


def t_json_array():
    out = os.path.join(TMP, "a.json")
    run("format-json", 'format = {}; style = { timezone = "Europe/Berlin"; };', out,
        "--rows", "1000")
    with open(out, "rb") as f:
        raw = f.read()
    doc = json.loads(raw.decode("utf-8"))
    check(len(doc) == 1000, "json: %d rows" % len(doc))
    check(all(b >= 0x20 or b == 0x0a for b in raw), "json: a raw control byte in the output")
    for i, o in enumerate(doc):
        e = expected(i)
        at = datetime.datetime.fromisoformat(o["at"])
        want_off = e["at"].astimezone(BERLIN).utcoffset()
        ok = (list(o) == ["id", "flag", "ratio", "amount", "name", "day", "at", "spent", "note"]
              and o["id"] == e["id"] and o["flag"] is e["flag"] and o["ratio"] == e["ratio"]
              and o["amount"] == e["amount"] and o["name"] == e["name"]
              and o["day"] == e["day"].isoformat() and at == e["at"]
              and at.utcoffset() == want_off and o["spent"] == hmm(e["spent_us"])
              and o["note"] == e["note"])
        if not ok:
            check(False, "json row %d: %r" % (i, {k: str(v)[:80] for k, v in o.items()}))
            break
    # The DST change: 01:00 UTC on 2024-03-31 is 03:00+02:00 in Berlin.
    check(doc[2]["at"] == "2024-03-31T01:00:00+01:00" and doc[3]["at"] == "2024-03-31T03:00:00+02:00",
          "json: DST offsets %r %r" % (doc[2]["at"], doc[3]["at"]))
    check(doc[1]["at"] == "2024-03-31T00:00:00.250000+01:00", "json: microseconds %r" % doc[1]["at"])
    return raw


def t_ndjson():
    out = os.path.join(TMP, "b.ndjson")
    run("format-json", 'format = { style = "ndjson"; keys = "label"; decimals_as = "number"; };'
        ' style = { duration = "hours"; };', out, "--rows", "300")
    with open(out, encoding="utf-8") as f:
        lines = f.read().split("\n")
    check(lines[-1] == "" and len(lines) == 301, "ndjson: %d lines" % len(lines))
    for i, line in enumerate(lines[:-1]):
        o = json.loads(line)
        e = expected(i)
        ok = (list(o)[8] == "Note — été" and o["Amount"] == float(e["amount"])
              and isinstance(o["Amount"], (int, float))
              and abs(o["Spent"] - round(e["spent_us"] / 3.6e9, 2)) < 1e-9
              and o["At"].endswith("+00:00"))
        if not ok:
            check(False, "ndjson row %d: %s" % (i, line[:300]))
            break


def t_json_reject():
    err = run("format-json", 'format = { invalid_utf8 = "reject"; };', os.path.join(TMP, "c.json"),
              "--rows", "20", expect=1)
    check("invalid UTF-8" in err and "column name" in err and "row 7" in err
          and "invalid_utf8" in err, "json reject: message %r" % err)


def t_gzip(plain):
    out = os.path.join(TMP, "a.json.gz")
    run("format-json", 'format = {}; style = { timezone = "Europe/Berlin"; };'
        ' encoder = { level = 9; };', out, "--rows", "1000",
        "--encoder", os.path.join(PLUGINS, "encode-gzip.so"))
    subprocess.run(["gzip", "-t", out], check=True)
    z = subprocess.run(["zcat", out], check=True, capture_output=True).stdout
    check(z == plain, "gzip: zcat differs from the plain output (%d vs %d bytes)" % (len(z), len(plain)))
    with open(out, "rb") as f:
        head = f.read(3)
    check(head == b"\x1f\x8b\x08", "gzip: no gzip header")
    check(os.path.getsize(out) < len(plain) // 3, "gzip: did not compress")
    err = run("format-json", "format = {}; encoder = { level = 12; };", out,
              "--encoder", os.path.join(PLUGINS, "encode-gzip.so"), expect=2)
    check("level" in err and "12" in err, "gzip: bad level message %r" % err)


def t_xlsx():
    out = os.path.join(TMP, "a.xlsx")
    tmpdir = os.path.join(TMP, "xlsx-tmp")
    os.mkdir(tmpdir)
    err = run("format-xlsx", 'format = { title = "Edge"; sheet_name = "Data/2024"; sheet_rows = 100; };'
              ' style = { timezone = "Europe/Berlin"; };', out, "--rows", "250",
              "--tmpdir", tmpdir)
    check(re.search(r"cut to Excel's 32767.* row=5 column=8\n", err) is not None,
          "xlsx: no warning naming the cut cell: %r" % err)
    check(os.listdir(tmpdir) == [], "xlsx: temporary files left in tmpdir")
    wb = openpyxl.load_workbook(out)
    check(wb.sheetnames == ["Data_2024", "Data_2024 (2)", "Data_2024 (3)"], "xlsx sheets %r" % wb.sheetnames)
    i = 0
    for ws in wb.worksheets:
        rows = list(ws.iter_rows())
        check(rows[0][0].value == "Edge", "xlsx %s: title %r" % (ws.title, rows[0][0].value))
        check(rows[1][8].value == "Note — été" and rows[1][0].font.b, "xlsx %s: header" % ws.title)
        check(ws.freeze_panes == "A3", "xlsx %s: freeze %r" % (ws.title, ws.freeze_panes))
        check(ws.auto_filter.ref == "A2:I%d" % len(rows), "xlsx %s: filter %r" % (ws.title, ws.auto_filter.ref))
        for cells in rows[2:]:
            e = expected(i)
            v = [c.value for c in cells] + [None] * (9 - len(cells))
            local = e["at"].astimezone(BERLIN).replace(tzinfo=None)
            name = re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), v[4])
            ratio_ok = v[2] == "NaN" if e["ratio"] is None else v[2] == e["ratio"]
            note = e["note"]
            if note and len(note) > 32767:  # cut with a mark
                note = note[:32764] + "[…]"
            if v[8] is not None:  # OOXML escapes (_x0000_ for NUL), as Excel reads them
                v[8] = re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), v[8])
            ok = (v[0] == e["id"] and v[1] is e["flag"] and ratio_ok
                  and abs(v[3] - float(e["amount"])) < 1e-9 and name == e["name"]
                  and cells[4].data_type == "s"
                  and v[5] == datetime.datetime.combine(e["day"], datetime.time())
                  and abs((v[6] - local).total_seconds()) < 0.001
                  and abs(v[7].total_seconds() - e["spent_us"] / 1e6) < 0.001
                  and cells[7].number_format == "[h]:mm" and v[8] == note)
            if not ok:
                check(False, "xlsx row %d: %r" % (i, [str(x)[:40] for x in v]))
                return
            i += 1
    check(i == 250, "xlsx: %d rows over the sheets, want 250" % i)


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", path, "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")


def t_pdf():
    out = os.path.join(TMP, "a.pdf")
    run("format-pdf", 'format = { title = "Edge Zoë"; subtitle = "Filters: 東京";'
        ' totals = ["spent", "amount", "id"]; orientation = "landscape"; };'
        ' style = { timezone = "Europe/Berlin"; };', out, "--rows", "200")
    info = subprocess.run(["pdfinfo", out], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    check(re.search(r"Page size:\s+841\.\d+ x 595\.\d+", info) is not None, "pdf: not A4 landscape: %s" % info)
    text = pdf_text(out)
    per_page = text.split("\f")
    for n in range(1, pages + 1):
        check("Page %d of %d" % (n, pages) in per_page[n - 1], "pdf: no 'Page %d of %d'" % (n, pages))
        check("Edge Zoë" in per_page[n - 1] and "Filters: 東京" in per_page[n - 1], "pdf page %d header" % n)
    for w in ["Zoë", "東京", "Ольга", '=HYPERLINK("http://x","y")']:
        check(w in text, "pdf: %r lost" % w)
    total_line = [l for l in per_page[pages - 1].splitlines() if "Total" in l]
    total_amount = sum(float(expected(i)["amount"]) for i in range(200))
    check(total_line and "20100" in total_line[0] and "%.2f" % total_amount in total_line[0]
          and hmm(sum(expected(i)["spent_us"] for i in range(200))) in total_line[0],
          "pdf totals %r" % total_line)
    fonts = subprocess.run(["pdffonts", out], check=True, capture_output=True, text=True).stdout
    check("DejaVuSans" in fonts and "DroidSansFallback" in fonts, "pdf fonts: %s" % fonts)
    # Without CJK text the fallback font is not embedded.
    out2 = os.path.join(TMP, "b.pdf")
    run("format-pdf", 'format = { overflow = "ellipsis"; page_size = "Letter"; };', out2,
        "--rows", "1")
    fonts = subprocess.run(["pdffonts", out2], check=True, capture_output=True, text=True).stdout
    check("DroidSansFallback" not in fonts, "pdf: fallback embedded without need")
    info = subprocess.run(["pdfinfo", out2], check=True, capture_output=True, text=True).stdout
    check(re.search(r"Page size:\s+612 x 792", info) is not None, "pdf: not Letter portrait: %s" % info)


def t_pdf_errors():
    out = os.path.join(TMP, "c.pdf")
    err = run("format-pdf", "format = { row_cap = 1000; };", out, "--rows", "10",
              "--row-count", "5000", expect=1)
    check("5000 rows" in err and "1000" in err and "row_cap" in err, "pdf cap message %r" % err)
    check(err.startswith("error: -7:"), "pdf cap: not FERRY_ERR_LIMIT: %r" % err)
    err = run("format-pdf", "format = { row_cap = 30; };", out, "--rows", "31", expect=1)
    check("more than 30 rows" in err, "pdf cap at write: %r" % err)
    err = run("format-pdf", 'format = { font = "/nonexistent/x.ttf"; };', out, expect=1)
    check("option font" in err and "/nonexistent/x.ttf" in err, "pdf font message %r" % err)
    err = run("format-pdf", 'format = { totals = ["name"]; };', out, expect=1)
    check("totals" in err and '"name"' in err, "pdf totals message %r" % err)
    err = run("format-pdf", 'format = { totals = ["nope"]; };', out, expect=1)
    check("totals" in err and '"nope"' in err, "pdf totals message %r" % err)


plain = t_json_array()
t_ndjson()
t_json_reject()
t_gzip(plain)
t_xlsx()
t_pdf()
t_pdf_errors()
if failures:
    print("%d failures" % len(failures))
    sys.exit(1)
shutil.rmtree(TMP)
print("ok")
