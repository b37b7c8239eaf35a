/*
 * schema_check.h — is the database's schema the one ferry's statements
 * need? ferry shares its database with the web application, which owns
 * most tables (auth_user, export_requests, …) and migrates them on its own
 * schedule; ferry_migrate_pending only sees ferry's own migrations. This
 * check reads information_schema.COLUMNS for every table and column ferry
 * reads or writes (the list in schema_uses.c) and reports what is missing
 * or of another kind of type, so a command refuses to start with one line
 * instead of failing every statement that touches the column.
 *
 * The list is kept honest by tests/schema/test_schema_uses.py, which reads
 * every statement in core/src/{store,service,cli} and fails when one names
 * a column the list lacks, or the list names one no statement uses.
 */
#ifndef FERRY_CORE_SCHEMA_CHECK_H
#define FERRY_CORE_SCHEMA_CHECK_H

#include <stddef.h>

#include "db.h"
#include "error.h"

/* The kind of type a column must have (information_schema DATA_TYPE):
 * TEXT char, varchar, the text types, json, enum; INT the integer types;
 * DATETIME datetime or timestamp; DATE date. */
typedef enum ferry_col_type {
    FERRY_COL_TEXT = 1,
    FERRY_COL_INT,
    FERRY_COL_DATETIME,
    FERRY_COL_DATE
} ferry_col_type;

/* One column ferry reads or writes. Columns and tables named ferry_* are
 * made by ferry's migrations; the others by the web application's. */
typedef struct ferry_schema_col {
    const char *table;
    const char *column;
    ferry_col_type type;
} ferry_schema_col;

/* The list (schema_uses.c), grouped by table; static, never freed. */
const ferry_schema_col *ferry_schema_uses(size_t *n);

enum { FERRY_SCHEMA_NO_TABLE = 1, FERRY_SCHEMA_NO_COLUMN, FERRY_SCHEMA_BAD_TYPE };

/* One thing wrong. table and column point into the list (static). */
typedef struct ferry_schema_problem {
    int kind;           /* FERRY_SCHEMA_* */
    const char *table;  /* static */
    const char *column; /* static; NULL for a missing table */
    ferry_col_type want;
    char found[64]; /* the DATA_TYPE found, for BAD_TYPE */
} ferry_schema_problem;

typedef struct ferry_schema_report {
    ferry_schema_problem *items; /* owned */
    size_t n;
    size_t tables, columns; /* how many were checked */
} ferry_schema_report;

void ferry_schema_report_free(ferry_schema_report *r); /* accepts NULL; frees the items only */

/* Checks the connected database's schema (DATABASE()) against the list.
 * *out gets every problem, a missing table once (not its columns). Errors
 * are the database's only; problems are not errors. */
int ferry_schema_check(ferry_db *db, ferry_schema_report *out, ferry_err *err);

/* One line for a problem, naming table.column and whose migrations are
 * behind, e.g. "export_requests.started_at is missing: the web app's
 * migrations are behind this ferry (or dropped a column it uses)". */
void ferry_schema_problem_line(const ferry_schema_problem *p, char *buf, size_t len);

/* 0 when *r holds no problem, else FERRY_ERR_DB with "database schema:
 * <the first problem's line>" and, when there are more, "(and N more: see
 * `ferry db status`)". */
int ferry_schema_refuse(const ferry_schema_report *r, ferry_err *err);

/* For commands that start, next to ferry_migrate_require: check, then
 * refuse (both above). */
int ferry_schema_require(ferry_db *db, ferry_err *err);

#endif
