#!/usr/bin/python3
"""peers/py_xlsx.py SOCKET DB OUT — a hand-written Excel export: MySQLdb
SSCursor into an openpyxl write-only workbook (openpyxl's streaming mode).
Dates become Excel dates (the driver gives datetime.date); the duration
stays integer microseconds; no header styling, no sheet split past
1,048,576 rows (the benchmark stays below it)."""
import os
import sys

import MySQLdb
import MySQLdb.cursors
import openpyxl


def main():
    sock, db, out = sys.argv[1:4]
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "timesheet.sql")) as f:
        sql = f.read()
    conn = MySQLdb.connect(unix_socket=sock, user="ferry", passwd="ferry", db=db,
                           charset="utf8mb4", cursorclass=MySQLdb.cursors.SSCursor)
    cur = conn.cursor()
    cur.execute(sql)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Time entries")
    ws.append(["Date", "Project", "Task", "Duration", "Description", "Billable"])
    while True:
        rows = cur.fetchmany(5000)
        if not rows:
            break
        for r in rows:
            ws.append(r)
    wb.save(out)
    cur.close()
    conn.close()


if __name__ == "__main__":
    main()
