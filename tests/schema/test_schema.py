#!/usr/bin/python3
"""tests/schema/test_schema.py — ferry's migrations against Django's own.

(a) Django 3.2 `migrate` of the seed models (tests/schema/djref) on one fresh
    database and `ferry db migrate` on another make the same seed tables and
    auth_user: columns (order, type, nullability, default, collation),
    indexes (names, columns, order, direction, uniqueness), constraints (FK
    names and targets, unique, CHECK json_valid) — information_schema
    compared; ferry's own additions are exactly the shared decisions'.
(b) `ferry db migrate` on the Django-migrated database succeeds, adds
    ferry's columns and tables, changes none of the seed's; Django's ORM
    still inserts rows; the default-template data migration is idempotent.
(c) migrate twice is a no-op; four at once apply each migration once; a
    held lock makes migrate wait.
(d) `ferry db status` lists pending, applied and modified migrations; a
    broken migration fails with one line, exit 5, and is not recorded.
(e) an unreachable database gives one line and exit 5.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

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
DJREF = os.path.join(SRC, "tests", "schema", "djref")
MIGRATIONS = os.path.join(SRC, "schema", "migrations")
SEED_TABLES = ["auth_user", "export_templates", "export_templates_shared_with",
               "export_requests", "export_audit_logs", "export_schedules", "export_usage_stats"]
PREFIX = "ferry_t_schema_%d" % os.getpid()

failures = []


def check(cond, what):
    if cond:
        print("ok   " + what)
    else:
        print("FAIL " + what)
        failures.append(what)
    return cond


def root(db=None):
    kw = dict(unix_socket=SOCK, user="root", charset="utf8mb4")
    if db:
        kw["db"] = db
    return MySQLdb.connect(**kw)


def create_db(suffix):
    name = "%s_%s" % (PREFIX, suffix)
    c = root()
    cur = c.cursor()
    cur.execute("DROP DATABASE IF EXISTS `%s`" % name)
    cur.execute("CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" % name)
    c.close()
    created.append(name)
    return name


def drop_all():
    if os.environ.get("FERRY_KEEP_TEST_DB"):
        return
    c = root()
    for name in created:
        c.cursor().execute("DROP DATABASE IF EXISTS `%s`" % name)
    c.close()


def url(db):
    return "mysql://ferry:ferry@localhost/%s?socket=%s" % (db, SOCK)


def ferry(db, *args, conf=None, url_override=None):
    env = dict(os.environ)
    env["FERRY_DATABASE_URL"] = url_override or url(db)
    return subprocess.run([FERRY, "--config", conf or CONF] + list(args), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=300)


def django(db, *args, inp=None):
    env = dict(os.environ)
    env.update(DJREF_DB_NAME=db, DJREF_DB_SOCKET=SOCK, PYTHONDONTWRITEBYTECODE="1")
    r = subprocess.run(["/usr/bin/python3", os.path.join(DJREF, "manage.py")] + list(args),
                       env=env, cwd=DJREF, input=inp, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, timeout=300)
    if r.returncode != 0:
        print(r.stdout, r.stderr, file=sys.stderr)
        raise SystemExit("django %s failed" % " ".join(args))
    return r.stdout


def rows(db, sql, *params):
    c = root(db)
    cur = c.cursor()
    cur.execute(sql, params)
    out = [tuple(r) for r in cur.fetchall()]
    c.close()
    return out


def snapshot(db, tables):
    """The catalogue of `tables` in `db`, as sorted tuples per aspect."""
    ph = ",".join(["%s"] * len(tables))
    q = lambda sql: sorted(rows(db, sql % ph, db, *tables), key=repr)
    return {
        "tables": q("SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES"
                    " WHERE TABLE_SCHEMA = %%s AND TABLE_NAME IN (%s)"),
        "columns": q("SELECT TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE,"
                     " COLUMN_DEFAULT, EXTRA, CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_KEY"
                     " FROM information_schema.COLUMNS"
                     " WHERE TABLE_SCHEMA = %%s AND TABLE_NAME IN (%s)"),
        "indexes": q("SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE,"
                     " COLLATION, SUB_PART, INDEX_TYPE FROM information_schema.STATISTICS"
                     " WHERE TABLE_SCHEMA = %%s AND TABLE_NAME IN (%s)"),
        "constraints": q("SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE"
                         " FROM information_schema.TABLE_CONSTRAINTS"
                         " WHERE CONSTRAINT_SCHEMA = %%s AND TABLE_NAME IN (%s)"),
        "key_columns": q("SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, ORDINAL_POSITION,"
                         " REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME"
                         " FROM information_schema.KEY_COLUMN_USAGE"
                         " WHERE CONSTRAINT_SCHEMA = %%s AND TABLE_NAME IN (%s)"),
        "foreign_keys": q("SELECT TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME,"
                          " UNIQUE_CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE, MATCH_OPTION"
                          " FROM information_schema.REFERENTIAL_CONSTRAINTS"
                          " WHERE CONSTRAINT_SCHEMA = %%s AND TABLE_NAME IN (%s)"),
        "checks": q("SELECT TABLE_NAME, CONSTRAINT_NAME, LEVEL, CHECK_CLAUSE"
                    " FROM information_schema.CHECK_CONSTRAINTS"
                    " WHERE CONSTRAINT_SCHEMA = %%s AND TABLE_NAME IN (%s)"),
    }


def is_ferry(row):
    """A catalogue row about one of ferry's own additions (named ferry_*)."""
    return any(isinstance(v, str) and v.startswith("ferry_") for v in row[1:4])


def split(snap):
    seed = {k: [r for r in v if not is_ferry(r)] for k, v in snap.items()}
    mine = {k: [r for r in v if is_ferry(r)] for k, v in snap.items()}
    return seed, mine


def same(a, b, what):
    ok = True
    for aspect in a:
        only_a = [r for r in a[aspect] if r not in b[aspect]]
        only_b = [r for r in b[aspect] if r not in a[aspect]]
        if only_a or only_b:
            ok = False
            for r in only_a:
                print("  %s: only in the first: %r" % (aspect, r))
            for r in only_b:
                print("  %s: only in the second: %r" % (aspect, r))
    return check(ok, what)


def write_conf(path, migrations):
    with open(path, "w") as f:
        f.write('database: {\n  migrations = "%s";\n};\n' % migrations)


created = []
tmp = tempfile.mkdtemp(prefix="ferry-schema-test-")
CONF = os.path.join(tmp, "ferry.conf")
# Relative to ferry.conf's directory, as a site would write it.
write_conf(CONF, os.path.relpath(MIGRATIONS, tmp))

EXPECTED_FERRY_COLUMNS = [
    # (table, column, type, nullable, default)
    ("export_requests", "ferry_attempt", "int(11)", "NO", "0"),
    ("export_requests", "ferry_lease_owner", "varchar(128)", "NO", "''"),
    ("export_requests", "ferry_lease_expires_at", "datetime(6)", "YES", "NULL"),
    ("export_requests", "ferry_row_count", "bigint(20)", "YES", "NULL"),
    ("export_requests", "ferry_warning_count", "bigint(20)", "NO", "0"),
    ("export_requests", "ferry_checksum", "varchar(64)", "NO", "''"),
    ("export_requests", "ferry_file_name", "varchar(255)", "NO", "''"),
    ("export_requests", "ferry_content_type", "varchar(100)", "NO", "''"),
    ("export_requests", "ferry_schedule_id", "char(32)", "YES", "NULL"),
    ("export_schedules", "ferry_invalid_at", "datetime(6)", "YES", "NULL"),
    ("export_requests", "ferry_origin_id", "char(32)", "YES", "NULL"),
]

try:
    # ---- (a) Django's reference versus ferry on an empty database ---------
    ref = create_db("django")
    django(ref, "migrate", "-v", "0")
    ref_snap = snapshot(ref, SEED_TABLES)
    check(len(ref_snap["columns"]) == 90 and len(ref_snap["foreign_keys"]) == 10
          and len(ref_snap["checks"]) == 7, "Django made the reference schema (%d columns)"
          % len(ref_snap["columns"]))

    fer = create_db("ferry")
    r = ferry(fer, "db", "status")
    check(r.returncode == 0 and sum(1 for l in r.stdout.splitlines() if l[:1].isdigit() and l.split()[2] == "pending") == 6
          and "0 applied, 6 pending" in r.stdout,
          "db status on an empty database lists 6 pending migrations")
    r = ferry(fer, "db", "migrate")
    check(r.returncode == 0 and "applied 6 migrations" in r.stdout,
          "db migrate on an empty database applies 6 (rc=%d: %s)" % (r.returncode,
                                                                     r.stderr.strip()))
    fer_seed, fer_mine = split(snapshot(fer, SEED_TABLES))
    ref_seed, ref_mine = split(ref_snap)
    check(not any(ref_mine.values()), "Django's schema has nothing named ferry_*")
    same(ref_seed, fer_seed, "ferry's seed tables and auth_user match Django's exactly")

    got = sorted(rows(fer, "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE,"
                           " COLUMN_DEFAULT FROM information_schema.COLUMNS"
                           " WHERE TABLE_SCHEMA = %s AND COLUMN_NAME LIKE 'ferry\\_%%'", fer))
    check(got == sorted(EXPECTED_FERRY_COLUMNS), "migrations 0003 and 0004 add exactly ferry's columns")
    got = rows(fer, "SELECT INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME FROM information_schema.STATISTICS"
                    " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = 'export_requests'"
                    " AND INDEX_NAME = 'ferry_req_claim_idx' ORDER BY SEQ_IN_INDEX", fer)
    check(got == [("ferry_req_claim_idx", 1, "status"),
                  ("ferry_req_claim_idx", 2, "ferry_lease_expires_at")],
          "ferry_req_claim_idx is (status, ferry_lease_expires_at)")
    got = rows(fer, "SELECT INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)"
                    " FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s"
                    " AND TABLE_NAME = 'ferry_schedule_runs' GROUP BY INDEX_NAME, NON_UNIQUE"
                    " ORDER BY INDEX_NAME", fer)
    check(sorted(got) == [("PRIMARY", 0, "id"), ("ferry_schedule_runs_uniq", 0, "schedule_id,fire_time")],
          "ferry_schedule_runs has its unique (schedule_id, fire_time)")
    got = rows(fer, "SELECT version, name, LENGTH(checksum) FROM ferry_migrations ORDER BY version")
    check(got == [(1, "0001_initial.sql", 64), (2, "0002_default_templates.sql", 64),
                  (3, "0003_ferry_columns.sql", 64), (4, "0004_warning_count.sql", 64),
                  (5, "0005_email_deliveries.sql", 64), (6, "0006_ops.sql", 64)],
          "ferry_migrations records the six")
    check(rows(fer, "SELECT COUNT(*) FROM export_templates") == [(0,)],
          "no superuser, so no default template (as the seed's data migration)")

    # ---- (c) twice is a no-op ---------------------------------------------
    before = snapshot(fer, SEED_TABLES + ["ferry_schedule_runs", "ferry_migrations"])
    recorded = rows(fer, "SELECT * FROM ferry_migrations ORDER BY version")
    r = ferry(fer, "db", "migrate")
    check(r.returncode == 0 and "nothing to apply" in r.stdout, "a second migrate applies nothing")
    same(before, snapshot(fer, SEED_TABLES + ["ferry_schedule_runs", "ferry_migrations"]),
         "a second migrate changes no table")
    check(rows(fer, "SELECT * FROM ferry_migrations ORDER BY version") == recorded,
          "a second migrate leaves ferry_migrations as it was")

    # ---- (d) status after migrate -------------------------------------------
    r = ferry(fer, "db", "status")
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and sum(1 for l in lines if " applied " in l) == 6
          and "6 applied, 0 pending" in r.stdout, "db status lists the six as applied")

    # ---- (b) ferry on top of the Django-migrated database -------------------
    # A superuser made through the web app after its migrate (the seed's data
    # migration found none), so ferry's 0002 makes the default template.
    django(ref, "shell", "-c",
           "from django.contrib.auth.models import User;"
           "User.objects.create_superuser('boss', 'boss@example.com', 'pw')")
    r = ferry(ref, "db", "migrate")
    check(r.returncode == 0 and "applied 6 migrations" in r.stdout,
          "db migrate on the Django-migrated database succeeds (rc=%d: %s)"
          % (r.returncode, r.stderr.strip()))
    after_seed, after_mine = split(snapshot(ref, SEED_TABLES))
    same(ref_seed, after_seed, "ferry changed none of Django's seed columns, indexes, constraints")
    same(fer_mine, after_mine, "ferry's additions on the Django database equal those on a fresh one")
    check(rows(ref, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s"
                    " AND TABLE_NAME IN ('ferry_schedule_runs', 'ferry_migrations')", ref)
          == [(2,)], "ferry's own tables exist on the Django database")
    tpl = rows(ref, "SELECT t.name, t.format, t.is_public, t.field_configuration,"
                    " t.default_filters, t.layout_settings, u.username, LENGTH(t.id)"
                    " FROM export_templates t JOIN auth_user u ON u.id = t.user_id")
    check(len(tpl) == 1 and tpl[0][:3] == ("Basic Time Tracking Export", "csv", 1)
          and json.loads(tpl[0][3]) == {
              "fields": ["date", "project", "task", "duration", "description"],
              "headers": ["Date", "Project", "Task", "Duration", "Description"]}
          and tpl[0][4:] == ("{}", "{}", "boss", 32),
          "0002 made the public default template for the superuser: %r" % (tpl,))
    # 0002 again (as if interrupted before it was recorded) adds nothing.
    sql = open(os.path.join(MIGRATIONS, "0002_default_templates.sql")).read()
    stmt = "\n".join(l for l in sql.splitlines() if not l.lstrip().startswith("--"))
    c = root(ref)
    c.cursor().execute(stmt.strip().rstrip(";"))
    c.commit()
    c.close()
    check(rows(ref, "SELECT COUNT(*) FROM export_templates") == [(1,)],
          "the default-template migration is idempotent")
    # Django's ORM keeps working on the migrated tables (ferry's columns have defaults).
    out = django(ref, "shell", "-c", "\n".join([
        "from django.contrib.auth.models import User",
        "from exports.models import ExportRequest, ExportTemplate",
        "t = ExportTemplate.objects.get(name='Basic Time Tracking Export')",
        "u = User.objects.get(username='boss')",
        "r = ExportRequest.objects.create(user=u, title='Zoë', format='csv', template=t,"
        " filters={'project': 'Ω'})",
        "t.shared_with.add(u)",
        "print(ExportRequest.objects.get(pk=r.pk).filters['project'], t.field_configuration['headers'][0])",
    ]))
    check(out.strip() == "Ω Date", "Django's ORM inserts and reads rows after ferry's migrations")
    got = rows(ref, "SELECT status, ferry_attempt, ferry_lease_owner, ferry_checksum,"
                    " ferry_lease_expires_at FROM export_requests")
    check(got == [("pending", 0, "", "", None)], "ferry's columns take their defaults: %r" % got)

    # ---- (c) four at once, and the lock --------------------------------------
    conc = create_db("conc")
    env = dict(os.environ, FERRY_DATABASE_URL=url(conc))
    procs = [subprocess.Popen([FERRY, "--config", CONF, "db", "migrate"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True) for _ in range(4)]
    outs = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    check(all(o[2] == 0 for o in outs), "four concurrent migrates all succeed: %r"
          % [o[1].strip() for o in outs if o[2]])
    applied = sum(int(o[0].split()[1]) for o in outs if o[0].startswith("applied "))
    check(applied == 6, "the four applied each migration once in all (%d)" % applied)
    check(rows(conc, "SELECT version FROM ferry_migrations ORDER BY version") == [(1,), (2,), (3,), (4,), (5,), (6,)],
          "ferry_migrations has each migration once")

    locked = create_db("lock")
    holder = root(locked)
    hc = holder.cursor()
    hc.execute("SELECT GET_LOCK(LEFT(CONCAT('ferry_migrate:', DATABASE()), 64), 10)")
    check(hc.fetchone()[0] == 1, "the test holds the migration lock")
    p = subprocess.Popen([FERRY, "--config", CONF, "db", "migrate"],
                         env=dict(os.environ, FERRY_DATABASE_URL=url(locked)),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    waiting = False
    for _ in range(600):  # until ferry's connection waits on the lock
        hc.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST"
                   " WHERE DB = %s AND STATE = 'User lock'", (locked,))
        if hc.fetchone()[0] == 1:
            waiting = True
            break
        if p.poll() is not None:
            break
        time.sleep(0.05)
    check(waiting, "migrate waits for the lock")
    check(rows(locked, "SELECT COUNT(*) FROM information_schema.TABLES"
                       " WHERE TABLE_SCHEMA = %s", locked) == [(0,)],
          "nothing was created while the lock was held")
    hc.execute("SELECT RELEASE_LOCK(LEFT(CONCAT('ferry_migrate:', DATABASE()), 64))")
    out, errout = p.communicate(timeout=300)
    holder.close()
    check(p.returncode == 0 and "applied 6 migrations" in out,
          "after the lock is released migrate applies the six")

    # ---- (d) a changed, a new and a broken migration ---------------------------
    mdir = os.path.join(tmp, "migrations")
    shutil.copytree(MIGRATIONS, mdir)
    conf2 = os.path.join(tmp, "ferry2.conf")
    write_conf(conf2, "migrations")
    with open(os.path.join(mdir, "0003_ferry_columns.sql"), "a") as f:
        f.write("-- an edit after it was applied\n")
    with open(os.path.join(mdir, "0098_extra.sql"), "w") as f:
        f.write("-- a test migration\nCREATE TABLE IF NOT EXISTS `ferry_test_extra` (\n"
                "  `id` integer NOT NULL PRIMARY KEY\n);\n"
                "INSERT INTO `ferry_test_extra` VALUES (1);\n")
    r = ferry(fer, "db", "status", conf=conf2)
    # The migration rows only: the summary and the schema check's line follow.
    st = {l.split()[1]: l.split()[2] for l in r.stdout.splitlines() if l[:4].isdigit()}
    check(st == {"0001_initial.sql": "applied", "0002_default_templates.sql": "applied",
                 "0003_ferry_columns.sql": "modified", "0004_warning_count.sql": "applied",
                 "0005_email_deliveries.sql": "applied", "0006_ops.sql": "applied",
                 "0098_extra.sql": "pending"},
          "db status shows applied, modified and pending: %r" % st)
    r = ferry(fer, "db", "migrate", conf=conf2)
    check(r.returncode == 0 and "applied 1 migration;" in r.stdout
          and rows(fer, "SELECT id FROM ferry_test_extra") == [(1,)],
          "migrate applies only the new migration")
    with open(os.path.join(mdir, "0099_broken.sql"), "w") as f:
        f.write("CREATE TABLE IF NOT EXISTS `ferry_test_ok` (`id` integer);\n\n"
                "SELEC nonsense\n  FROM nowhere;\n")
    r = ferry(fer, "db", "migrate", conf=conf2)
    # Log lines (logfmt, "time=…") may precede it: the 0003 warning above.
    err_lines = [l for l in r.stderr.strip().splitlines() if not l.startswith("time=")]
    check(r.returncode == 5 and len(err_lines) == 1 and err_lines[0].startswith("ferry: ")
          and "0099_broken.sql" in err_lines[0] and "line 3" in err_lines[0],
          "a broken migration: exit 5 and one line naming file and line: %r" % r.stderr)
    check(rows(fer, "SELECT COUNT(*) FROM ferry_migrations WHERE version = 99") == [(0,)],
          "the broken migration is not recorded")
    r = ferry(fer, "db", "status", conf=conf2)
    check("0099_broken.sql" in r.stdout and "7 applied, 1 pending" in r.stdout,
          "status lists the broken one as pending")

    # ---- (e) unreachable database ----------------------------------------------
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    for what, u in (("a closed TCP port", "mysql://ferry:ferry@127.0.0.1:%d/x" % port),
                    ("a missing socket", "mysql://ferry:ferry@localhost/x?socket=%s/nope.sock"
                     % tmp)):
        for cmd in ("migrate", "status"):
            r = ferry(None, "db", cmd, url_override=u)
            lines = r.stderr.strip().splitlines()
            check(r.returncode == 5 and len(lines) == 1 and lines[0].startswith("ferry: ")
                  and r.stdout == "", "db %s on %s: one line, exit 5 (%d: %r)"
                  % (cmd, what, r.returncode, r.stderr))
finally:
    drop_all()
    shutil.rmtree(tmp, ignore_errors=True)

if failures:
    print("%d check(s) failed" % len(failures))
    sys.exit(1)
print("all checks passed")
