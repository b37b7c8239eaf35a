#!/usr/bin/python3
"""peers/py_csv.py SOCKET DB OUT — a hand-written Python export, as a team
without ferry would write it: MySQLdb with a server-side cursor (SSCursor,
rows streamed) and csv.writer (RFC 4180 quoting, CRLF). Values are written
as the driver returns them: no duration formatting, no formula guard."""
import csv
import os
import sys

import MySQLdb
import MySQLdb.cursors


def main():
    sock, db, out = sys.argv[1:4]
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "timesheet.sql")) as f:
        sql = f.read()
    conn = MySQLdb.connect(unix_socket=sock, user="ferry", passwd="ferry", db=db,
                           charset="utf8mb4", cursorclass=MySQLdb.cursors.SSCursor)
    cur = conn.cursor()
    cur.execute(sql)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Date", "Project", "Task", "Duration", "Description", "Billable"])
        while True:
            rows = cur.fetchmany(5000)
            if not rows:
                break
            w.writerows(rows)
    cur.close()
    conn.close()


if __name__ == "__main__":
    main()
