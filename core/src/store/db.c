/* db.c — connections and prepared statements for ferry's own tables. */
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errmsg.h>
#include <mysqld_error.h>
#include <openssl/rand.h>

/*
 * Prepared statements are kept per connection, by their SQL text, and
 * executed again rather than prepared again: a worker's slot runs the same
 * claim statements for every request, and a prepare is a round trip and a
 * parse on the server. A statement that failed in any way is closed, not
 * kept; the least recently used one is closed when the cache is full.
 */
enum { STMT_CACHE = 16 };

typedef struct cached_stmt {
    char *sql; /* owned; NULL: a free entry */
    MYSQL_STMT *st;
    unsigned long used; /* db->tick when last taken */
} cached_stmt;

struct ferry_db {
    MYSQL *mysql;
    unsigned last_errno; /* of the last failed statement: errors stay on the
                          * statement handle, not on the connection */
    unsigned long tick;
    cached_stmt cache[STMT_CACHE];
};

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Copies [s, s+n) percent-decoded into the storage; returns the copy. */
static const char *store(fdb_params *p, size_t *used, const char *s, size_t n)
{
    char *dst = p->storage_ + *used;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (*used + k + 2 >= sizeof p->storage_)
            return NULL;
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            dst[k++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            dst[k++] = s[i];
        }
    }
    dst[k++] = '\0';
    *used += k;
    return dst;
}

int fdb_parse_url(fdb_params *p, const char *url, ferry_err *err)
{
    memset(p, 0, sizeof *p);
    size_t used = 0;
    const char *s;
    if (strncmp(url, "mysql://", 8) == 0)
        s = url + 8;
    else if (strncmp(url, "mariadb://", 10) == 0)
        s = url + 10;
    else /* only the scheme is shown: the rest may hold a password */
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "database URL must start with mysql:// or mariadb:// (got scheme "
                             "\"%.*s\")",
                             (int)(strcspn(url, ":/@") < 20 ? strcspn(url, ":/@") : 20), url);
    const char *at = strrchr(s, '@');
    const char *slash = strchr(at ? at : s, '/');
    if (!at || !slash)
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "database URL must look like mysql://user:password@host:port/db");
    const char *colon = memchr(s, ':', (size_t)(at - s));
    if (colon) {
        p->user = store(p, &used, s, (size_t)(colon - s));
        p->password = store(p, &used, colon + 1, (size_t)(at - colon - 1));
    } else {
        p->user = store(p, &used, s, (size_t)(at - s));
    }
    const char *h = at + 1;
    const char *hp = memchr(h, ':', (size_t)(slash - h));
    if (hp) {
        char *end;
        long port = strtol(hp + 1, &end, 10);
        if (end != slash || port <= 0 || port > 65535)
            return ferry_err_set(err, FERRY_ERR_CONFIG, "database URL has a bad port");
        p->port = (unsigned)port;
        p->host = store(p, &used, h, (size_t)(hp - h));
    } else {
        p->host = store(p, &used, h, (size_t)(slash - h));
    }
    const char *db = slash + 1;
    const char *q = strchr(db, '?');
    p->database = store(p, &used, db, q ? (size_t)(q - db) : strlen(db));
    if (q) {
        const char *opt = q + 1;
        while (*opt) {
            const char *amp = strchr(opt, '&');
            size_t len = amp ? (size_t)(amp - opt) : strlen(opt);
            if (len > 7 && strncmp(opt, "socket=", 7) == 0)
                p->socket = store(p, &used, opt + 7, len - 7);
            else
                return ferry_err_set(err, FERRY_ERR_CONFIG,
                                     "database URL has an unknown parameter \"%.*s\"", (int)len,
                                     opt);
            opt += len + (amp ? 1 : 0);
        }
    }
    if (!p->user || !p->host || !p->database || !*p->database)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "database URL is too long or has no database");
    return 0;
}

/* fdb_connect; *code_errno gets the MySQL error of a failed connect. */
static int connect_params(ferry_db **out, const fdb_params *p, unsigned rw_timeout,
                          unsigned *code_errno, ferry_err *err)
{
    *out = NULL;
    ferry_db *db = calloc(1, sizeof *db);
    if (!db)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    db->mysql = mysql_init(NULL);
    if (!db->mysql) {
        free(db);
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    }
    unsigned connect_timeout = 10;
    my_bool off = 0;
    mysql_optionsv(db->mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_optionsv(db->mysql, MYSQL_OPT_RECONNECT, &off);
    if (rw_timeout) {
        mysql_optionsv(db->mysql, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
        mysql_optionsv(db->mysql, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
    }
    mysql_optionsv(db->mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_optionsv(db->mysql, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
    const char *host = p->host;
    if (p->socket && (!host || !*host))
        host = "localhost";
    if (!mysql_real_connect(db->mysql, host, p->user, p->password, p->database, p->port, p->socket,
                            0)) {
        ferry_err_set(err, FERRY_ERR_DB, "cannot connect to database %s on %s: %s", p->database,
                      p->socket ? p->socket : p->host, mysql_error(db->mysql));
        *code_errno = mysql_errno(db->mysql);
        mysql_close(db->mysql);
        free(db);
        return FERRY_ERR_DB;
    }
    *out = db;
    return 0;
}

int fdb_connect(ferry_db **out, const fdb_params *p, unsigned rw_timeout, ferry_err *err)
{
    unsigned e = 0;
    return connect_params(out, p, rw_timeout, &e, err);
}

int fdb_connect_url(ferry_db **out, const char *url, unsigned rw_timeout, ferry_err *err)
{
    fdb_params p;
    int rc = fdb_parse_url(&p, url, err);
    if (rc)
        return rc;
    return fdb_connect(out, &p, rw_timeout, err);
}

int fdb_connect_url_avail(ferry_db **out, const char *url, unsigned rw_timeout, ferry_err *err)
{
    fdb_params p;
    unsigned e = 0;
    int rc = fdb_parse_url(&p, url, err);
    if (!rc)
        rc = connect_params(out, &p, rw_timeout, &e, err);
    if (rc == FERRY_ERR_DB && fdb_errno_unavailable(e))
        rc = err->code = FERRY_ERR_UNAVAILABLE;
    return rc;
}

/* The same list as plugins/common/myerr.h (source-mysql's), which the core
 * may not include (a layer never reaches into plugins/); test_myerr checks
 * the two agree on every error number. */
int fdb_errno_unavailable(unsigned e)
{
    return e == CR_CONNECTION_ERROR || e == CR_CONN_HOST_ERROR || e == ER_CON_COUNT_ERROR ||
           e == ER_TOO_MANY_USER_CONNECTIONS || e == ER_USER_LIMIT_REACHED ||
           e == ER_SERVER_SHUTDOWN || e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST ||
           e == 2055 /* lost, system error */ || e == 1927 /* connection killed */ ||
           e == 4031 /* disconnected: inactivity */;
}

void fdb_close(ferry_db *db)
{
    if (!db)
        return;
    for (int i = 0; i < STMT_CACHE; i++) {
        if (db->cache[i].st)
            mysql_stmt_close(db->cache[i].st);
        free(db->cache[i].sql);
    }
    if (db->mysql)
        mysql_close(db->mysql);
    free(db);
}

/* A cached statement for `sql` (taken out of the cache: the caller gives
 * it back with stmt_put or closes it), else a newly prepared one. */
static MYSQL_STMT *stmt_take(ferry_db *db, const char *sql, int *fresh)
{
    for (int i = 0; i < STMT_CACHE; i++) {
        cached_stmt *c = &db->cache[i];
        if (c->sql && c->st && strcmp(c->sql, sql) == 0) {
            MYSQL_STMT *st = c->st;
            c->st = NULL; /* in use; the text stays to be given back */
            *fresh = 0;
            return st;
        }
    }
    *fresh = 1;
    return mysql_stmt_init(db->mysql);
}

/* Gives a statement that ran without error back to the cache (its result
 * freed), or closes it when it cannot be kept. */
static void stmt_put(ferry_db *db, MYSQL_STMT *st, const char *sql)
{
    mysql_stmt_free_result(st);
    cached_stmt *slot = NULL, *lru = NULL;
    for (int i = 0; i < STMT_CACHE && !slot; i++) {
        cached_stmt *c = &db->cache[i];
        if (c->sql && !c->st && strcmp(c->sql, sql) == 0)
            slot = c; /* its own entry */
    }
    for (int i = 0; i < STMT_CACHE && !slot; i++) {
        cached_stmt *c = &db->cache[i];
        if (!c->sql)
            slot = c;
        else if (c->st && (!lru || c->used < lru->used))
            lru = c;
    }
    if (!slot && lru) {
        mysql_stmt_close(lru->st);
        free(lru->sql);
        lru->sql = NULL;
        lru->st = NULL;
        slot = lru;
    }
    if (slot && !slot->sql)
        slot->sql = strdup(sql);
    if (!slot || !slot->sql) {
        mysql_stmt_close(st);
        return;
    }
    slot->st = st;
    slot->used = ++db->tick;
}

/* Closes a statement that failed, and forgets its text. */
static void stmt_drop(ferry_db *db, MYSQL_STMT *st, const char *sql)
{
    mysql_stmt_close(st);
    for (int i = 0; i < STMT_CACHE; i++) {
        cached_stmt *c = &db->cache[i];
        if (c->sql && !c->st && strcmp(c->sql, sql) == 0) {
            free(c->sql);
            c->sql = NULL;
        }
    }
}

MYSQL *fdb_mysql(ferry_db *db)
{
    return db->mysql;
}

unsigned fdb_errno(ferry_db *db)
{
    return mysql_errno(db->mysql) ? mysql_errno(db->mysql) : db->last_errno;
}

int fdb_is_connection_error(ferry_db *db)
{
    unsigned e = fdb_errno(db);
    return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_CONNECTION_ERROR ||
           e == CR_CONN_HOST_ERROR || e == 2055 || e == 1927 || e == 4031 ||
           e == ER_SERVER_SHUTDOWN;
}

static int stmt_fail(ferry_db *db, MYSQL_STMT *st, ferry_err *err, const char *sql)
{
    db->last_errno = mysql_stmt_errno(st);
    ferry_err_set(err, FERRY_ERR_DB, "database error %u: %s (in: %.60s)", mysql_stmt_errno(st),
                  mysql_stmt_error(st), sql);
    return FERRY_ERR_DB;
}

static int prepare_bind(ferry_db *db, MYSQL_STMT **out, const char *sql, const fdb_param *params,
                        size_t n, ferry_err *err)
{
    db->last_errno = 0;
    int fresh = 1;
    MYSQL_STMT *st = stmt_take(db, sql, &fresh);
    if (!st)
        return ferry_err_set(err, FERRY_ERR_DB, "database error: %s", mysql_error(db->mysql));
    if (fresh && mysql_stmt_prepare(st, sql, strlen(sql))) {
        int rc = stmt_fail(db, st, err, sql);
        stmt_drop(db, st, sql);
        return rc;
    }
    if (mysql_stmt_param_count(st) != n) {
        unsigned long want = mysql_stmt_param_count(st);
        stmt_drop(db, st, sql);
        return ferry_err_set(err, FERRY_ERR, "internal: statement wants %lu parameters, got %zu",
                             want, n);
    }
    if (n) {
        MYSQL_BIND *b = calloc(n, sizeof *b);
        unsigned long *lens = calloc(n, sizeof *lens);
        if (!b || !lens) {
            free(b);
            free(lens);
            stmt_drop(db, st, sql);
            return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < n; i++) {
            switch (params[i].type) {
            case FDB_STR:
                b[i].buffer_type = MYSQL_TYPE_STRING;
                b[i].buffer = (void *)params[i].s;
                lens[i] = (unsigned long)params[i].len;
                b[i].buffer_length = lens[i];
                b[i].length = &lens[i];
                break;
            case FDB_I64:
                b[i].buffer_type = MYSQL_TYPE_LONGLONG;
                b[i].buffer = (void *)&params[i].i;
                break;
            case FDB_F64:
                b[i].buffer_type = MYSQL_TYPE_DOUBLE;
                b[i].buffer = (void *)&params[i].d;
                break;
            default:
                b[i].buffer_type = MYSQL_TYPE_NULL;
                break;
            }
        }
        int bad = mysql_stmt_bind_param(st, b);
        free(b);
        /* bind_param copies the bind array; lengths are read at execute,
         * so keep `lens` alive until then: stash it on the statement. */
        if (bad) {
            free(lens);
            int rc = stmt_fail(db, st, err, sql);
            stmt_drop(db, st, sql);
            return rc;
        }
        if (mysql_stmt_execute(st)) {
            free(lens);
            int rc = stmt_fail(db, st, err, sql);
            stmt_drop(db, st, sql);
            return rc;
        }
        free(lens);
    } else if (mysql_stmt_execute(st)) {
        int rc = stmt_fail(db, st, err, sql);
        stmt_drop(db, st, sql);
        return rc;
    }
    *out = st;
    return 0;
}

int fdb_exec(ferry_db *db, const char *sql, const fdb_param *params, size_t n, uint64_t *affected,
             ferry_err *err)
{
    MYSQL_STMT *st;
    int rc = prepare_bind(db, &st, sql, params, n, err);
    if (rc)
        return rc;
    if (affected)
        *affected = (uint64_t)mysql_stmt_affected_rows(st);
    stmt_put(db, st, sql);
    return 0;
}

void fdb_rows_free(fdb_rows *r)
{
    if (!r)
        return;
    if (r->names)
        for (size_t c = 0; c < r->ncols; c++)
            free(r->names[c]);
    if (r->values)
        for (size_t i = 0; i < r->nrows * r->ncols; i++)
            free(r->values[i]);
    free(r->names);
    free(r->values);
    free(r);
}

int fdb_query(ferry_db *db, const char *sql, const fdb_param *params, size_t n, fdb_rows **out,
              ferry_err *err)
{
    *out = NULL;
    MYSQL_STMT *st;
    int rc = prepare_bind(db, &st, sql, params, n, err);
    if (rc)
        return rc;
    fdb_rows *r = calloc(1, sizeof *r);
    MYSQL_RES *meta = mysql_stmt_result_metadata(st);
    if (!r || !meta) {
        if (meta)
            mysql_free_result(meta);
        free(r);
        stmt_drop(db, st, sql);
        return ferry_err_set(err, FERRY_ERR_DB, "query returned no result set: %.60s", sql);
    }
    r->ncols = mysql_num_fields(meta);
    r->names = calloc(r->ncols, sizeof *r->names);
    MYSQL_FIELD *fields = mysql_fetch_fields(meta);
    for (size_t c = 0; c < r->ncols; c++)
        r->names[c] = strdup(fields[c].name);
    mysql_free_result(meta);

    MYSQL_BIND *b = calloc(r->ncols, sizeof *b);
    unsigned long *lens = calloc(r->ncols, sizeof *lens);
    my_bool *nulls = calloc(r->ncols, sizeof *nulls);
    char *small = calloc(r->ncols, 64);
    size_t cap = 0;
    rc = 0;
    if (!b || !lens || !nulls || !small) {
        rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t c = 0; c < r->ncols; c++) {
        b[c].buffer_type = MYSQL_TYPE_STRING;
        b[c].buffer = small + c * 64;
        b[c].buffer_length = 64;
        b[c].length = &lens[c];
        b[c].is_null = &nulls[c];
    }
    if (mysql_stmt_bind_result(st, b)) {
        rc = stmt_fail(db, st, err, sql);
        goto done;
    }
    for (;;) {
        int f = mysql_stmt_fetch(st);
        if (f == MYSQL_NO_DATA)
            break;
        if (f == 1) {
            rc = stmt_fail(db, st, err, sql);
            goto done;
        }
        if (r->nrows == cap) {
            cap = cap ? cap * 2 : 16;
            char **nv = realloc(r->values, cap * r->ncols * sizeof *nv);
            if (!nv) {
                rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
                goto done;
            }
            r->values = nv;
        }
        char **row = r->values + r->nrows * r->ncols;
        for (size_t c = 0; c < r->ncols; c++)
            row[c] = NULL;
        r->nrows++;
        for (size_t c = 0; c < r->ncols; c++) {
            if (nulls[c])
                continue;
            char *v = malloc(lens[c] + 1);
            if (!v) {
                rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
                goto done;
            }
            if (lens[c] <= 64) {
                memcpy(v, small + c * 64, lens[c]);
            } else {
                MYSQL_BIND one;
                memset(&one, 0, sizeof one);
                one.buffer_type = MYSQL_TYPE_STRING;
                one.buffer = v;
                one.buffer_length = lens[c];
                if (mysql_stmt_fetch_column(st, &one, (unsigned)c, 0)) {
                    free(v);
                    rc = stmt_fail(db, st, err, sql);
                    goto done;
                }
            }
            v[lens[c]] = '\0';
            row[c] = v;
        }
    }
done:
    free(b);
    free(lens);
    free(nulls);
    free(small);
    if (rc) {
        stmt_drop(db, st, sql);
        fdb_rows_free(r);
        return rc;
    }
    stmt_put(db, st, sql);
    *out = r;
    return 0;
}

int fdb_run(ferry_db *db, const char *sql, ferry_err *err)
{
    db->last_errno = 0;
    if (mysql_real_query(db->mysql, sql, strlen(sql)))
        return ferry_err_set(err, FERRY_ERR_DB, "database error %u: %s (in: %.60s)",
                             mysql_errno(db->mysql), mysql_error(db->mysql), sql);
    /* Drain any result so the connection stays usable. */
    do {
        MYSQL_RES *res = mysql_store_result(db->mysql);
        if (res)
            mysql_free_result(res);
    } while (mysql_next_result(db->mysql) == 0);
    if (mysql_errno(db->mysql))
        return ferry_err_set(err, FERRY_ERR_DB, "database error %u: %s (in: %.60s)",
                             mysql_errno(db->mysql), mysql_error(db->mysql), sql);
    return 0;
}

int fdb_begin(ferry_db *db, ferry_err *err)
{
    return fdb_run(db, "START TRANSACTION", err);
}

int fdb_commit(ferry_db *db, ferry_err *err)
{
    return fdb_run(db, "COMMIT", err);
}

void fdb_rollback(ferry_db *db)
{
    mysql_real_query(db->mysql, "ROLLBACK", 8);
}

void fdb_uuid_hex(char out[33])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1) {
        /* RAND_bytes failing means no entropy at all; fall back to /dev/urandom. */
        FILE *f = fopen("/dev/urandom", "rb");
        size_t got = f ? fread(b, 1, sizeof b, f) : 0;
        if (f)
            fclose(f);
        (void)got;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant */
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[32] = '\0';
}

int fdb_connect_site(ferry_db **out, const ferry_site *site, unsigned rw_timeout, ferry_err *err)
{
    *out = NULL;
    if (!site->database_url || !*site->database_url)
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "no database configured (database.url in %s, or FERRY_DATABASE_URL)",
                             site->path);
    return fdb_connect_url(out, site->database_url, rw_timeout, err);
}

int fdb_ping_failed(ferry_db *db)
{
    return mysql_ping(fdb_mysql(db)) != 0;
}
