"""check_exports.py — reads the demo exports of formats_demo.sh back with
real consumers and compares them with the database, row for row.

  check_exports.py --socket S --database D --dir OUT
"""
import argparse
import csv
import datetime
import gzip
import io
import json
import re
import subprocess
import sys
import zipfile

import MySQLdb
import openpyxl

QUERY = ("SELECT e.date, p.name, t.name, e.duration, e.description, e.billable "
         "FROM tracking_timeentry e JOIN tracking_project p ON p.id = e.project_id "
         "LEFT JOIN tracking_task t ON t.id = e.task_id ORDER BY e.date, e.id")
KEYS = ["date", "project", "task", "duration", "description", "billable"]
LABELS = ["Date", "Project", "Task", "Duration", "Description", "Billable"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def hmm(us):
    """Duration as h:mm, minutes rounded half up (the field style)."""
    minutes = (us + 30_000_000) // 60_000_000
    return "%d:%02d" % (minutes // 60, minutes % 60)


def xstring(v):
    """A cell string as Excel shows it (null and "" are both a blank cell): OOXML escapes control characters as
    _xHHHH_ (ECMA-376 ST_Xstring), which openpyxl leaves encoded."""
    if not isinstance(v, str):
        return v
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), v)


def neutral(s):
    """CSV's formula guard: a leading ' before = + - @ tab CR."""
    return "'" + s if s and s[0] in "=+-@\t\r" else s


def db_rows(args):
    conn = MySQLdb.connect(unix_socket=args.socket, user="root", db=args.database,
                           charset="utf8mb4")
    cur = conn.cursor()
    cur.execute(QUERY)
    rows = [(r[0], r[1], r[2], int(r[3]), r[4], bool(r[5])) for r in cur.fetchall()]
    conn.close()
    return rows


def check_json(path, rows):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    check(isinstance(doc, list) and len(doc) == len(rows),
          "json: %d objects for %d rows" % (len(doc), len(rows)))
    for i, (obj, r) in enumerate(zip(doc, rows)):
        want = {"date": r[0].isoformat(), "project": r[1], "task": r[2],
                "duration": hmm(r[3]), "description": r[4], "billable": r[5]}
        if list(obj.keys()) != KEYS or obj != want:
            check(False, "json row %d: %r != %r" % (i + 1, obj, want))
            break


def check_csv_gz(path, rows):
    subprocess.run(["gzip", "-t", path], check=True)
    text = subprocess.run(["zcat", path], check=True, capture_output=True).stdout.decode("utf-8")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        check(f.read() == text, "csv.gz: zcat and python gzip disagree")
    data = list(csv.reader(io.StringIO(text, newline="")))
    check(data[0] == LABELS, "csv header %r" % data[0])
    check(len(data) - 1 == len(rows), "csv: %d rows for %d" % (len(data) - 1, len(rows)))
    for i, (got, r) in enumerate(zip(data[1:], rows)):
        want = [r[0].isoformat(), neutral(r[1]), neutral(r[2] or ""), hmm(r[3]),
                neutral(r[4] or ""), "true" if r[5] else "false"]
        if got != want:
            check(False, "csv row %d: %r != %r" % (i + 1, got, want))
            break


def check_xlsx(path, rows):
    with zipfile.ZipFile(path) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    check("<f>" not in sheet_xml, "xlsx: a formula cell exists")
    wb = openpyxl.load_workbook(path)
    check(wb.sheetnames == ["Time entries"], "xlsx sheets %r" % wb.sheetnames)
    ws = wb.worksheets[0]
    check(ws["A1"].value == "Timesheet", "xlsx title %r" % ws["A1"].value)
    check([c.value for c in ws[2]] == LABELS, "xlsx header %r" % [c.value for c in ws[2]])
    check(all(c.font.b for c in ws[2]), "xlsx header not bold")
    check(ws.freeze_panes == "A3", "xlsx freeze panes %r" % ws.freeze_panes)
    check(ws.auto_filter.ref == "A2:F%d" % (len(rows) + 2), "xlsx autofilter %r" % ws.auto_filter.ref)
    data = list(ws.iter_rows(min_row=3))
    check(len(data) == len(rows), "xlsx: %d rows for %d" % (len(data), len(rows)))
    hyperlink_seen = False
    for i, (cells, r) in enumerate(zip(data, rows)):
        d, proj, task, dur, desc, bill = cells
        ok = (d.value == datetime.datetime.combine(r[0], datetime.time()) and d.is_date
              and xstring(proj.value) == r[1] and proj.data_type == "s"
              and (xstring(task.value) or "") == (r[2] or "")
              and isinstance(dur.value, datetime.timedelta)
              and abs(dur.value.total_seconds() - r[3] / 1e6) < 0.001
              and dur.number_format == "[h]:mm"
              and (xstring(desc.value) or "") == (r[4] or "") and (desc.value is None or desc.data_type == "s")
              and bill.value is r[5])
        if desc.value == '=HYPERLINK("http://x","y")':
            hyperlink_seen = desc.data_type == "s"
        if not ok:
            check(False, "xlsx row %d: %r != %r" % (i + 1, [c.value for c in cells], r))
            break
    check(hyperlink_seen, "xlsx: the =HYPERLINK description is not an inert string cell")


def check_pdf(path, rows):
    info = subprocess.run(["pdfinfo", path], check=True, capture_output=True, text=True).stdout
    pages = int([l for l in info.splitlines() if l.startswith("Pages:")][0].split()[1])
    text = subprocess.run(["pdftotext", "-layout", path, "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")
    per_page = text.split("\f")
    check(pages >= 2, "pdf: %d pages for %d rows" % (pages, len(rows)))
    for n in range(1, pages + 1):
        page = per_page[n - 1]
        check("Page %d of %d" % (n, pages) in page, "pdf: no 'Page %d of %d'" % (n, pages))
        check("Timesheet" in page and "Generated " in page, "pdf page %d: no title" % n)
        check("Duration" in page and "Description" in page, "pdf page %d: no table header" % n)
    first, last = rows[0], rows[-1]
    first_line = [l for l in per_page[0].splitlines() if l.startswith(first[0].isoformat())]
    check(first_line and first[1] in first_line[0] and hmm(first[3]) in first_line[0],
          "pdf: first row %r not on page 1" % (first,))
    last_lines = [l for l in per_page[pages - 1].splitlines() if l.startswith(last[0].isoformat())]
    check(last_lines and any(last[1] in l and hmm(last[3]) in l for l in last_lines),
          "pdf: last row %r not on the last page" % (last,))
    total = hmm(sum(r[3] for r in rows))
    total_lines = [l for l in per_page[pages - 1].splitlines() if l.strip().startswith("Total")]
    check(total_lines and total in total_lines[0],
          "pdf: totals row %r, want %s" % (total_lines, total))
    # Every row's date and duration, in order, across the pages.
    body = [l for l in text.splitlines() if l[:4].isdigit() and l[4:5] == "-"]
    check(len(body) == len(rows), "pdf: %d row lines for %d rows" % (len(body), len(rows)))
    for i, (l, r) in enumerate(zip(body, rows)):
        if not (l.startswith(r[0].isoformat()) and hmm(r[3]) in l):
            check(False, "pdf row %d: %r vs %r" % (i + 1, l, r))
            break
    fonts = subprocess.run(["pdffonts", path], check=True, capture_output=True, text=True).stdout
    check("DejaVuSans" in fonts, "pdf: DejaVu Sans not embedded")
    check("DroidSansFallback" in fonts, "pdf: the CJK fallback font was not used")
    return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--database", required=True)
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    rows = db_rows(args)
    check(len(rows) > 100, "too few rows in the database: %d" % len(rows))
    check(any(r[4] == '=HYPERLINK("http://x","y")' for r in rows), "no HYPERLINK row")
    d = args.dir
    check_json(d + "/timesheet-json.json", rows)
    check_csv_gz(d + "/timesheet-csv.csv.gz", rows)
    check_xlsx(d + "/timesheet-xlsx.xlsx", rows)
    pdf_text = check_pdf(d + "/timesheet-pdf.pdf", rows)
    # Non-ASCII survives everywhere.
    with open(d + "/timesheet-json.json", encoding="utf-8") as f:
        json_text = f.read()
    csv_text = gzip.open(d + "/timesheet-csv.csv.gz", "rt", encoding="utf-8").read()
    xlsx_text = " ".join(str(c.value) for row in openpyxl.load_workbook(
        d + "/timesheet-xlsx.xlsx").worksheets[0].iter_rows() for c in row)
    for word in ["Zoë", "東京", "Ольга"]:
        for name, text in [("json", json_text), ("csv", csv_text), ("xlsx", xlsx_text),
                           ("pdf", pdf_text)]:
            check(word in text, "%s: %s lost" % (name, word))
    check("'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")" in csv_text, "csv: =HYPERLINK not neutralised")
    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)
    print("ok: %d rows in json, csv.gz, xlsx and pdf" % len(rows))


main()
