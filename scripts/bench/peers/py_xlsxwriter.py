#!/usr/bin/python3
"""peers/py_xlsxwriter.py SOCKET DB OUT — Excel with python3-xlsxwriter in
constant_memory mode (rows written as they come), read with a MySQLdb
SSCursor. Dates as Excel dates, the duration as integer microseconds."""
import os
import sys

import MySQLdb
import MySQLdb.cursors
import xlsxwriter


def main():
    sock, db, out = sys.argv[1:4]
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "timesheet.sql")) as f:
        sql = f.read()
    conn = MySQLdb.connect(unix_socket=sock, user="ferry", passwd="ferry", db=db,
                           charset="utf8mb4", cursorclass=MySQLdb.cursors.SSCursor)
    cur = conn.cursor()
    cur.execute(sql)
    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    ws = wb.add_worksheet("Time entries")
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, ["Date", "Project", "Task", "Duration", "Description", "Billable"])
    n = 1
    while True:
        rows = cur.fetchmany(5000)
        if not rows:
            break
        for r in rows:
            ws.write_datetime(n, 0, r[0], datef)
            ws.write_row(n, 1, r[1:])
            n += 1
    wb.close()
    conn.close()


if __name__ == "__main__":
    main()
