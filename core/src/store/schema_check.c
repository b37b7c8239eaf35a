/* schema_check.c — the database's tables and columns against the list of
 * those ferry uses (schema_check.h), read from information_schema with one
 * prepared statement per table. */
#include "schema_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define COLUMNS_SQL                                                                                \
    "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS "                               \
    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"

void ferry_schema_report_free(ferry_schema_report *r)
{
    if (!r)
        return;
    free(r->items);
    r->items = NULL;
    r->n = 0;
}

static int type_fits(ferry_col_type want, const char *t)
{
    static const char *const text[] = {"char",       "varchar",  "tinytext", "text",
                                       "mediumtext", "longtext", "json",     "enum"};
    static const char *const ints[] = {"tinyint", "smallint", "mediumint", "int", "bigint"};
    switch (want) {
    case FERRY_COL_TEXT:
        for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
            if (strcasecmp(t, text[i]) == 0)
                return 1;
        return 0;
    case FERRY_COL_INT:
        for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
            if (strcasecmp(t, ints[i]) == 0)
                return 1;
        return 0;
    case FERRY_COL_DATETIME:
        return strcasecmp(t, "datetime") == 0 || strcasecmp(t, "timestamp") == 0;
    case FERRY_COL_DATE:
        return strcasecmp(t, "date") == 0;
    }
    return 0;
}

static const char *type_name(ferry_col_type t)
{
    switch (t) {
    case FERRY_COL_TEXT:
        return "a text type";
    case FERRY_COL_INT:
        return "an integer type";
    case FERRY_COL_DATETIME:
        return "datetime";
    case FERRY_COL_DATE:
        return "date";
    }
    return "?";
}

static int add_problem(ferry_schema_report *r, int kind, const ferry_schema_col *c,
                       const char *found, ferry_err *err)
{
    ferry_schema_problem *g = realloc(r->items, (r->n + 1) * sizeof *g);
    if (!g)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    r->items = g;
    ferry_schema_problem *p = &r->items[r->n++];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->table = c->table;
    p->column = kind == FERRY_SCHEMA_NO_TABLE ? NULL : c->column;
    p->want = c->type;
    snprintf(p->found, sizeof p->found, "%s", found ? found : "");
    return 0;
}

/* The DATA_TYPE of `column` in the rows of one table, or NULL. */
static const char *found_type(const fdb_rows *rows, const char *column)
{
    for (size_t i = 0; i < rows->nrows; i++)
        if (fdb_get(rows, i, 0) && strcasecmp(fdb_get(rows, i, 0), column) == 0)
            return fdb_get(rows, i, 1) ? fdb_get(rows, i, 1) : "";
    return NULL;
}

/* Checks the list's rows for `table` (from index `first` on) against the
 * database. */
static int check_table(ferry_db *db, const ferry_schema_col *cols, size_t n, size_t first,
                       ferry_schema_report *r, ferry_err *err)
{
    const char *table = cols[first].table;
    fdb_param p[] = {fdb_str(table)};
    fdb_rows *rows = NULL;
    int rc = fdb_query(db, COLUMNS_SQL, p, 1, &rows, err);
    if (rc)
        return rc;
    r->tables++;
    if (rows->nrows == 0)
        rc = add_problem(r, FERRY_SCHEMA_NO_TABLE, &cols[first], NULL, err);
    for (size_t i = first; rc == 0 && rows->nrows > 0 && i < n; i++) {
        if (strcmp(cols[i].table, table) != 0)
            continue;
        r->columns++;
        const char *t = found_type(rows, cols[i].column);
        if (!t)
            rc = add_problem(r, FERRY_SCHEMA_NO_COLUMN, &cols[i], NULL, err);
        else if (!type_fits(cols[i].type, t))
            rc = add_problem(r, FERRY_SCHEMA_BAD_TYPE, &cols[i], t, err);
    }
    fdb_rows_free(rows);
    return rc;
}

/* Non-zero when an earlier row of the list names the same table. */
static int seen_table(const ferry_schema_col *cols, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(cols[j].table, cols[i].table) == 0)
            return 1;
    return 0;
}

int ferry_schema_check(ferry_db *db, ferry_schema_report *out, ferry_err *err)
{
    memset(out, 0, sizeof *out);
    size_t n = 0;
    const ferry_schema_col *cols = ferry_schema_uses(&n);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!seen_table(cols, i))
            rc = check_table(db, cols, n, i, out, err);
    if (rc)
        ferry_schema_report_free(out);
    return rc;
}

static int ferrys(const ferry_schema_problem *p)
{
    return strncmp(p->table, "ferry_", 6) == 0 ||
           (p->column && strncmp(p->column, "ferry_", 6) == 0);
}

void ferry_schema_problem_line(const ferry_schema_problem *p, char *buf, size_t len)
{
    const char *whose =
        ferrys(p) ? "it is ferry's own (schema/migrations), applied but since changed by hand: "
                    "restore it as the migration declares"
        : p->kind == FERRY_SCHEMA_BAD_TYPE
            ? "the web app's migrations are behind or ahead of this ferry"
            : "the web app's migrations are behind this ferry (or dropped what it uses)";
    if (p->kind == FERRY_SCHEMA_NO_TABLE)
        snprintf(buf, len, "table %s is missing: %s", p->table, whose);
    else if (p->kind == FERRY_SCHEMA_NO_COLUMN)
        snprintf(buf, len, "%s.%s is missing: %s", p->table, p->column, whose);
    else
        snprintf(buf, len, "%s.%s is %s, ferry needs %s: %s", p->table, p->column, p->found,
                 type_name(p->want), whose);
}

int ferry_schema_refuse(const ferry_schema_report *r, ferry_err *err)
{
    if (r->n == 0)
        return 0;
    char line[512], more[64] = "";
    ferry_schema_problem_line(&r->items[0], line, sizeof line);
    if (r->n > 1)
        snprintf(more, sizeof more, " (and %zu more: see `ferry db status`)", r->n - 1);
    return ferry_err_set(err, FERRY_ERR_DB, "database schema: %s%s", line, more);
}

int ferry_schema_require(ferry_db *db, ferry_err *err)
{
    ferry_schema_report r;
    int rc = ferry_schema_check(db, &r, err);
    if (rc == 0)
        rc = ferry_schema_refuse(&r, err);
    ferry_schema_report_free(&r);
    return rc;
}
