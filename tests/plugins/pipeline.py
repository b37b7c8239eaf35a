#!/usr/bin/python3
"""tests/plugins/pipeline.py — runs report.cfg (source-csv -> filter-where ->
filter-compute -> filter-mask -> format-csv) with `ferry run` and checks the
CSV with Python's csv module: the rows the conditions keep, the computed
hours/week/month, HMAC-SHA-256 of the user (computed here with hmac), the
redacted description; then a bad condition fails with a message naming it
and publishes nothing."""
import csv
import hashlib
import hmac
import os
import subprocess
import sys
import tempfile

ferry = os.environ["FERRY"]
here = os.path.join(os.environ["FERRY_SOURCE_DIR"], "tests", "plugins")
env = dict(os.environ, FERRY_PLUGIN_PATH=os.environ["FERRY_PLUGIN_DIR"])


def h(user):
    return hmac.new(b"report-key-0123456789", user.encode(), hashlib.sha256).hexdigest()[:16]


with tempfile.TemporaryDirectory() as out:
    r = subprocess.run([ferry, "run", "--output-dir", out, "report.cfg"], cwd=here, env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"ferry run failed ({r.returncode}): {r.stderr}")
    path = os.path.join(out, "billable-report.csv")
    if r.stdout.strip() != path:
        sys.exit(f"ferry run printed {r.stdout!r}, expected {path!r}")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    want = [
        ["id", "date", "user", "project", "task", "duration", "description", "billable",
         "hours", "week", "month"],
        ["1", "2024-01-29", h("zoe@example.com"), "ACME", "design", "1:30:00", "REDACTED", "true",
         "1.5", "2024-01-29", "2024-01-01"],
        ["2", "2024-01-31", h("olga@example.com"), "ACME", "build", "2:00:00", "REDACTED", "true",
         "2", "2024-01-29", "2024-01-01"],
        ["4", "2024-02-02", h("kenji@example.com"), "東京", "review", "3:15:00", "REDACTED", "true",
         "3.25", "2024-01-29", "2024-02-01"],
        ["5", "2024-02-05", h("zoe@example.com"), "ACME", "build", "4:00:00", "REDACTED", "true",
         "4", "2024-02-05", "2024-02-01"],
    ]
    if rows != want:
        sys.exit("unexpected rows:\n" + "\n".join(map(repr, rows)))
    # total hours per project per week, the report this pipeline is for
    totals = {}
    for row in rows[1:]:
        totals[(row[3], row[9])] = totals.get((row[3], row[9]), 0) + float(row[8])
    assert totals == {("ACME", "2024-01-29"): 3.5, ("東京", "2024-01-29"): 3.25,
                      ("ACME", "2024-02-05"): 4.0}, totals

    # A bad condition: a clear error naming it, exit 3 (config), nothing published.
    bad_out = os.path.join(out, "bad")
    os.mkdir(bad_out)
    r = subprocess.run([ferry, "run", "--output-dir", bad_out, "--set",
                        "filters.[0].conditions.[0]=duration > soon", "report.cfg"],
                       cwd=here, env=env, capture_output=True, text=True)
    msg = r.stderr.strip()
    if r.returncode == 0 or 'condition "duration > soon"' not in msg or "not a duration" not in msg:
        sys.exit(f"bad condition: exit {r.returncode}, stderr {msg!r}")
    if os.listdir(bad_out):
        sys.exit(f"a failed run published {os.listdir(bad_out)}")
print("pipeline: 4 rows as expected; bad condition refused")
