/*
 * source-mysql — rows of a SELECT, streamed from MySQL/MariaDB.
 *
 * The pipeline's `query` is wrapped as a derived table:
 *   SELECT `f1`, `f2`, … FROM (<query>) AS ferry_src WHERE <predicates> [ORDER BY …]
 * so the exportable fields are the query's result columns, and every
 * request filter, owner scope and date range becomes a bound parameter on
 * one of those columns — never SQL text. The row estimate (EXPLAIN, for
 * progress) or, with `count = true`, the exact count, and the rows are read
 * in one consistent, read-only snapshot; rows stream with an
 * unbuffered prepared statement (mysql_stmt_fetch without store_result),
 * so memory does not grow with the result. Where Connector/C has the
 * result callback (STMT_ATTR_CB_RESULT, 3.1 and later), each value is
 * decoded from the row packet straight into the batch (integers, dates,
 * text: one copy, no MYSQL_BIND conversion); else, and for doubles and
 * TIME, through the column's bind. net_write_timeout is raised so a
 * slow formatter never gets the connection dropped by the server.
 *
 * A server that cannot be reached or take the connection now (refused, too
 * many connections, shutting down: myerr.h, the core's list too), or that drops
 * the connection while the session is set up — before the export's query
 * is sent — is FERRY_ERR_UNAVAILABLE (ABI 1.4; FERRY_ERR_DB for an older
 * core): the worker tries the request later without counting the attempt.
 * A connection lost once the query was sent stays FERRY_ERR_DB: the query
 * itself may have brought it down (a killed or crashing query), and
 * retrying that forever without counting would never give it up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include "fvalue.h"
#include "myerr.h"
#include "ferry/ferry.h"

typedef struct config {
    const char *url;
    const char *query;
    int count;
    int64_t net_write_timeout;
    ferry_strlist column_types;
    ferry_strlist order_by;
    const char *binary;
} config;

static const ferry_option options[] = {
    FERRY_OPTION(
        "url", FERRY_OPT_STRING, FERRY_OPT_REQUIRED | FERRY_OPT_SECRET, NULL, NULL, config, url,
        "mysql://user:password@host:port/db or …@localhost/db?socket=PATH; usually filled from "
        "the pipeline's `connection` (ferry.conf connections.NAME.url)",
        NULL),
    FERRY_OPTION(
        "query", FERRY_OPT_STRING, FERRY_OPT_REQUIRED, NULL, NULL, config, query,
        "a SELECT whose result columns are the exportable fields (and the owner/date columns)",
        "SELECT 1 AS one"),
    FERRY_OPTION("count", FERRY_OPT_BOOL, 0, "false", NULL, config, count,
                 "count the rows exactly first (the whole query once more, same snapshot); "
                 "otherwise progress uses the optimizer's estimate (EXPLAIN)",
                 NULL),
    FERRY_OPTION("net_write_timeout", FERRY_OPT_INT, 0, "3600", NULL, config, net_write_timeout,
                 "seconds the server waits on a slow reader before dropping the connection", NULL),
    FERRY_OPTION(
        "column_types", FERRY_OPT_LIST, 0, NULL, NULL, config, column_types,
        "type overrides \"column:type\", e.g. \"duration:duration\" for Django's DurationField "
        "(bigint microseconds) or \"active:bool\"",
        NULL),
    FERRY_OPTION("order_by", FERRY_OPT_LIST, 0, NULL, NULL, config, order_by,
                 "result columns to order by, each optionally followed by \" desc\"", NULL),
    FERRY_OPTION(
        "binary", FERRY_OPT_STRING, 0, "base64", "base64|hex", config, binary,
        "how binary columns (BINARY, VARBINARY, BLOB) become text: base64 (RFC 4648) or lowercase "
        "hex; raw bytes never reach a UTF-8 format",
        NULL),
    {0},
};

typedef struct colbuf {
    int64_t i;
    double d;
    MYSQL_TIME t;
    char *s;
    unsigned long cap;
    unsigned long len;
    my_bool is_null;
    my_bool error;
    uint8_t kind;  /* colkind: how the fetched bytes become a value */
    uint8_t wire;  /* wirekind: how the callback decodes it */
    uint8_t width; /* WIRE_INT: bytes on the wire */
} colbuf;

/* What a column's fetched bytes are, beyond the bind's buffer type. */
enum colkind { COL_PLAIN = 0, COL_BIT, COL_BINARY, COL_UNSIGNED };

/* How the result callback decodes a column of the binary protocol row. */
enum wirekind { WIRE_STOCK = 0, WIRE_INT, WIRE_TIME, WIRE_BYTES };

typedef struct state {
    ferry_ctx *fx;
    const ferry_host *host;
    const config *cfg;
    MYSQL *mysql;
    MYSQL_STMT *stmt;
    ferry_schema schema;
    ferry_column *cols;
    char **names;
    colbuf *bufs;
    MYSQL_BIND *binds;
    int rebind;            /* a buffer grew during this row: bind again before the next fetch */
    int wire;              /* rows come through on_column (STMT_ATTR_CB_RESULT) */
    ferry_batch *cb_batch; /* on_column's batch and row, and its first error */
    uint32_t cb_row;
    int cb_rc;
    uint64_t row;  /* rows read so far (1-based row of warnings) */
    char *scratch; /* binary columns encoded as text */
    size_t scratch_cap;
    ferry_schema dschema; /* describe's: its own columns and names */
    ferry_column *dcols;
    char **dnames;
    unsigned last_errno; /* the MySQL error of the last failure (fail, stmt_fail) */
} state;

static int fail(state *s, int code, const char *what)
{
    s->last_errno = mysql_errno(s->mysql);
    return s->host->error(s->fx, code, "%s: %s", what, mysql_error(s->mysql));
}

/* `code`, or FERRY_ERR_UNAVAILABLE when the last failure said the server
 * cannot be reached or take the connection now (myerr.h) and the core
 * knows the code (ABI 1.4). */
static int avail_code(const state *s, int code)
{
    return fmy_errno_unavailable(s->last_errno) && s->host->abi_minor >= 4 ? FERRY_ERR_UNAVAILABLE
                                                                           : code;
}

static int stmt_fail(state *s, MYSQL_STMT *st, const char *what)
{
    /* Some failures (a lost connection mid-fetch) leave the message on the
     * connection, not the statement. */
    const char *m = mysql_stmt_error(st);
    unsigned e = mysql_stmt_errno(st);
    if (!m || !*m) {
        m = mysql_error(s->mysql);
        e = mysql_errno(s->mysql);
    }
    s->last_errno = e;
    return s->host->error(s->fx, FERRY_ERR_DB, "%s: %s (error %u)", what,
                          m && *m ? m : "no message from the server", e);
}

/* ---- connection URL --------------------------------------------------- */

static int hexv(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static char *dec(const char *p, size_t n)
{
    char *o = malloc(n + 1);
    size_t k = 0;
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '%' && i + 2 < n && hexv(p[i + 1]) >= 0 && hexv(p[i + 2]) >= 0) {
            o[k++] = (char)(hexv(p[i + 1]) * 16 + hexv(p[i + 2]));
            i += 2;
        } else
            o[k++] = p[i];
    }
    o[k] = '\0';
    return o;
}

/* Connects to `url`; `init` (NULL: none) runs right after (the
 * connector's init command, one more round trip). */
static int connect_url(state *s, const char *url, const char *init)
{
    const char *p = strncmp(url, "mysql://", 8) == 0 ? url + 8 : NULL;
    const char *at = p ? strrchr(p, '@') : NULL;
    const char *slash = at ? strchr(at, '/') : NULL;
    if (!slash)
        return s->host->error(s->fx, FERRY_ERR_CONFIG,
                              "option url: expected mysql://user:password@host[:port]/db");
    const char *colon = memchr(p, ':', (size_t)(at - p));
    char *user = dec(p, (size_t)((colon ? colon : at) - p));
    char *pass = colon ? dec(colon + 1, (size_t)(at - colon - 1)) : NULL;
    const char *hp = memchr(at + 1, ':', (size_t)(slash - at - 1));
    char *host = dec(at + 1, (size_t)((hp ? hp : slash) - at - 1));
    unsigned port = hp ? (unsigned)atoi(hp + 1) : 0;
    const char *q = strchr(slash, '?');
    char *db = dec(slash + 1, q ? (size_t)(q - slash - 1) : strlen(slash + 1));
    char *sock = NULL;
    if (q && strncmp(q + 1, "socket=", 7) == 0)
        sock = dec(q + 8, strlen(q + 8));
    unsigned timeout = 10;
    my_bool off = 0;
    s->mysql = mysql_init(NULL);
    int rc = 0;
    if (!s->mysql || !user || !host || !db) {
        rc = s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
        goto done;
    }
    mysql_optionsv(s->mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_optionsv(s->mysql, MYSQL_OPT_RECONNECT, &off);
    mysql_optionsv(s->mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (init)
        mysql_optionsv(s->mysql, MYSQL_INIT_COMMAND, init);
    if (!mysql_real_connect(s->mysql, host, user, pass, db, port, sock, 0)) {
        s->last_errno = mysql_errno(s->mysql);
        rc = s->host->error(s->fx, avail_code(s, FERRY_ERR_DB), "cannot connect to %s on %s: %s",
                            db, sock ? sock : host, mysql_error(s->mysql));
    }
done:
    free(user);
    free(pass);
    free(host);
    free(db);
    free(sock);
    return rc;
}

/* ---- SQL building -------------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static int sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *x = realloc(b->p, cap);
        if (!x)
            return -1;
        b->p = x;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int sb_str(sbuf *b, const char *s)
{
    return sb_add(b, s, strlen(s));
}

/* `name` quoted as an identifier; names with a backtick or NUL are refused. */
static int sb_ident(state *s, sbuf *b, const char *name)
{
    if (!*name || strchr(name, '`') || strlen(name) > 64)
        return s->host->error(s->fx, FERRY_ERR_CONFIG, "bad column name \"%s\"", name);
    return sb_str(b, "`") || sb_str(b, name) || sb_str(b, "`") ? FERRY_ERR_NOMEM : 0;
}

typedef struct params {
    MYSQL_BIND *b;
    unsigned long *lens;
    char **owned; /* escaped LIKE patterns */
    size_t n, cap, nowned;
} params;

static int param_add(params *ps, const ferry_value *v, char *owned_str)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        MYSQL_BIND *b = realloc(ps->b, cap * sizeof *b);
        if (b)
            ps->b = b;
        unsigned long *l = realloc(ps->lens, cap * sizeof *l);
        if (l)
            ps->lens = l;
        char **o = realloc(ps->owned, cap * sizeof *o);
        if (o)
            ps->owned = o;
        if (!b || !l || !o)
            return -1;
        ps->cap = cap;
    }
    MYSQL_BIND *b = &ps->b[ps->n];
    memset(b, 0, sizeof *b);
    if (owned_str) {
        ps->owned[ps->nowned++] = owned_str;
        b->buffer_type = MYSQL_TYPE_STRING;
        b->buffer = owned_str;
        ps->lens[ps->n] = (unsigned long)strlen(owned_str);
        b->buffer_length = ps->lens[ps->n];
        b->length = &ps->lens[ps->n];
    } else {
        switch (v->type) {
        case FERRY_TYPE_BOOL:
        case FERRY_TYPE_INT64:
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = (void *)&v->u.i64;
            break;
        case FERRY_TYPE_DOUBLE:
            b->buffer_type = MYSQL_TYPE_DOUBLE;
            b->buffer = (void *)&v->u.f64;
            break;
        case FERRY_TYPE_NULL:
            b->buffer_type = MYSQL_TYPE_NULL;
            break;
        default:
            b->buffer_type = MYSQL_TYPE_STRING;
            b->buffer = (void *)v->u.str;
            ps->lens[ps->n] = v->len;
            b->buffer_length = v->len;
            b->length = &ps->lens[ps->n];
            break;
        }
    }
    ps->n++;
    return 0;
}

static void params_free(params *ps)
{
    for (size_t i = 0; i < ps->nowned; i++)
        free(ps->owned[i]);
    free(ps->owned);
    free(ps->b);
    free(ps->lens);
}

/* %value% with LIKE's metacharacters escaped (escape character '\'). */
static char *like_pattern(const ferry_value *v)
{
    char *o = malloc((size_t)v->len * 2 + 3);
    if (!o)
        return NULL;
    size_t k = 0;
    o[k++] = '%';
    for (uint32_t i = 0; i < v->len; i++) {
        char c = v->u.str[i];
        if (c == '%' || c == '_' || c == '\\')
            o[k++] = '\\';
        o[k++] = c;
    }
    o[k++] = '%';
    o[k] = '\0';
    return o;
}

static int type_override(const config *c, const char *name);

/*
 * A filter value on a column declared `duration` (column_types) means the
 * same as everywhere in ferry: a number is seconds, text is "h:mm" or
 * "h:mm:ss" (fv_coerce). The column holds microseconds (Django's
 * DurationField), so the bound value is converted; one that is no duration
 * or beyond the microsecond range is refused, naming the field.
 */
static int duration_param(state *s, params *ps, const char *column, const ferry_value *v)
{
    ferry_value d;
    const char *why = "not a duration";
    if (fv_coerce(FERRY_TYPE_DURATION, v, &d, &why))
        return s->host->error(s->fx, FERRY_ERR_CONFIG, "filter on \"%s\": %s", column, why);
    ferry_value *conv = malloc(sizeof *conv);
    if (!conv)
        return FERRY_ERR_NOMEM;
    ferry_value_set_i64(conv, FERRY_TYPE_INT64, d.u.i64);
    if (param_add(ps, conv, NULL)) {
        free(conv);
        return FERRY_ERR_NOMEM;
    }
    /* Kept alive until execute; the owned list (capacity >= params) frees it. */
    ps->owned[ps->nowned++] = (char *)conv;
    return 0;
}

/* A bool column (column_types) takes true or false (or 0/1) only: text such
 * as "yes" would be compared as text and match the wrong rows. */
static int bool_param(state *s, params *ps, const char *column, const ferry_value *v)
{
    int ok = v->type == FERRY_TYPE_BOOL ||
             (v->type == FERRY_TYPE_INT64 && (v->u.i64 == 0 || v->u.i64 == 1));
    if (!ok)
        return s->host->error(s->fx, FERRY_ERR_CONFIG,
                              "filter on \"%s\" (a bool column) needs true or false", column);
    return param_add(ps, v, NULL) ? FERRY_ERR_NOMEM : 0;
}

/* 0, FERRY_ERR_NOMEM, or the error a value the column cannot hold gives. */
static int pred_param(state *s, params *ps, const char *column, const ferry_value *v)
{
    int t = type_override(s->cfg, column);
    if (t == FERRY_TYPE_DURATION)
        return duration_param(s, ps, column, v);
    if (t == FERRY_TYPE_BOOL)
        return bool_param(s, ps, column, v);
    return param_add(ps, v, NULL) ? FERRY_ERR_NOMEM : 0;
}

static int build_where(state *s, sbuf *b, params *ps, const ferry_query *q)
{
    for (uint32_t i = 0; i < q->npredicates; i++) {
        const ferry_predicate *p = &q->predicates[i];
        if (sb_str(b, i ? " AND " : " WHERE "))
            return FERRY_ERR_NOMEM;
        int rc = sb_ident(s, b, p->column);
        if (rc)
            return rc;
        const char *op = NULL;
        switch (p->op) {
        case FERRY_OP_EQ:
            op = " = ?";
            break;
        case FERRY_OP_NE:
            op = " <> ?";
            break;
        case FERRY_OP_LT:
            op = " < ?";
            break;
        case FERRY_OP_LTE:
            op = " <= ?";
            break;
        case FERRY_OP_GT:
            op = " > ?";
            break;
        case FERRY_OP_GTE:
            op = " >= ?";
            break;
        case FERRY_OP_IS_NULL:
            if (sb_str(b, " IS NULL"))
                return FERRY_ERR_NOMEM;
            continue;
        case FERRY_OP_NOT_NULL:
            if (sb_str(b, " IS NOT NULL"))
                return FERRY_ERR_NOMEM;
            continue;
        case FERRY_OP_IN:
            if (p->nvalues == 0) {
                if (sb_str(b, " IS NULL AND 1 = 0"))
                    return FERRY_ERR_NOMEM;
                continue;
            }
            if (sb_str(b, " IN ("))
                return FERRY_ERR_NOMEM;
            for (uint32_t k = 0; k < p->nvalues; k++) {
                if (sb_str(b, k ? ", ?" : "?"))
                    return FERRY_ERR_NOMEM;
                if ((rc = pred_param(s, ps, p->column, &p->values[k])))
                    return rc;
            }
            if (sb_str(b, ")"))
                return FERRY_ERR_NOMEM;
            continue;
        case FERRY_OP_CONTAINS: {
            if (p->nvalues != 1 || p->values[0].type != FERRY_TYPE_STRING)
                return s->host->error(s->fx, FERRY_ERR_DATA, "contains on %s needs one text value",
                                      p->column);
            char *pat = like_pattern(&p->values[0]);
            if (!pat || sb_str(b, " LIKE ? ESCAPE '\\\\'") || param_add(ps, NULL, pat))
                return FERRY_ERR_NOMEM;
            continue;
        }
        default:
            return s->host->error(s->fx, FERRY_ERR_DATA, "unsupported operator %d on %s", p->op,
                                  p->column);
        }
        if (p->nvalues != 1)
            return s->host->error(s->fx, FERRY_ERR_DATA, "operator on %s needs one value",
                                  p->column);
        if (sb_str(b, op))
            return FERRY_ERR_NOMEM;
        if ((rc = pred_param(s, ps, p->column, &p->values[0])))
            return rc;
    }
    return 0;
}

/* ---- types --------------------------------------------------------------- */

static int type_override(const config *c, const char *name)
{
    for (size_t i = 0; i < c->column_types.n; i++) {
        const char *it = c->column_types.items[i];
        const char *colon = strchr(it, ':');
        if (!colon || (size_t)(colon - it) != strlen(name) || strncmp(it, name, strlen(name)))
            continue;
        for (int t = 1; t < FERRY_TYPE_COUNT_; t++)
            if (!strcmp(colon + 1, ferry_type_name(t)))
                return t;
    }
    return 0;
}

static int mysql_to_ferry(const MYSQL_FIELD *f)
{
    switch (f->type) {
    case MYSQL_TYPE_TINY:
        return f->length == 1 ? FERRY_TYPE_BOOL : FERRY_TYPE_INT64;
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
        return FERRY_TYPE_INT64;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
        return FERRY_TYPE_DOUBLE;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
        return FERRY_TYPE_DECIMAL;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
        return FERRY_TYPE_DATE;
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP:
        return FERRY_TYPE_TIMESTAMP;
    case MYSQL_TYPE_TIME:
        return FERRY_TYPE_DURATION;
    case MYSQL_TYPE_BIT:
        return FERRY_TYPE_INT64; /* fetched as bytes, see bind_column */
    default:
        return FERRY_TYPE_STRING;
    }
}

static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* A JSON column: MariaDB sends it as LONGTEXT with the format name "json"
 * in the extended metadata; MySQL as MYSQL_TYPE_JSON. */
static int is_json(const MYSQL_FIELD *f)
{
    if (f->type == MYSQL_TYPE_JSON)
        return 1;
    MARIADB_CONST_STRING a = {0};
    return mariadb_field_attr(&a, f, MARIADB_FIELD_ATTR_FORMAT_NAME) == 0 && a.length == 4 &&
           memcmp(a.str, "json", 4) == 0;
}

/* Bytes with no character set (BINARY, VARBINARY, BLOB; charset 63), and
 * GEOMETRY (the server's SRID and WKB bytes). */
static int is_binary(const MYSQL_FIELD *f)
{
    switch (f->type) {
    case MYSQL_TYPE_GEOMETRY:
        return 1;
    case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
        return f->charsetnr == 63 && !is_json(f);
    default:
        return 0;
    }
}

/* Sets up column i's result bind: numbers and times into fixed buffers,
 * everything else as bytes into a buffer that grows to the longest value. */
static int bind_column(state *s, unsigned i, const MYSQL_FIELD *f)
{
    MYSQL_BIND *bd = &s->binds[i];
    colbuf *cb = &s->bufs[i];
    bd->is_null = &cb->is_null;
    bd->error = &cb->error;
    bd->length = &cb->len;
    switch (f->type == MYSQL_TYPE_BIT ? FERRY_TYPE_STRING : mysql_to_ferry(f)) {
    case FERRY_TYPE_BOOL:
    case FERRY_TYPE_INT64:
        bd->buffer_type = MYSQL_TYPE_LONGLONG;
        bd->buffer = &cb->i;
        bd->is_unsigned = (f->flags & UNSIGNED_FLAG) != 0;
        cb->kind = bd->is_unsigned ? COL_UNSIGNED : COL_PLAIN;
        cb->wire = WIRE_INT;
        cb->width = f->type == MYSQL_TYPE_TINY                                  ? 1
                    : f->type == MYSQL_TYPE_SHORT || f->type == MYSQL_TYPE_YEAR ? 2
                    : f->type == MYSQL_TYPE_LONGLONG                            ? 8
                                                                                : 4;
        return 0;
    case FERRY_TYPE_DOUBLE:
        bd->buffer_type = MYSQL_TYPE_DOUBLE;
        bd->buffer = &cb->d;
        return 0;
    case FERRY_TYPE_DATE:
    case FERRY_TYPE_TIMESTAMP:
    case FERRY_TYPE_DURATION:
        bd->buffer_type = f->type == MYSQL_TYPE_TIME             ? MYSQL_TYPE_TIME
                          : mysql_to_ferry(f) == FERRY_TYPE_DATE ? MYSQL_TYPE_DATE
                                                                 : MYSQL_TYPE_DATETIME;
        bd->buffer = &cb->t;
        cb->wire = f->type == MYSQL_TYPE_TIME ? WIRE_STOCK : WIRE_TIME;
        return 0;
    default:
        break;
    }
    {
        cb->kind = f->type == MYSQL_TYPE_BIT ? COL_BIT : is_binary(f) ? COL_BINARY : COL_PLAIN;
        cb->wire = WIRE_BYTES;
        cb->cap = 256;
        cb->s = malloc(cb->cap);
        bd->buffer_type = MYSQL_TYPE_STRING;
        bd->buffer = cb->s;
        bd->buffer_length = cb->cap;
        return cb->s ? 0 : -1;
    }
}

/* ---- callbacks ----------------------------------------------------------- */

static int init(ferry_ctx *fx, const ferry_host *host, const void *cfg, void **out)
{
    state *s = host->alloc(fx, sizeof *s);
    if (!s)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    s->fx = fx;
    s->host = host;
    s->cfg = cfg;
    *out = s;
    if (strncmp(s->cfg->url, "mysql://", 8) != 0)
        return host->error(fx, FERRY_ERR_CONFIG, "option url must start with mysql://");
    return 0;
}

static void close_all(state *s)
{
    if (s->stmt)
        mysql_stmt_close(s->stmt);
    s->stmt = NULL;
    if (s->mysql)
        mysql_close(s->mysql);
    s->mysql = NULL;
    for (uint32_t i = 0; s->bufs && i < s->schema.ncolumns; i++)
        free(s->bufs[i].s);
    for (uint32_t i = 0; s->names && i < s->schema.ncolumns; i++)
        free(s->names[i]);
    free(s->bufs);
    free(s->binds);
    free(s->cols);
    free(s->names);
    free(s->scratch);
    s->scratch = NULL;
    s->scratch_cap = 0;
    s->bufs = NULL;
    s->binds = NULL;
    s->cols = NULL;
    s->names = NULL;
    s->schema.ncolumns = 0;
}

static void describe_free(state *s)
{
    for (uint32_t i = 0; s->dnames && i < s->dschema.ncolumns; i++)
        free(s->dnames[i]);
    free(s->dnames);
    free(s->dcols);
    s->dnames = NULL;
    s->dcols = NULL;
    s->dschema.ncolumns = 0;
}

static void destroy(void *st)
{
    state *s = st;
    if (!s)
        return;
    close_all(s);
    describe_free(s);
    s->host->free(s->fx, s);
}

static int run_plain(state *s, const char *sql)
{
    if (mysql_real_query(s->mysql, sql, strlen(sql)))
        return fail(s, FERRY_ERR_DB, sql);
    return 0;
}

static int build_select(state *s, sbuf *b, params *ps, const ferry_query *q, int count)
{
    int rc = 0;
    if (count) {
        rc = sb_str(b, "SELECT COUNT(*) FROM (");
    } else {
        rc = sb_str(b, "SELECT ");
        for (uint32_t i = 0; !rc && i < q->nfields; i++) {
            if (i && sb_str(b, ", "))
                return FERRY_ERR_NOMEM;
            rc = sb_ident(s, b, q->fields[i]);
        }
        if (!rc && q->nfields == 0)
            rc = sb_str(b, "*");
        if (!rc)
            rc = sb_str(b, " FROM (");
    }
    if (rc || sb_str(b, s->cfg->query) || sb_str(b, ") AS ferry_src"))
        return rc ? rc : FERRY_ERR_NOMEM;
    if ((rc = build_where(s, b, ps, q)))
        return rc;
    for (size_t i = 0; !count && i < s->cfg->order_by.n; i++) {
        const char *o = s->cfg->order_by.items[i];
        char name[80];
        const char *sp = strchr(o, ' ');
        snprintf(name, sizeof name, "%.*s", sp ? (int)(sp - o) : (int)strlen(o), o);
        int desc = sp && !strcmp(sp + 1, "desc");
        if (sp && !desc && strcmp(sp + 1, "asc"))
            return s->host->error(s->fx, FERRY_ERR_CONFIG,
                                  "option order_by: \"%s\" must be \"column [asc|desc]\"", o);
        if (sb_str(b, i ? ", " : " ORDER BY ") || (rc = sb_ident(s, b, name)) ||
            sb_str(b, desc ? " DESC" : ""))
            return rc ? rc : FERRY_ERR_NOMEM;
    }
    return 0;
}

static MYSQL_STMT *prepare(state *s, const char *sql, params *ps)
{
    MYSQL_STMT *st = mysql_stmt_init(s->mysql);
    if (!st) {
        fail(s, FERRY_ERR_DB, "statement");
        return NULL;
    }
    /* The arrays may have moved as parameters were added: point every
     * length at its final place. */
    for (size_t i = 0; i < ps->n; i++)
        if (ps->b[i].length)
            ps->b[i].length = &ps->lens[i];
    if (mysql_stmt_prepare(st, sql, strlen(sql)) || (ps->n && mysql_stmt_bind_param(st, ps->b)) ||
        mysql_stmt_execute(st)) {
        stmt_fail(s, st, "query failed");
        mysql_stmt_close(st);
        return NULL;
    }
    return st;
}

/* The exact row count (option count): the whole query once more, in the
 * same snapshot. */
static int count_rows(state *s, const ferry_query *q, int64_t *count)
{
    sbuf b = {0};
    params ps = {0};
    int rc = build_select(s, &b, &ps, q, 1);
    MYSQL_STMT *c = rc ? NULL : prepare(s, b.p, &ps);
    free(b.p);
    params_free(&ps);
    if (rc || !c)
        return rc ? rc : FERRY_ERR_DB;
    MYSQL_BIND rb;
    long long n = 0;
    memset(&rb, 0, sizeof rb);
    rb.buffer_type = MYSQL_TYPE_LONGLONG;
    rb.buffer = &n;
    if (mysql_stmt_bind_result(c, &rb) || mysql_stmt_fetch(c) != 0)
        rc = stmt_fail(s, c, "count failed");
    mysql_stmt_close(c);
    if (!rc)
        *count = n;
    return rc;
}

enum { EXPLAIN_COLS = 16, EXPLAIN_TEXT = 64 };

/* The outermost SELECT's plan rows of an EXPLAIN, multiplied (a join's
 * tables, each scaled by `filtered`): the optimizer's estimate of the
 * rows. -1 when the columns are not there. */
static int64_t plan_rows(MYSQL_STMT *st, MYSQL_RES *meta)
{
    unsigned n = mysql_num_fields(meta);
    MYSQL_FIELD *f = mysql_fetch_fields(meta);
    char text[EXPLAIN_COLS][EXPLAIN_TEXT];
    unsigned long len[EXPLAIN_COLS];
    my_bool null[EXPLAIN_COLS];
    MYSQL_BIND rb[EXPLAIN_COLS];
    int id = -1, rows = -1, filtered = -1;
    memset(rb, 0, sizeof rb);
    for (unsigned i = 0; i < n && i < EXPLAIN_COLS; i++) {
        rb[i].buffer_type = MYSQL_TYPE_STRING;
        rb[i].buffer = text[i];
        rb[i].buffer_length = EXPLAIN_TEXT - 1;
        rb[i].length = &len[i];
        rb[i].is_null = &null[i];
        id = strcmp(f[i].name, "id") ? id : (int)i;
        rows = strcmp(f[i].name, "rows") ? rows : (int)i;
        filtered = strcmp(f[i].name, "filtered") ? filtered : (int)i;
    }
    if (n > EXPLAIN_COLS || id < 0 || rows < 0 || mysql_stmt_bind_result(st, rb))
        return -1;
    double est = -1;
    int r;
    while ((r = mysql_stmt_fetch(st)) == 0 || r == MYSQL_DATA_TRUNCATED) {
        text[id][len[id] < EXPLAIN_TEXT ? len[id] : EXPLAIN_TEXT - 1] = '\0';
        text[rows][len[rows] < EXPLAIN_TEXT ? len[rows] : EXPLAIN_TEXT - 1] = '\0';
        if (null[id] || strcmp(text[id], "1") || null[rows])
            continue;
        double k = strtod(text[rows], NULL);
        if (filtered >= 0 && !null[filtered]) {
            text[filtered][len[filtered] < EXPLAIN_TEXT ? len[filtered] : EXPLAIN_TEXT - 1] = '\0';
            k *= strtod(text[filtered], NULL) / 100.0;
        }
        est = est < 0 ? k : est * k;
    }
    return est < 0 ? -1 : est > 9e18 ? INT64_MAX : (int64_t)(est + 0.5);
}

/* The optimizer's row estimate (EXPLAIN of the same statement, same
 * snapshot; nothing is read), reported through host->row_estimate for
 * progress. A failure only means no estimate. */
static void estimate_rows(state *s, const ferry_query *q)
{
    if (s->host->size < offsetof(ferry_host, row_estimate) + sizeof s->host->row_estimate)
        return;
    sbuf b = {0};
    params ps = {0};
    MYSQL_STMT *st = NULL;
    MYSQL_RES *meta = NULL;
    if (sb_str(&b, "EXPLAIN ") || build_select(s, &b, &ps, q, 0) ||
        !(st = mysql_stmt_init(s->mysql)))
        goto out;
    for (size_t i = 0; i < ps.n; i++)
        if (ps.b[i].length)
            ps.b[i].length = &ps.lens[i];
    if (mysql_stmt_prepare(st, b.p, b.len) || (ps.n && mysql_stmt_bind_param(st, ps.b)) ||
        mysql_stmt_execute(st) || !(meta = mysql_stmt_result_metadata(st)))
        goto out;
    int64_t est = plan_rows(st, meta);
    s->host->log(s->fx, FERRY_LOG_DEBUG, "row estimate (EXPLAIN): %lld", (long long)est);
    if (est >= 0)
        s->host->row_estimate(s->fx, est);
out:
    if (meta)
        mysql_free_result(meta);
    if (st)
        mysql_stmt_close(st);
    free(b.p);
    params_free(&ps);
}

/*
 * The session for one read, in one prepared SET (even the session settings
 * go through a bound parameter) and START TRANSACTION: UTC, net_write_timeout
 * raised, and REPEATABLE READ, which the consistent snapshot needs (under
 * READ COMMITTED every statement would see newer rows). MariaDB calls the
 * isolation variable tx_isolation (transaction_isolation only from 11.1);
 * MySQL 8 has only transaction_isolation (5.7.20 and later).
 */
static int begin_snapshot(state *s)
{
    const char *set = mariadb_connection(s->mysql)
                          ? "SET SESSION net_write_timeout = ?, time_zone = '+00:00', "
                            "tx_isolation = 'REPEATABLE-READ'"
                          : "SET SESSION net_write_timeout = ?, time_zone = '+00:00', "
                            "transaction_isolation = 'REPEATABLE-READ'";
    ferry_value timeout;
    ferry_value_set_i64(&timeout, FERRY_TYPE_INT64, s->cfg->net_write_timeout);
    params tp = {0};
    if (param_add(&tp, &timeout, NULL)) {
        params_free(&tp);
        return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
    }
    MYSQL_STMT *st = prepare(s, set, &tp);
    params_free(&tp);
    if (!st)
        return avail_code(s, FERRY_ERR_DB);
    mysql_stmt_close(st);
    int rc = run_plain(s, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
    return rc == FERRY_ERR_DB ? avail_code(s, rc) : rc;
}

static void on_column(void *data, unsigned int c, unsigned char **row);

/* A test build (FERRY_SOURCE_MYSQL_NO_CB_RESULT, tests/fidelity's
 * fidelity_bind) never sets the result callback: it reads every row through
 * the binds, as with a Connector/C that has no callback. */
#ifdef FERRY_SOURCE_MYSQL_NO_CB_RESULT
static const int use_cb_result = 0;
#else
static const int use_cb_result = 1;
#endif

static int src_open(void *st, const ferry_query *q, const ferry_schema **schema, int64_t *count)
{
    state *s = st;
    int rc = connect_url(s, s->cfg->url, NULL);
    if (rc || (rc = begin_snapshot(s)))
        return rc;

    sbuf b = {0};
    params ps = {0};
    *count = -1;
    if (s->cfg->count)
        rc = count_rows(s, q, count);
    else
        estimate_rows(s, q);
    if (rc)
        goto out;
    if ((rc = build_select(s, &b, &ps, q, 0)))
        goto out;
    s->stmt = prepare(s, b.p, &ps);
    if (!s->stmt) {
        rc = FERRY_ERR_DB;
        goto out;
    }
    MYSQL_RES *meta = mysql_stmt_result_metadata(s->stmt);
    if (!meta) {
        rc = stmt_fail(s, s->stmt, "no result columns");
        goto out;
    }
    unsigned n = mysql_num_fields(meta);
    MYSQL_FIELD *fields = mysql_fetch_fields(meta);
    s->cols = calloc(n, sizeof *s->cols);
    s->names = calloc(n, sizeof *s->names);
    s->bufs = calloc(n, sizeof *s->bufs);
    s->binds = calloc(n, sizeof *s->binds);
    if (!s->cols || !s->names || !s->bufs || !s->binds) {
        mysql_free_result(meta);
        rc = s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
        goto out;
    }
    s->schema.ncolumns = n;
    s->schema.columns = s->cols;
    for (unsigned i = 0; i < n; i++) {
        s->names[i] = strdup(fields[i].name);
        int t = type_override(s->cfg, fields[i].name);
        s->cols[i].name = s->names[i];
        s->cols[i].label = s->names[i];
        s->cols[i].type = t ? t : mysql_to_ferry(&fields[i]);
        if (is_json(&fields[i]))
            s->cols[i].flags |= FERRY_COLUMN_JSON;
        if (bind_column(s, i, &fields[i])) {
            mysql_free_result(meta);
            rc = s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    mysql_free_result(meta);
    /* The result callback where Connector/C has it, else the binds. */
    s->wire = use_cb_result && !mysql_stmt_attr_set(s->stmt, STMT_ATTR_CB_USER_DATA, s) &&
              !mysql_stmt_attr_set(s->stmt, STMT_ATTR_CB_RESULT, (const void *)on_column);
    s->host->log(s->fx, FERRY_LOG_DEBUG, "rows read %s",
                 s->wire ? "from the row packet (STMT_ATTR_CB_RESULT)"
                         : "through the binds (mysql_stmt_bind_result)");
    if (!s->wire && mysql_stmt_bind_result(s->stmt, s->binds)) {
        rc = stmt_fail(s, s->stmt, "bind");
        goto out;
    }
    *schema = &s->schema;
out:
    free(b.p);
    params_free(&ps);
    return rc;
}

/* An integer the bind fetched: exact whatever its width. BIGINT UNSIGNED
 * above INT64_MAX becomes DECIMAL text; a TINYINT(1) holding neither 0 nor
 * 1 stays an integer rather than collapse to true. */
static int put_integer(state *s, ferry_batch *b, uint32_t row, uint32_t c, uint64_t u,
                       int is_unsigned)
{
    ferry_value *v = ferry_batch_at(b, row, c);
    int type = s->cols[c].type;
    if (is_unsigned && u > (uint64_t)INT64_MAX) {
        char t[24];
        int n = snprintf(t, sizeof t, "%llu", (unsigned long long)u);
        if (type == FERRY_TYPE_DOUBLE) {
            ferry_value_set_f64(v, (double)u);
            return 0;
        }
        return s->host->batch_set_bytes(b, row, c, FERRY_TYPE_DECIMAL, t, (size_t)n);
    }
    int64_t i = (int64_t)u;
    if (type == FERRY_TYPE_BOOL && (i == 0 || i == 1))
        ferry_value_set_i64(v, FERRY_TYPE_BOOL, i);
    else if (type == FERRY_TYPE_DOUBLE)
        ferry_value_set_f64(v, (double)i);
    else if (type == FERRY_TYPE_DURATION || type == FERRY_TYPE_DATE || type == FERRY_TYPE_TIMESTAMP)
        ferry_value_set_i64(v, (ferry_type)type, i); /* a column_types override */
    else
        ferry_value_set_i64(v, FERRY_TYPE_INT64, i);
    return 0;
}

/* BINARY/VARBINARY/BLOB bytes as base64 or hex text. */
static int put_binary(state *s, ferry_batch *b, uint32_t row, uint32_t c, const unsigned char *p,
                      size_t n)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char hx[] = "0123456789abcdef";
    int hex = s->cfg->binary && strcmp(s->cfg->binary, "hex") == 0;
    size_t need = hex ? 2 * n + 1 : 4 * ((n + 2) / 3) + 1;
    if (need > s->scratch_cap) {
        char *x = realloc(s->scratch, need);
        if (!x)
            return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
        s->scratch = x;
        s->scratch_cap = need;
    }
    char *o = s->scratch;
    size_t k = 0;
    if (hex) {
        for (size_t i = 0; i < n; i++) {
            o[k++] = hx[p[i] >> 4];
            o[k++] = hx[p[i] & 15];
        }
    } else {
        for (size_t i = 0; i < n; i += 3) {
            unsigned x = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                         (i + 2 < n ? p[i + 2] : 0);
            o[k++] = b64[x >> 18];
            o[k++] = b64[(x >> 12) & 63];
            o[k++] = i + 1 < n ? b64[(x >> 6) & 63] : '=';
            o[k++] = i + 2 < n ? b64[x & 63] : '=';
        }
    }
    return s->host->batch_set_bytes(b, row, c, FERRY_TYPE_STRING, o, k);
}

/* A value longer than its buffer: grow the buffer and fetch the column
 * again. The new buffer is bound for later rows only after this row's
 * columns are all read (binding mid-row loses the other columns' data). */
static int refetch_long(state *s, uint32_t c)
{
    colbuf *cb = &s->bufs[c];
    MYSQL_BIND *bd = &s->binds[c];
    unsigned long cap = cb->cap;
    while (cap < cb->len)
        cap = cap > (1ul << 30) ? cb->len : cap * 2;
    char *n = realloc(cb->s, cap);
    if (!n)
        return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
    cb->s = n;
    cb->cap = cap;
    bd->buffer = n;
    bd->buffer_length = cap;
    unsigned long want = cb->len;
    if (mysql_stmt_fetch_column(s->stmt, bd, c, 0))
        return stmt_fail(s, s->stmt, "fetch column");
    if (cb->len != want)
        return s->host->error(s->fx, FERRY_ERR_DB, "column %s: fetched %lu bytes of %lu",
                              s->cols[c].name, cb->len, want);
    s->rebind = 1;
    return 0;
}

/* The bytes of a string column: text, decimal, BIT or binary. */
static int put_bytes(state *s, ferry_batch *b, uint32_t row, uint32_t c, const char *p, size_t n)
{
    colbuf *cb = &s->bufs[c];
    if (cb->kind == COL_BIT) {
        uint64_t u = 0;
        for (size_t i = 0; i < n && i < 8; i++)
            u = u << 8 | (unsigned char)p[i];
        return put_integer(s, b, row, c, u, 1);
    }
    if (cb->kind == COL_BINARY)
        return put_binary(s, b, row, c, (const unsigned char *)p, n);
    int t = s->cols[c].type == FERRY_TYPE_DECIMAL ? FERRY_TYPE_DECIMAL : FERRY_TYPE_STRING;
    return s->host->batch_set_bytes(b, row, c, t, p, n);
}

/* The bytes of a column bound as a string. */
static int convert_bytes(state *s, ferry_batch *b, uint32_t row, uint32_t c)
{
    colbuf *cb = &s->bufs[c];
    if (cb->len > cb->cap) {
        int rc = refetch_long(s, c);
        if (rc)
            return rc;
    }
    return put_bytes(s, b, row, c, cb->s, cb->len);
}

static int64_t micros_of(const MYSQL_TIME *t)
{
    return ((int64_t)t->hour * 3600 + t->minute * 60 + t->second) * 1000000LL +
           (int64_t)t->second_part;
}

/* A day of the calendar: month 1-12, day 1 to the month's last. */
static int calendar_day(const MYSQL_TIME *t)
{
    static const unsigned char last[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned y = t->year;
    int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    return t->month >= 1 && t->month <= 12 && t->day >= 1 &&
           t->day <= last[t->month - 1] + (unsigned)(t->month == 2 && leap);
}

/* A DATE or DATETIME value; MySQL's "zero date", and a date with a zero
 * month or day or a day past its month's end (without NO_ZERO_IN_DATE, or
 * with ALLOW_INVALID_DATES), is no date at all: exported as null, said. */
static void put_datetime(state *s, ferry_value *v, uint32_t c, const MYSQL_TIME *t, int is_date)
{
    if (!calendar_day(t)) {
        ferry_value_set_null(v);
        if (s->host->size < offsetof(ferry_host, warn) + sizeof s->host->warn)
            return;
        if (t->year == 0 && t->month == 0 && t->day == 0)
            s->host->warn(s->fx, s->row, (int32_t)c,
                          "column %s: zero date 0000-00-00 exported as null", s->cols[c].name);
        else
            s->host->warn(s->fx, s->row, (int32_t)c,
                          "column %s: %04u-%02u-%02u is no date, exported as null", s->cols[c].name,
                          t->year, t->month, t->day);
        return;
    }
    int64_t days = days_from_civil((int)t->year, t->month, t->day);
    if (is_date)
        ferry_value_set_i64(v, FERRY_TYPE_DATE, days);
    else
        ferry_value_set_i64(v, FERRY_TYPE_TIMESTAMP, days * 86400000000LL + micros_of(t));
}

static int convert(state *s, ferry_batch *b, uint32_t row, uint32_t c)
{
    colbuf *cb = &s->bufs[c];
    MYSQL_BIND *bd = &s->binds[c];
    ferry_value *v = ferry_batch_at(b, row, c);
    if (cb->is_null) {
        ferry_value_set_null(v);
        return 0;
    }
    const MYSQL_TIME *t = &cb->t;
    switch (bd->buffer_type) {
    case MYSQL_TYPE_LONGLONG:
        return put_integer(s, b, row, c, (uint64_t)cb->i, cb->kind == COL_UNSIGNED);
    case MYSQL_TYPE_DOUBLE:
        ferry_value_set_f64(v, cb->d);
        return 0;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_DATETIME:
        put_datetime(s, v, c, t, bd->buffer_type == MYSQL_TYPE_DATE);
        return 0;
    case MYSQL_TYPE_TIME: {
        int64_t us = (int64_t)t->day * 86400000000LL + micros_of(t);
        ferry_value_set_i64(v, FERRY_TYPE_DURATION, t->neg ? -us : us);
        return 0;
    }
    default:
        return convert_bytes(s, b, row, c);
    }
}

/* ---- values straight from the row packet (STMT_ATTR_CB_RESULT) ------------ */

/* n (<= 8) little-endian bytes at p. */
static uint64_t le_bytes(const unsigned char *p, unsigned n)
{
    uint64_t u = 0;
    switch (n) { /* the common widths as single loads */
    case 1:
        return p[0];
    case 2:
        return (uint64_t)p[0] | (uint64_t)p[1] << 8;
    case 4:
        return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
    case 8:
        return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
               (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
               (uint64_t)p[7] << 56;
    default:
        while (n--)
            u = u << 8 | p[n];
        return u;
    }
}

/* A length-encoded integer (a string's length) at *p; moves *p past it. */
static uint64_t lenenc(unsigned char **p)
{
    unsigned char *q = *p;
    unsigned n = q[0] == 252 ? 2 : q[0] == 253 ? 3 : q[0] == 254 ? 8 : 0;
    *p = q + 1 + n;
    return n ? le_bytes(q + 1, n) : q[0];
}

/* One column's value of the binary protocol row at *row: decoded into the
 * batch and *row moved past it (also after an error, which is kept in
 * s->cb_rc for src_read). Doubles and TIME go through the column's bind
 * with Connector/C's own conversion. */
static int wire_value(state *s, uint32_t c, unsigned char **row)
{
    colbuf *cb = &s->bufs[c];
    ferry_value *v = ferry_batch_at(s->cb_batch, s->cb_row, c);
    unsigned char *p = *row;
    MYSQL_TIME t;

    switch (cb->wire) {
    case WIRE_INT: {
        uint64_t u = le_bytes(p, cb->width);
        unsigned bits = 8u * cb->width;
        *row = p + cb->width;
        if (cb->kind != COL_UNSIGNED && bits < 64 && (u >> (bits - 1)) & 1)
            u |= ~UINT64_C(0) << bits; /* sign-extended */
        if (s->cols[c].type == FERRY_TYPE_INT64 && (cb->kind != COL_UNSIGNED || u <= INT64_MAX)) {
            ferry_value_set_i64(v, FERRY_TYPE_INT64, (int64_t)u); /* the common case */
            return 0;
        }
        return put_integer(s, s->cb_batch, s->cb_row, c, u, cb->kind == COL_UNSIGNED);
    }
    case WIRE_TIME: /* length 0, 4, 7 or 11: y m d [h m s [µs]] */
        memset(&t, 0, sizeof t);
        *row = p + 1 + p[0];
        if (p[0] >= 4) {
            t.year = (unsigned)le_bytes(p + 1, 2);
            t.month = p[3];
            t.day = p[4];
        }
        if (p[0] >= 7) {
            t.hour = p[5];
            t.minute = p[6];
            t.second = p[7];
        }
        if (p[0] >= 11)
            t.second_part = (unsigned long)le_bytes(p + 8, 4);
        put_datetime(s, v, c, &t, s->binds[c].buffer_type == MYSQL_TYPE_DATE);
        return 0;
    case WIRE_BYTES: {
        uint64_t n = lenenc(&p);
        *row = p + n;
        return put_bytes(s, s->cb_batch, s->cb_row, c, (const char *)p, (size_t)n);
    }
    default:
        cb->is_null = 0;
        mysql_ps_fetch_functions[s->stmt->fields[c].type].func(&s->binds[c], &s->stmt->fields[c],
                                                               row);
        return convert(s, s->cb_batch, s->cb_row, c);
    }
}

/* Connector/C's result callback: row is NULL for a NULL value. */
static void on_column(void *data, unsigned int c, unsigned char **row)
{
    state *s = data;
    int rc;

    if (!row) {
        ferry_value_set_null(ferry_batch_at(s->cb_batch, s->cb_row, c));
        return;
    }
    rc = wire_value(s, c, row);
    if (rc && !s->cb_rc)
        s->cb_rc = rc;
}

/* Rows through on_column, each added to the batch before its fetch. */
static int wire_read(state *s, ferry_batch *b, int *eof)
{
    while (b->nrows < b->capacity) {
        int64_t row = s->host->batch_add_row(b);
        if (row < 0)
            return s->host->error(s->fx, FERRY_ERR, "batch full");
        s->row++;
        s->cb_batch = b;
        s->cb_row = (uint32_t)row;
        s->cb_rc = 0;
        int f = mysql_stmt_fetch(s->stmt);
        if (f == MYSQL_NO_DATA || f == 1) {
            b->nrows--; /* no row after all */
            s->row--;
        }
        if (f == MYSQL_NO_DATA) {
            *eof = 1;
            return 0;
        }
        if (f == 1)
            return stmt_fail(s, s->stmt, "reading rows failed");
        if (s->cb_rc)
            return s->cb_rc;
    }
    return 0;
}

static int src_read(void *st, ferry_batch *b, int *eof)
{
    state *s = st;
    if (s->wire)
        return wire_read(s, b, eof);
    while (b->nrows < b->capacity) {
        int f = mysql_stmt_fetch(s->stmt);
        if (f == MYSQL_NO_DATA) {
            *eof = 1;
            return 0;
        }
        if (f == 1)
            return stmt_fail(s, s->stmt, "reading rows failed");
        int64_t row = s->host->batch_add_row(b);
        if (row < 0)
            return s->host->error(s->fx, FERRY_ERR, "batch full");
        s->row++;
        for (uint32_t c = 0; c < s->schema.ncolumns; c++) {
            int rc = convert(s, b, (uint32_t)row, c);
            if (rc)
                return rc;
        }
        if (s->rebind) {
            if (mysql_stmt_bind_result(s->stmt, s->binds))
                return stmt_fail(s, s->stmt, "rebind");
            s->rebind = 0;
        }
    }
    return 0;
}

static void src_close(void *st)
{
    state *s = st;
    if (s->mysql)
        mysql_real_query(s->mysql, "COMMIT", 6);
    close_all(s);
}

/* Errors of the configured query's text, not of the server: a config error. */
static int query_error_code(unsigned e)
{
    /* bad field, parse error, no such table, duplicate column, no such function */
    return e == 1054 || e == 1064 || e == 1146 || e == 1060 || e == 1305 ? FERRY_ERR_CONFIG
                                                                         : FERRY_ERR_DB;
}

/* The schema from a result's metadata, into describe's own arrays. */
static int describe_fields(state *s, MYSQL_RES *res)
{
    unsigned n = mysql_num_fields(res);
    MYSQL_FIELD *f = mysql_fetch_fields(res);
    s->dcols = calloc(n ? n : 1, sizeof *s->dcols);
    s->dnames = calloc(n ? n : 1, sizeof *s->dnames);
    if (!s->dcols || !s->dnames)
        return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
    for (unsigned i = 0; i < n; i++, s->dschema.ncolumns++) {
        if (!(s->dnames[i] = strdup(f[i].name)))
            return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
        int t = type_override(s->cfg, f[i].name);
        s->dcols[i].name = s->dcols[i].label = s->dnames[i];
        s->dcols[i].type = t ? t : mysql_to_ferry(&f[i]);
    }
    s->dschema.columns = s->dcols;
    return 0;
}

/* SELECT * FROM (<query>) AS ferry_src LIMIT 0: the columns, no rows. */
static int src_describe(void *st, const ferry_schema **schema)
{
    state *s = st;
    close_all(s);
    describe_free(s);
    int rc = connect_url(s, s->cfg->url, "SET time_zone = '+00:00'");
    sbuf b = {0};
    if (!rc && (sb_str(&b, "SELECT * FROM (") || sb_str(&b, s->cfg->query) ||
                sb_str(&b, ") AS ferry_src LIMIT 0")))
        rc = s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
    if (!rc && mysql_real_query(s->mysql, b.p, b.len)) {
        unsigned e = mysql_errno(s->mysql);
        rc = s->host->error(s->fx, query_error_code(e), "option query: %s (error %u)",
                            mysql_error(s->mysql), e);
    }
    MYSQL_RES *res = rc ? NULL : mysql_store_result(s->mysql);
    if (!rc && !res)
        rc = fail(s, FERRY_ERR_DB, "no result columns");
    if (!rc)
        rc = describe_fields(s, res);
    if (res)
        mysql_free_result(res);
    free(b.p);
    close_all(s);
    if (!rc)
        *schema = &s->dschema;
    return rc;
}

static const ferry_source_ops ops = {src_open, src_read, src_close, src_describe};

static const ferry_plugin_descriptor source_mysql = {
    FERRY_PLUGIN_HEADER,
    FERRY_KIND_SOURCE,
    "source-mysql",
    "1.0.0",
    "rows of a SELECT from MySQL/MariaDB, filtered by bound parameters, in one snapshot",
    options,
    sizeof(config),
    0,
    0,
    NULL,
    NULL,
    init,
    destroy,
    &ops,
    NULL,
    NULL,
    NULL,
    NULL,
};

FERRY_PLUGIN_DEFINE(source_mysql)
