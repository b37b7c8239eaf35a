#!/usr/bin/python3
"""peers/py_reportlab.py SOCKET DB OUT — a PDF table with ReportLab's
low-level canvas (python3-reportlab), read with a MySQLdb SSCursor: A4
landscape, DejaVu Sans embedded, a header row on every page, text clipped to
equal column widths by measuring it (the same work scripts/bench/peers/c_pdf.c
does with libharu)."""
import os
import sys

import MySQLdb
import MySQLdb.cursors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

SIZE, LINE, MARGIN = 8, 11, 36
HEAD = ["Date", "Project", "Task", "Duration", "Description", "Billable"]


def fit(s, w):
    while s and pdfmetrics.stringWidth(s, "DejaVu", SIZE) > w:
        s = s[:-1]
    return s


def main():
    sock, db, out = sys.argv[1:4]
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "timesheet.sql")) as f:
        sql = f.read()
    pdfmetrics.registerFont(TTFont("DejaVu", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    conn = MySQLdb.connect(unix_socket=sock, user="ferry", passwd="ferry", db=db,
                           charset="utf8mb4", cursorclass=MySQLdb.cursors.SSCursor)
    cur = conn.cursor()
    cur.execute(sql)
    c = canvas.Canvas(out, pagesize=landscape(A4))
    pw, ph = landscape(A4)
    w = (pw - 2 * MARGIN) / len(HEAD)
    y = None
    while True:
        rows = cur.fetchmany(5000)
        if not rows:
            break
        for r in rows:
            if y is None or y < MARGIN:
                if y is not None:
                    c.showPage()
                c.setFont("DejaVu", SIZE)
                y = ph - MARGIN - LINE
                for i, h in enumerate(HEAD):
                    c.drawString(MARGIN + i * w, y, h)
                y -= LINE
            for i, v in enumerate(r):
                c.drawString(MARGIN + i * w, y, fit("" if v is None else str(v), w - 4))
            y -= LINE
    c.save()
    conn.close()


if __name__ == "__main__":
    main()
