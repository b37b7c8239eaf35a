#!/usr/bin/python3
"""peers/py_json.py SOCKET DB OUT — a hand-written streaming JSON export:
MySQLdb SSCursor, one json.dumps per row inside a hand-written array (the
json module cannot stream an array by itself). Dates as ISO strings, the
duration as the driver's integer microseconds."""
import json
import os
import sys

import MySQLdb
import MySQLdb.cursors

KEYS = ["date", "project", "task", "duration", "description", "billable"]


def main():
    sock, db, out = sys.argv[1:4]
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "timesheet.sql")) as f:
        sql = f.read()
    conn = MySQLdb.connect(unix_socket=sock, user="ferry", passwd="ferry", db=db,
                           charset="utf8mb4", cursorclass=MySQLdb.cursors.SSCursor)
    cur = conn.cursor()
    cur.execute(sql)
    first = True
    with open(out, "w", encoding="utf-8") as f:
        f.write("[")
        while True:
            rows = cur.fetchmany(5000)
            if not rows:
                break
            for r in rows:
                obj = dict(zip(KEYS, r))
                obj["date"] = obj["date"].isoformat()
                obj["billable"] = bool(obj["billable"])
                f.write(("\n" if first else ",\n") + json.dumps(obj, ensure_ascii=False))
                first = False
        f.write("\n]\n")
    cur.close()
    conn.close()


if __name__ == "__main__":
    main()
