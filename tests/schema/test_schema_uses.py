#!/usr/bin/python3
"""tests/schema/test_schema_uses.py — the schema check's list of columns
(core/src/store/schema_uses.c) against the SQL that uses them. No database.

Reads every SQL statement in core/src/{store,service,cli}/*.c (adjacent
string literals joined, string-only macros of the same file expanded) and
the tables and columns schema/migrations/*.sql create, then checks:
(a) every column of a known table that a statement names (bare, backticked
    or alias-qualified; lower case, not followed by '(') is in the list;
    a bare name counts against every table of its statement that has it;
(b) every row of the list is used by some statement (no stale rows);
(c) every row's type class matches the type its migration declares;
(d) the statements name no column of a known table that the migrations
    don't make (alias.column only: a bare word may be an alias);
(e) the list is sorted by table and column (so grouped by table).
migrate.c is not read: ferry_migrations is the migration check's own table.

`--print` writes the list the statements imply, as C rows, and exits.
"""
import glob
import os
import re
import sys

SRC = os.environ.get("FERRY_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
USES = os.path.join(SRC, "core", "src", "store", "schema_uses.c")
SKIP = {"migrate.c"}
STMT_START = re.compile(r"^\s*\(?\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|WITH)\b")
TABLE_BEFORE = {"FROM", "JOIN", "UPDATE", "INTO"}
# MariaDB DATA_TYPE values by class (schema_uses.h says the same).
CLASSES = {
    "INT": {"tinyint", "smallint", "mediumint", "int", "integer", "bigint", "bool"},
    "DATETIME": {"datetime"},
    "DATE": {"date"},
    "TEXT": {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "json"},
}

failures = []


def fail(what):
    print("FAIL " + what)
    failures.append(what)


def strip_comments(text):
    """Removes C comments, keeping string and char literals intact."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text[i] in "\"'":
            q, j = text[i], i + 1
            while j < n and text[j] != q:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


C_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|[A-Za-z_]\w*|\S')


def unescape(lit):
    body = lit[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def string_macros(text):
    """#define NAME "…" NAME2 "…" (string literals and such macros only)."""
    macros = {}
    for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+((?:[^\n\\]|\\\n|\\.)*)", text, re.M):
        toks = C_TOKEN.findall(m.group(2).replace("\\\n", " "))
        if toks and all(t.startswith('"') or t in macros for t in toks):
            macros[m.group(1)] = "".join(macros[t] if t in macros else unescape(t) for t in toks)
    return macros


def statements(path):
    """The SQL statements of one C file: runs of adjacent literals/macros."""
    text = strip_comments(open(path, encoding="utf-8").read())
    macros = string_macros(text)
    body = re.sub(r"^[ \t]*#[ \t]*define(?:[^\n\\]|\\\n|\\.)*", " ", text, flags=re.M)
    runs, cur = [], None
    for tok in C_TOKEN.findall(body):
        if tok.startswith('"') or tok in macros:
            piece = macros[tok] if tok in macros else unescape(tok)
            cur = piece if cur is None else cur + piece
            continue
        if cur is not None:
            runs.append(cur)
            cur = None
    if cur is not None:
        runs.append(cur)
    return [r for r in runs if STMT_START.match(r)]


def migrations_schema():
    """{table: {column: data_type}} from the migrations' CREATE/ALTER TABLE."""
    schema = {}
    for path in sorted(glob.glob(os.path.join(SRC, "schema", "migrations", "*.sql"))):
        text = "\n".join(l for l in open(path, encoding="utf-8").read().splitlines()
                         if not l.lstrip().startswith("--"))
        for m in re.finditer(r"CREATE TABLE IF NOT EXISTS `(\w+)` \((.*?)\n\)", text, re.S):
            cols = schema.setdefault(m.group(1), {})
            for c in re.finditer(r"^\s*`(\w+)` (\w+)", m.group(2), re.M):
                cols[c.group(1)] = c.group(2).lower()
        for m in re.finditer(r"ALTER TABLE `(\w+)`(.*?);", text, re.S):
            cols = schema.setdefault(m.group(1), {})
            for c in re.finditer(r"ADD COLUMN IF NOT EXISTS `(\w+)` (\w+)", m.group(2)):
                cols[c.group(1)] = c.group(2).lower()
    return schema


SQL_TOKEN = re.compile(r"'(?:[^'\\]|\\.|'')*'|`(\w+)`|([A-Za-z_]\w*)|(\S)")


def sql_tokens(sql):
    """(word, kind) pairs: kind 'id' for identifiers, 'p' for punctuation."""
    out = []
    for m in SQL_TOKEN.finditer(sql):
        if m.group(1):
            out.append((m.group(1), "id"))
        elif m.group(2):
            out.append((m.group(2), "id"))
        elif m.group(3):
            out.append((m.group(3), "p"))
    return out


def uses_of(sql, schema):
    """(table, column) pairs one statement uses, and unknown alias.columns."""
    toks = sql_tokens(sql)
    tables, alias = set(), {}
    for i, (w, k) in enumerate(toks):
        prev = toks[i - 1][0] if i else ""
        if k != "id" or prev not in TABLE_BEFORE or w not in schema:
            continue
        if prev == "UPDATE" and i > 1 and toks[i - 2][0] == "KEY":
            continue
        tables.add(w)
        alias[w] = w
        j = i + 1
        if j < len(toks) and toks[j][0] == "AS":
            j += 1
        if j < len(toks) and toks[j][1] == "id" and toks[j][0].islower():
            alias[toks[j][0]] = w
    used, unknown = set(), set()
    for i, (w, k) in enumerate(toks):
        if k != "id" or not w.islower() and not w.startswith("_"):
            continue
        nxt = toks[i + 1][0] if i + 1 < len(toks) else ""
        prev = toks[i - 1][0] if i else ""
        if nxt == "(" or w in tables and prev in TABLE_BEFORE:
            continue
        if nxt == ".":
            continue
        if prev == "." and i > 1:
            t = alias.get(toks[i - 2][0])
            if t is None:
                continue
            if w in schema[t]:
                used.add((t, w))
            else:
                unknown.add("%s.%s" % (t, w))
            continue
        for t in tables:
            if w in schema[t]:
                used.add((t, w))
    return used, unknown


def read_list():
    rows = re.findall(r'\{"(\w+)",\s*"(\w+)",\s*FERRY_COL_(\w+)\}',
                      open(USES, encoding="utf-8").read())
    if [(t, c) for t, c, _ in rows] != sorted((t, c) for t, c, _ in rows):
        fail("schema_uses.c: the rows are not sorted by table and column")
    if len(rows) != len({(t, c) for t, c, _ in rows}):
        fail("schema_uses.c: a row is there twice")
    return {(t, c): k for t, c, k in rows}


def class_of(data_type):
    for k, types in CLASSES.items():
        if data_type in types:
            return k
    return None


def main():
    schema = migrations_schema()
    need = {}
    for d in ("store", "service", "cli"):
        for path in sorted(glob.glob(os.path.join(SRC, "core", "src", d, "*.c"))):
            if os.path.basename(path) in SKIP:
                continue
            rel = os.path.relpath(path, SRC)
            for sql in statements(path):
                used, unknown = uses_of(sql, schema)
                for u in used:
                    need.setdefault(u, set()).add(rel)
                for u in sorted(unknown):
                    fail("%s: the migrations make no column %s (%s…)" % (rel, u, sql[:60]))
    if "--print" in sys.argv:
        for t, c in sorted(need):
            print('    {"%s", "%s", FERRY_COL_%s},' % (t, c, class_of(schema[t][c])))
        return 0
    listed = read_list()
    for (t, c), files in sorted(need.items()):
        if (t, c) not in listed:
            fail("%s.%s is used by %s but not in schema_uses.c" % (t, c, ", ".join(sorted(files))))
    for (t, c), k in sorted(listed.items()):
        if (t, c) not in need:
            fail("%s.%s is in schema_uses.c but no statement uses it" % (t, c))
        elif class_of(schema[t][c]) != k:
            fail("%s.%s is FERRY_COL_%s in schema_uses.c but %s in the migrations"
                 % (t, c, k, schema[t][c]))
    print("%d columns listed, %d used" % (len(listed), len(need)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
