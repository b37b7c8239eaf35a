#!/usr/bin/python3
"""scripts/demo_data.py — loads ferry's deterministic time-tracking demo data.

Creates the tables of schema/demo/tracking.sql, a few users in auth_user
(a superuser 'admin' and users with non-ASCII names), projects and tasks
with non-ASCII names, and N time entries across the users and two years
(2024-01-01 … 2025-12-31). Descriptions include commas, double quotes,
newlines (LF and CRLF), tabs, backslashes, non-ASCII text (Zoë, 東京, Ольга),
a formula-looking `=HYPERLINK("http://x","y")`, empty strings and NULLs; the
first rows hold one of each, so that even `--rows 20` has every case.

The same --rows and --seed always give the same rows (ids 1…N). Run it
again and it empties and reloads the tracking tables (users are upserted by
username). Rows go through a TSV file and LOAD DATA LOCAL INFILE, so a
million rows load in about a minute. Run `ferry db migrate` first (it makes
auth_user); then, when it made the superuser, it also applies the default
template of migration 0002 (that migration found no superuser before).

  scripts/demo_data.py --socket /path/mysqld.sock --database ferry [--rows N]
  scripts/demo_data.py --host 127.0.0.1 --port 3306 --user ferry --password ferry …
  scripts/demo_data.py --url mysql://ferry:ferry@localhost/ferry?socket=/path.sock
"""
import argparse
import base64
import datetime
import hashlib
import os
import random
import sys
import tempfile
import time
import urllib.parse

import MySQLdb

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
TRACKING_SQL = os.path.join(SOURCE, "schema", "demo", "tracking.sql")
TEMPLATES_SQL = os.path.join(SOURCE, "schema", "migrations", "0002_default_templates.sql")

EPOCH = datetime.datetime(2024, 1, 1)
DAYS = 731  # 2024-01-01 … 2025-12-31

# (username, first_name, last_name, email, is_superuser)
USERS = [
    ("admin", "Ada", "Admin", "admin@example.com", True),
    ("zoe", "Zoë", "Lefèvre", "zoe@example.com", False),
    ("olga", "Ольга", "Иванова", "olga@example.com", False),
    ("taro", "東京", "太郎", "taro@example.com", False),
    ("sam", "Sam", "O'Neil", "sam@example.com", False),
]

# (code, name, [task names])
PROJECTS = [
    ("WEB", "Website relaunch", ["Design", "Development", "Review, QA"]),
    ("CAFE", "Zoë's Café", ["Menu \"specials\"", "Réunion", "Support; hotline"]),
    ("TYO", "東京 Office", ["テスト", "翻訳", "Setup"]),
    ("MSK", "Проект «Ольга»", ["Ревью", "Разработка"]),
    ("INT", 'Internal, "misc"', ["Admin", "Training", "Meetings"]),
]

# One of each awkward case, in the first rows of every load.
SPECIAL = [
    "Plain description",
    "Comma, separated, words",
    'She said "hello" and "bye"',
    "Line one\nLine two",
    "Windows line\r\nsecond line",
    "Zoë met Ольга in 東京",
    '=HYPERLINK("http://x","y")',
    "",
    None,
    "+1 call with client",
    "-minus first",
    "@mention first",
    "Tab\tinside",
    "Back\\slash and \\N literal",
    "Emoji 🚀 and ümlauts",
    "  leading and trailing spaces  ",
]

WORDS = ["meeting", "review", "bugfix", "deploy", "Zoë", "東京", "Ольга", "client",
         "design", "café", "naïve", "résumé", "planning", "docs", "support", "call"]


def parse_args():
    p = argparse.ArgumentParser(description="Load ferry's time-tracking demo data.")
    p.add_argument("--url", help="mysql://user:pw@host:port/db or …@localhost/db?socket=PATH")
    p.add_argument("--socket")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=3306)
    p.add_argument("--user", default=None)
    p.add_argument("--password", default=None)
    p.add_argument("--database", default=None)
    p.add_argument("--rows", type=int, default=10000)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()
    if a.url:
        u = urllib.parse.urlsplit(a.url)
        q = urllib.parse.parse_qs(u.query)
        a.user = a.user or urllib.parse.unquote(u.username or "")
        a.password = a.password if a.password is not None else urllib.parse.unquote(u.password or "")
        a.database = a.database or u.path.lstrip("/")
        if "socket" in q:
            a.socket = a.socket or q["socket"][0]
        else:
            a.host = a.host or u.hostname
            a.port = u.port or a.port
    if not a.database:
        p.error("--database (or --url) is required")
    if a.rows < 0:
        p.error("--rows must be >= 0")
    return a


def connect(a):
    kw = dict(user=a.user or "root", passwd=a.password or "", db=a.database,
              charset="utf8mb4", use_unicode=True, local_infile=1)
    if a.socket:
        kw["unix_socket"] = a.socket
        kw["host"] = "localhost"
    else:
        kw["host"] = a.host or "127.0.0.1"
        kw["port"] = a.port
    return MySQLdb.connect(**kw)


def statements(path):
    """Splits an SQL file the way `ferry db migrate` does: `;` at line end."""
    out, cur = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.lstrip().startswith("--"):
                continue
            cur.append(line)
            if line.rstrip().endswith(";"):
                s = "".join(cur).rstrip().rstrip(";")
                if s.strip():
                    out.append(s)
                cur = []
    if "".join(cur).strip():
        out.append("".join(cur))
    return out


def admin_password_hash(password, salt="ferrydemo"):
    """Django's pbkdf2_sha256 format, so the web app accepts it ('admin')."""
    iterations = 260000
    dk = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return "pbkdf2_sha256$%d$%s$%s" % (iterations, salt, base64.b64encode(dk).decode())


def tsv(v):
    if v is None:
        return "\\N"
    s = str(v)
    return (s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def description(rng, i):
    if i < len(SPECIAL):
        return SPECIAL[i]
    r = rng.random()
    if r < 0.03:
        return None
    if r < 0.06:
        return ""
    if r < 0.16:
        return rng.choice(SPECIAL)
    n = rng.randint(1, 8)
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def write_entries(f, rng, n, user_ids, projects):
    """projects: list of (project_id, [task_ids])."""
    out = []
    for i in range(n):
        uid = user_ids[i % len(user_ids)] if i < len(user_ids) else rng.choice(user_ids)
        pid, tasks = rng.choice(projects)
        tid = None if rng.random() < 0.05 else rng.choice(tasks)
        day = EPOCH + datetime.timedelta(days=rng.randrange(DAYS))
        if rng.random() < 0.02:
            start = None
            created = day + datetime.timedelta(hours=20)
        else:
            start = day + datetime.timedelta(hours=rng.randint(7, 18), minutes=rng.randrange(60),
                                             seconds=rng.randrange(60))
            created = start
        minutes = rng.randint(5, 480)
        duration_us = minutes * 60 * 1000000
        created = created + datetime.timedelta(minutes=minutes)
        out.append("\t".join((
            str(i + 1), day.strftime("%Y-%m-%d"),
            start.strftime("%Y-%m-%d %H:%M:%S.000000") if start else "\\N",
            str(duration_us), tsv(description(rng, i)), "1" if rng.random() < 0.7 else "0",
            created.strftime("%Y-%m-%d %H:%M:%S.%f"), created.strftime("%Y-%m-%d %H:%M:%S.%f"),
            str(pid), "\\N" if tid is None else str(tid), str(uid))))
        if len(out) >= 10000:
            f.write(("\n".join(out) + "\n").encode("utf-8"))
            out = []
    if out:
        f.write(("\n".join(out) + "\n").encode("utf-8"))


def main():
    a = parse_args()
    t0 = time.monotonic()
    conn = connect(a)
    cur = conn.cursor()
    cur.execute("SET time_zone = '+00:00'")
    cur.execute("SELECT COUNT(*) FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'auth_user'")
    if cur.fetchone()[0] == 0:
        print("demo_data.py: database %s has no auth_user table: run `ferry db migrate` first"
              % a.database, file=sys.stderr)
        return 1
    for s in statements(TRACKING_SQL):
        cur.execute(s)

    rng = random.Random(a.seed)
    joined = datetime.datetime(2023, 12, 1)
    user_ids = []
    for username, first, last, email, su in USERS:
        pw = admin_password_hash("admin") if su else "!" + hashlib.sha1(username.encode()).hexdigest()
        cur.execute(
            "INSERT INTO auth_user (password, last_login, is_superuser, username, first_name,"
            " last_name, email, is_staff, is_active, date_joined)"
            " VALUES (%s, NULL, %s, %s, %s, %s, %s, %s, 1, %s)"
            " ON DUPLICATE KEY UPDATE first_name = VALUES(first_name),"
            " last_name = VALUES(last_name), email = VALUES(email),"
            " is_superuser = VALUES(is_superuser), is_staff = VALUES(is_staff)",
            (pw, 1 if su else 0, username, first, last, email, 1 if su else 0, joined))
        cur.execute("SELECT id FROM auth_user WHERE username = %s", (username,))
        user_ids.append(cur.fetchone()[0])
    conn.commit()

    cur.execute("SET FOREIGN_KEY_CHECKS = 0")
    cur.execute("SET UNIQUE_CHECKS = 0")
    for t in ("tracking_timeentry", "tracking_task", "tracking_project"):
        cur.execute("TRUNCATE TABLE `%s`" % t)
    projects = []
    task_id = 0
    for pid, (code, name, tasks) in enumerate(PROJECTS, start=1):
        cur.execute("INSERT INTO tracking_project (id, name, code, is_active, created_at)"
                    " VALUES (%s, %s, %s, 1, %s)", (pid, name, code, joined))
        ids = []
        for tname in tasks:
            task_id += 1
            cur.execute("INSERT INTO tracking_task (id, name, created_at, project_id)"
                        " VALUES (%s, %s, %s, %s)", (task_id, tname, joined, pid))
            ids.append(task_id)
        projects.append((pid, ids))

    fd, path = tempfile.mkstemp(prefix="ferry-demo-", suffix=".tsv")
    try:
        with os.fdopen(fd, "wb") as f:
            write_entries(f, rng, a.rows, user_ids, projects)
        cur.execute(
            "LOAD DATA LOCAL INFILE %s INTO TABLE tracking_timeentry"
            " CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\'"
            " LINES TERMINATED BY '\\n'"
            " (id, date, start_time, duration, description, billable, created_at, updated_at,"
            " project_id, task_id, user_id)", (path,))
    finally:
        os.unlink(path)
    cur.execute("SET UNIQUE_CHECKS = 1")
    cur.execute("SET FOREIGN_KEY_CHECKS = 1")
    conn.commit()

    # Migration 0002 found no superuser on a fresh database; now there is one.
    cur.execute("SELECT COUNT(*) FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'export_templates'")
    if cur.fetchone()[0] and os.path.exists(TEMPLATES_SQL):
        for s in statements(TEMPLATES_SQL):
            cur.execute(s)
        conn.commit()

    cur.execute("SELECT COUNT(*) FROM tracking_timeentry")
    count = cur.fetchone()[0]
    conn.close()
    if count != a.rows:
        print("demo_data.py: loaded %d rows, expected %d" % (count, a.rows), file=sys.stderr)
        return 1
    print("loaded %d time entries for %d users into %s in %.1f s"
          % (count, len(user_ids), a.database, time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
