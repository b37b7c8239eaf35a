#!/usr/bin/python3
"""check_csv.py FILE USER|all [--where SQL] [--fields a,b] [--headers A,B]
[--specials] — checks that a CSV ferry wrote holds exactly the database's
time entries (of USER, or of all users), read back with Python's csv module.

The expected rows come from the database with the demo pipeline's joins
and order (date, id), formatted here independently of ferry's code:
dates YYYY-MM-DD, durations h:mm (minutes rounded half up), booleans
true/false, NULL as an empty field, and text starting with = + - @ TAB or
CR prefixed with ' (formula guard). The file must be UTF-8 without a BOM,
with CRLF record ends. --specials also requires that the compared rows
hold non-ASCII text, quotes, commas, LF and CRLF newlines and a formula.
Exits 1 with the first difference."""
import argparse
import csv
import os
import sys
import urllib.parse

import MySQLdb

COLUMNS = {
    "date": "e.date",
    "project": "p.name",
    "task": "t.name",
    "duration": "e.duration",
    "description": "e.description",
    "billable": "e.billable",
}
LABELS = {"date": "Date", "project": "Project", "task": "Task", "duration": "Duration",
          "description": "Description", "billable": "Billable"}


def connect():
    u = urllib.parse.urlsplit(os.environ["FERRY_DATABASE_URL"])
    q = urllib.parse.parse_qs(u.query)
    kw = dict(user=u.username, passwd=u.password or "", db=u.path.lstrip("/"),
              charset="utf8mb4", use_unicode=True)
    if "socket" in q:
        kw.update(unix_socket=q["socket"][0], host="localhost")
    else:
        kw.update(host=u.hostname, port=u.port or 3306)
    return MySQLdb.connect(**kw)


def guard(s):
    return "'" + s if s and s[0] in "=+-@\t\r" else s


def hmm(us):
    sign = "-" if us < 0 else ""
    minutes = (abs(us) + 30_000_000) // 60_000_000
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"


def expected_cell(name, v):
    if v is None:
        return ""
    if name == "date":
        return v.strftime("%Y-%m-%d")
    if name == "duration":
        return hmm(int(v))
    if name == "billable":
        return "true" if v else "false"
    return guard(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("user")
    ap.add_argument("--where", default="1")
    ap.add_argument("--fields", default="date,project,task,duration,description,billable")
    ap.add_argument("--headers")
    ap.add_argument("--specials", action="store_true")
    a = ap.parse_args()
    fields = a.fields.split(",")
    headers = a.headers.split(",") if a.headers else [LABELS[f] for f in fields]

    db = connect()
    cur = db.cursor()
    sql = ("SELECT " + ", ".join(COLUMNS[f] for f in fields) +
           " FROM tracking_timeentry e JOIN tracking_project p ON p.id = e.project_id"
           " LEFT JOIN tracking_task t ON t.id = e.task_id WHERE (" + a.where + ")")
    params = []
    if a.user != "all":
        sql += " AND e.user_id = %s"
        params.append(int(a.user))
    cur.execute(sql + " ORDER BY e.date, e.id", params)
    raw = cur.fetchall()
    want = [[expected_cell(f, v) for f, v in zip(fields, row)] for row in raw]

    with open(a.file, "rb") as f:
        data = f.read()
    if data.startswith(b"\xef\xbb\xbf"):
        sys.exit("unexpected BOM")
    if not data.endswith(b"\r\n"):
        sys.exit("the file does not end with CRLF")
    data.decode("utf-8")  # strict: raises on invalid UTF-8
    with open(a.file, newline="", encoding="utf-8") as f:
        got = list(csv.reader(f, strict=True))
    if not got or got[0] != headers:
        sys.exit(f"header: got {got[:1]}, want {headers}")
    got = got[1:]
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            sys.exit(f"row {i + 1}: got {g!r}, want {w!r}")
    if len(got) != len(want):
        sys.exit(f"rows: got {len(got)}, want {len(want)}")

    if a.specials:
        desc = [r[fields.index("description")] for r in want]
        texts = [c for r in want for c in r]
        checks = {
            "non-ASCII": any(any(ord(ch) > 127 for ch in c) for c in texts),
            "double quote": any('"' in c for c in texts),
            "comma": any("," in c for c in texts),
            "LF newline": any("\n" in c and "\r\n" not in c for c in desc),
            "CRLF newline": any("\r\n" in c for c in desc),
            "formula neutralised": any(c.startswith("'=") for c in desc),
        }
        missing = [k for k, ok in checks.items() if not ok]
        if missing:
            sys.exit("the compared rows lack: " + ", ".join(missing))
    print(f"ok: {a.file}: {len(got)} rows equal the database's")


if __name__ == "__main__":
    main()
