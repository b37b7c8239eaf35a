#!/usr/bin/python3
"""tests/schema/test_demo_data.py — scripts/demo_data.py on a ferry-migrated
database: the tables, users and every awkward description are there, the
same --seed gives the same rows, a reload replaces rather than adds, and
the default template of migration 0002 appears once the superuser exists."""
import hashlib
import os
import subprocess
import sys
import tempfile

import MySQLdb

FERRY = os.environ.get("FERRY")
SRC = os.environ.get("FERRY_SOURCE_DIR")
DBDIR = os.environ.get("FERRY_TEST_DB_DIR")
if not (FERRY and SRC):
    print("FERRY and FERRY_SOURCE_DIR must be set (run through ctest)", file=sys.stderr)
    sys.exit(1)
if not DBDIR:
    print("skipped: FERRY_TEST_DB_DIR not set (scripts/test.sh starts the test database)")
    sys.exit(77)
SOCK = os.path.join(DBDIR, "mysqld.sock")
DB = "ferry_t_demo_%d" % os.getpid()
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def q(sql, *params):
    c = MySQLdb.connect(unix_socket=SOCK, user="root", db=DB, charset="utf8mb4")
    cur = c.cursor()
    cur.execute(sql, params)
    out = [tuple(r) for r in cur.fetchall()]
    c.close()
    return out


def demo(*args):
    return subprocess.run(["/usr/bin/python3", os.path.join(SRC, "scripts", "demo_data.py"),
                           "--socket", SOCK, "--database", DB] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=600)


def digest():
    h = hashlib.sha256()
    for r in q("SELECT e.id, e.date, e.start_time, e.duration, e.description, e.billable,"
               " e.created_at, u.username, p.name, t.name FROM tracking_timeentry e"
               " JOIN auth_user u ON u.id = e.user_id JOIN tracking_project p ON p.id = e.project_id"
               " LEFT JOIN tracking_task t ON t.id = e.task_id ORDER BY e.id"):
        h.update(repr(r).encode())
    return h.hexdigest()


root = MySQLdb.connect(unix_socket=SOCK, user="root", charset="utf8mb4")
root.cursor().execute("DROP DATABASE IF EXISTS `%s`" % DB)
root.cursor().execute("CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" % DB)
tmp = tempfile.mkdtemp(prefix="ferry-demo-test-")
try:
    r = demo("--rows", "10")
    check(r.returncode == 1 and "ferry db migrate" in r.stderr,
          "before migrations it says to run `ferry db migrate`")
    conf = os.path.join(tmp, "ferry.conf")
    with open(conf, "w") as f:
        f.write('database: { migrations = "%s/schema/migrations"; };\n' % SRC)
    env = dict(os.environ, FERRY_DATABASE_URL="mysql://ferry:ferry@localhost/%s?socket=%s"
               % (DB, SOCK))
    m = subprocess.run([FERRY, "--config", conf, "db", "migrate"], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    check(m.returncode == 0, "ferry db migrate")

    r = demo("--rows", "2000", "--seed", "7")
    check(r.returncode == 0 and "loaded 2000 time entries" in r.stdout,
          "demo_data loads 2000 rows: %s" % r.stderr.strip())
    check(q("SELECT COUNT(*), MIN(id), MAX(id) FROM tracking_timeentry") == [(2000, 1, 2000)],
          "ids 1…2000")
    users = dict(q("SELECT username, first_name FROM auth_user"))
    check(users.get("zoe") == "Zoë" and users.get("olga") == "Ольга" and users.get("taro") == "東京",
          "users with non-ASCII names: %r" % users)
    check(q("SELECT is_superuser FROM auth_user WHERE username = 'admin'") == [(1,)],
          "admin is a superuser")
    descs = [r[0] for r in q("SELECT description FROM tracking_timeentry")]
    for what, pred in (("a comma", lambda d: d and "," in d),
                       ("a double quote", lambda d: d and '"' in d),
                       ("an LF", lambda d: d and "\n" in d and "\r" not in d),
                       ("a CRLF", lambda d: d and "\r\n" in d),
                       ("Zoë, 東京 and Ольга", lambda d: d and all(w in d for w in ("Zoë", "東京", "Ольга"))),
                       ("=HYPERLINK", lambda d: d == '=HYPERLINK("http://x","y")'),
                       ("an empty string", lambda d: d == ""),
                       ("NULL", lambda d: d is None),
                       ("a 4-byte character", lambda d: d and "🚀" in d)):
        check(any(pred(d) for d in descs), "descriptions include %s" % what)
    check(len(set(q("SELECT user_id FROM tracking_timeentry"))) == 5, "entries across all users")
    check(q("SELECT MIN(date) >= '2024-01-01', MAX(date) <= '2025-12-31',"
            " DATEDIFF(MAX(date), MIN(date)) > 600 FROM tracking_timeentry") == [(1, 1, 1)],
          "entries span about two years")
    check(q("SELECT COUNT(*) FROM tracking_project WHERE name = 'Проект «Ольга»'") == [(1,)],
          "non-ASCII project names")
    first = digest()
    tpl = q("SELECT t.name, u.username FROM export_templates t JOIN auth_user u ON u.id = t.user_id")
    check(tpl == [("Basic Time Tracking Export", "admin")],
          "the default template belongs to the new superuser: %r" % tpl)

    r = demo("--rows", "2000", "--seed", "7")
    check(r.returncode == 0 and digest() == first, "the same seed reloads the same rows")
    check(q("SELECT COUNT(*) FROM tracking_timeentry") == [(2000,)]
          and q("SELECT COUNT(*) FROM auth_user") == [(5,)]
          and q("SELECT COUNT(*) FROM export_templates") == [(1,)],
          "a reload replaces rows, users and template instead of adding")
    r = demo("--rows", "2000", "--seed", "8")
    check(r.returncode == 0 and digest() != first, "another seed gives other rows")
    r = demo("--rows", "30")
    check(r.returncode == 0 and q("SELECT COUNT(*) FROM tracking_timeentry") == [(30,)],
          "fewer rows on a reload")
finally:
    if not os.environ.get("FERRY_KEEP_TEST_DB"):
        root.cursor().execute("DROP DATABASE IF EXISTS `%s`" % DB)
    root.close()

if failures:
    print("%d check(s) failed" % len(failures))
    sys.exit(1)
print("all checks passed")
