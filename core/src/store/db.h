/*
 * db.h — ferry's MySQL/MariaDB access: connect from a URL, run prepared
 * statements with bound parameters, read small results as text.
 *
 * Every statement goes through mysql_stmt_prepare; values never become SQL
 * text. Connections set utf8mb4 and time_zone '+00:00' (the web app stores
 * UTC). Auto-reconnect stays off: a lost connection is an error the caller
 * sees (fdb_is_connection_error) and handles by reconnecting with backoff.
 *
 * Streaming reads of large results (a source) use the MYSQL handle directly
 * (fdb_mysql); this file is for the control plane: requests, audit, stats.
 */
#ifndef FERRY_CORE_DB_H
#define FERRY_CORE_DB_H

#include <stddef.h>
#include <stdint.h>

#include <mysql.h>

#include "error.h"
#include "site.h"

/* Connection parameters parsed from a URL. Strings point into `storage_`. */
typedef struct fdb_params {
    const char *host; /* "localhost" means the socket */
    const char *user;
    const char *password; /* may be NULL */
    const char *database;
    const char *socket; /* may be NULL */
    unsigned port;      /* 0: default */
    char storage_[1024];
} fdb_params;

/* Parses mysql://user:password@host:port/db or
 * mysql://user:password@localhost/db?socket=/path.sock (percent-decoding). */
int fdb_parse_url(fdb_params *out, const char *url, ferry_err *err);

typedef struct ferry_db ferry_db;

/* Connects (connect timeout 10 s, read/write timeouts `rw_timeout` s, 0 for
 * the connector's default). *out owned by the caller: fdb_close. */
int fdb_connect(ferry_db **out, const fdb_params *p, unsigned rw_timeout, ferry_err *err);
int fdb_connect_url(ferry_db **out, const char *url, unsigned rw_timeout, ferry_err *err);

/* fdb_connect_url, telling a server that cannot take a connection now
 * (fdb_errno_unavailable) from any other failure: FERRY_ERR_UNAVAILABLE
 * instead of FERRY_ERR_DB. */
int fdb_connect_url_avail(ferry_db **out, const char *url, unsigned rw_timeout, ferry_err *err);

/* Non-zero when MySQL error `e` says the server cannot be reached or take a
 * connection now — refused or unreachable (2002, 2003), too many
 * connections (1040, 1203), the account's own limits reached (1226:
 * MAX_USER_CONNECTIONS, MAX_QUERIES_PER_HOUR, …), shutting down (1053), the
 * connection lost or killed (2006, 2013, 2055, 1927, 4031) — so that
 * waiting can help and nothing the caller asked for was at fault. Not a
 * wrong password, an unknown host or database: those need a person. */
int fdb_errno_unavailable(unsigned e);

/* Connects to the site's database (database.url), or FERRY_ERR_CONFIG
 * saying none is set. */
int fdb_connect_site(ferry_db **out, const ferry_site *site, unsigned rw_timeout, ferry_err *err);
void fdb_close(ferry_db *db); /* accepts NULL */

/* The underlying handle; owned by db. */
MYSQL *fdb_mysql(ferry_db *db);

/* A parameter to bind. Strings are borrowed for the call only. */
typedef struct fdb_param {
    int type; /* FDB_NULL, FDB_STR, FDB_I64, FDB_F64 */
    const char *s;
    size_t len;
    int64_t i;
    double d;
} fdb_param;

enum { FDB_NULL = 0, FDB_STR = 1, FDB_I64 = 2, FDB_F64 = 3 };

static inline fdb_param fdb_str(const char *s)
{
    fdb_param p = {s ? FDB_STR : FDB_NULL, s, 0, 0, 0};
    if (s) {
        const char *e = s;
        while (*e)
            e++;
        p.len = (size_t)(e - s);
    }
    return p;
}
static inline fdb_param fdb_i64(int64_t i)
{
    fdb_param p = {FDB_I64, 0, 0, i, 0};
    return p;
}
static inline fdb_param fdb_null(void)
{
    fdb_param p = {FDB_NULL, 0, 0, 0, 0};
    return p;
}

/* Executes one statement with `n` parameters. *affected (may be NULL) gets
 * the affected-row count. */
int fdb_exec(ferry_db *db, const char *sql, const fdb_param *params, size_t n, uint64_t *affected,
             ferry_err *err);

/* A small result, every value as text (NULL for SQL NULL). */
typedef struct fdb_rows {
    size_t nrows;
    size_t ncols;
    char **names;  /* ncols column names */
    char **values; /* nrows * ncols, row-major */
} fdb_rows;

/* Runs a SELECT and reads the whole result. *out owned by the caller:
 * fdb_rows_free. Use LIMIT: this is not for large results. */
int fdb_query(ferry_db *db, const char *sql, const fdb_param *params, size_t n, fdb_rows **out,
              ferry_err *err);
static inline const char *fdb_get(const fdb_rows *r, size_t row, size_t col)
{
    return r->values[row * r->ncols + col];
}
void fdb_rows_free(fdb_rows *r); /* accepts NULL */

/* Plain statements without parameters (DDL, START TRANSACTION, COMMIT). */
int fdb_run(ferry_db *db, const char *sql, ferry_err *err);
int fdb_begin(ferry_db *db, ferry_err *err);
int fdb_commit(ferry_db *db, ferry_err *err);
void fdb_rollback(ferry_db *db); /* best effort, errors ignored */

/* Non-zero when the last error means the connection is gone (2006, 2013,
 * 2055, 1927, 4031) and a reconnect is the cure. */
int fdb_is_connection_error(ferry_db *db);

/* Non-zero when the connection is gone: a ping (no auto-reconnect) fails. */
int fdb_ping_failed(ferry_db *db);
/* The last MySQL error number on db. */
unsigned fdb_errno(ferry_db *db);

/* A new UUID as Django stores it: 32 lowercase hex digits, no dashes. */
void fdb_uuid_hex(char out[33]);

#endif
