/*
 * migrate.h — ferry's schema migrations: numbered SQL files
 * (schema/migrations/NNNN_name.sql) applied once each, in order, under a
 * named lock, and recorded in the table ferry_migrations (version, name,
 * SHA-256 checksum, applied_at).
 *
 * A file is split into statements at lines whose last non-blank character
 * is ';'; lines starting with "--" are comments (see 0001_initial.sql).
 * Statements run one by one as plain text: they are ferry's own files, never
 * user data, and DDL cannot be prepared with binds anyway. A migration runs
 * inside START TRANSACTION … COMMIT together with its ferry_migrations row,
 * so a migration of data only is atomic; DDL commits implicitly in MySQL,
 * which is why every statement in a migration must be safe to run again.
 */
#ifndef FERRY_CORE_MIGRATE_H
#define FERRY_CORE_MIGRATE_H

#include <stddef.h>

#include "db.h"
#include "error.h"
#include "log.h"
#include "site.h"

/* One migration: a file, a row in ferry_migrations, or both. */
typedef struct ferry_migration {
    int version;          /* NNNN */
    char *name;           /* file name "0001_initial.sql" (or the recorded name); owned */
    char checksum[65];    /* SHA-256 of the file, hex; "" when the file is missing */
    int has_file;         /* found in the directory */
    int applied;          /* recorded in ferry_migrations */
    char applied_at[32];  /* when applied (UTC), "" if not */
    char applied_sum[65]; /* checksum recorded when applied */
} ferry_migration;

/* Every migration known from the directory and the database, by version. */
typedef struct ferry_migration_list {
    ferry_migration *items; /* owned */
    size_t n;
} ferry_migration_list;

void ferry_migration_list_free(ferry_migration_list *l); /* accepts NULL; frees the items only */

/* The migrations directory: the site's `database.migrations` (relative to
 * ferry.conf), else the checkout's schema/migrations, else the installed
 * ${datadir}/ferry/migrations. `site` may be NULL. Returns malloc'd text
 * (caller frees) or NULL when out of memory. */
char *ferry_migrate_dir(const ferry_site *site);

/* Reads the directory and the database's ferry_migrations table (absent on a
 * database never migrated) into *out, sorted by version. */
int ferry_migrate_status(ferry_db *db, const char *dir, ferry_migration_list *out, ferry_err *err);

/* Applies every pending migration in order under GET_LOCK (60 s). *applied
 * (may be NULL) gets how many were applied. Logs each one at info level
 * (`log` may be NULL). */
int ferry_migrate_apply(ferry_db *db, const char *dir, const ferry_log *log, int *applied,
                        ferry_err *err);

/* Counts the pending migrations in *count and writes their file names,
 * comma-separated, into `names` (truncated to names_len, may be NULL/0).
 * Long-running commands refuse to start while *count > 0. */
int ferry_migrate_pending(ferry_db *db, const char *dir, int *count, char *names, size_t names_len,
                          ferry_err *err);

/* Convenience for long-running commands: 0 when the database is up to date,
 * else FERRY_ERR_DB with "database has N pending migrations (…): run `ferry
 * db migrate`". The directory comes from ferry_migrate_dir(site). */
int ferry_migrate_require(const ferry_site *site, ferry_db *db, ferry_err *err);

/* One statement of a migration file. */
typedef struct ferry_sql_stmt {
    char *sql; /* owned; no trailing ';' */
    int line;  /* line where it starts, 1-based */
} ferry_sql_stmt;

/* Splits a migration's text into statements (the rule above). *out owned by
 * the caller: ferry_sql_stmts_free(*out, *n). */
int ferry_sql_split(const char *text, size_t len, ferry_sql_stmt **out, size_t *n, ferry_err *err);
void ferry_sql_stmts_free(ferry_sql_stmt *s, size_t n); /* accepts NULL */

#endif
