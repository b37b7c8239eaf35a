/* server.c — the download server: routing, token and database checks,
 * streaming files with ranges, health, metrics, access log (server.h). */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "audit.h"
#include "db.h"
#include "artifacts.h"
#include "s3.h"
#include "metrics_db.h"
#include "metrics_http.h"
#include "status_page.h"
#include "token.h"
#include "utf8_clean.h"

#define POOL_MAX 16
#define NCODES   600

struct ferry_server {
    struct MHD_Daemon *d;
    char *listen, *db_url, *store_path, *store_real, *secret;
    int store_fd;
    const struct ferry_s3 *s3; /* borrowed, may be NULL */
    int s3_stream;
    const ferry_log *log;
    ferry_metrics *metrics;                      /* borrowed, may be NULL */
    char *status_allow, *status_token, *site_tz; /* /status access and zone; may be NULL */
    unsigned port;
    pthread_mutex_t mu;
    ferry_db *idle[POOL_MAX]; /* idle database connections, under mu */
    size_t nidle;
    atomic_uint_fast64_t by_code[NCODES];
    atomic_uint_fast64_t bytes_sent, downloads, requests, duration_us;
};

/* Per HTTP request: what the access log and metrics need. */
typedef struct req_ctx {
    struct timespec t0;
    int status;
    int answered;
    int is_get;
    uint64_t body_len;
    int file_body; /* body is a file (bytes count toward downloads) */
    char method[16];
    char path[256]; /* logfmt-safe */
    char ip[64];
    char ua[512];
    char request_id[40];
} req_ctx;

/* ---- helpers --------------------------------------------------------- */

int ferry_http_range(const char *h, uint64_t size, uint64_t *start, uint64_t *len)
{
    if (!h)
        return FERRY_RANGE_NONE;
    while (*h == ' ' || *h == '\t')
        h++;
    if (strncasecmp(h, "bytes", 5) != 0)
        return FERRY_RANGE_NONE;
    h += 5;
    while (*h == ' ' || *h == '\t')
        h++;
    if (*h++ != '=')
        return FERRY_RANGE_NONE;
    if (strchr(h, ','))
        return FERRY_RANGE_NONE; /* several ranges: the whole file */
    while (*h == ' ' || *h == '\t')
        h++;
    uint64_t a = 0, b = 0;
    int have_a = 0, have_b = 0;
    while (*h >= '0' && *h <= '9') {
        unsigned d = (unsigned)(*h++ - '0');
        a = a > (UINT64_MAX - d) / 10 ? UINT64_MAX : a * 10 + d;
        have_a = 1;
    }
    if (*h++ != '-')
        return FERRY_RANGE_NONE;
    while (*h >= '0' && *h <= '9') {
        unsigned d = (unsigned)(*h++ - '0');
        b = b > (UINT64_MAX - d) / 10 ? UINT64_MAX : b * 10 + d;
        have_b = 1;
    }
    while (*h == ' ' || *h == '\t')
        h++;
    if (*h || (!have_a && !have_b))
        return FERRY_RANGE_NONE;
    if (!have_a) { /* suffix: the last b bytes */
        if (b == 0 || size == 0)
            return FERRY_RANGE_UNSATISFIABLE;
        if (b > size)
            b = size;
        *start = size - b;
        *len = b;
        return FERRY_RANGE_PARTIAL;
    }
    if (have_b && b < a)
        return FERRY_RANGE_NONE; /* invalid: ignore the header */
    if (a >= size)
        return FERRY_RANGE_UNSATISFIABLE;
    uint64_t end = have_b && b < size - 1 ? b : size - 1;
    *start = a;
    *len = end - a + 1;
    return FERRY_RANGE_PARTIAL;
}

static int attr_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("!#$&+-.^_`|~", c) != NULL;
}

int ferry_content_disposition(const char *name, char *out, size_t len)
{
    char clean[512];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
            continue;
        if (n < sizeof clean - 1)
            clean[n++] = (char)*p;
    }
    clean[n] = '\0';
    if (n == 0 || strcmp(clean, ".") == 0 || strcmp(clean, "..") == 0)
        strcpy(clean, "download");
    char ascii[512];
    int plain = 1;
    size_t i = 0;
    for (const unsigned char *p = (const unsigned char *)clean; *p; p++) {
        if (*p >= 0x80 || *p == '"' || *p == '%') {
            plain = 0;
            if (*p >= 0x80 && (*p & 0xC0) == 0x80)
                continue; /* one '_' per UTF-8 sequence */
            ascii[i++] = '_';
        } else {
            ascii[i++] = (char)*p;
        }
    }
    ascii[i] = '\0';
    size_t o = (size_t)snprintf(out, len, "attachment; filename=\"%s\"", ascii);
    if (o >= len)
        return -1;
    if (plain)
        return 0;
    o += (size_t)snprintf(out + o, len - o, "; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)clean; *p && o < len; p++)
        o += attr_char(*p) ? (size_t)snprintf(out + o, len - o, "%c", *p)
                           : (size_t)snprintf(out + o, len - o, "%%%02X", *p);
    return o < len ? 0 : -1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

const char *ferry_content_type_for(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".gz", "application/gzip"},
        {".csv", "text/csv; charset=utf-8"},
        {".json", "application/json"},
        {".ndjson", "application/x-ndjson"},
        {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {".pdf", "application/pdf"},
        {".txt", "text/plain; charset=utf-8"},
        {".zip", "application/zip"},
    };
    for (size_t i = 0; name && i < sizeof types / sizeof types[0]; i++)
        if (ends_with(name, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

/* Copies `s` for a logfmt quoted value: no quotes, backslashes or controls. */
static void log_safe(char *out, size_t len, const char *s)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && o + 1 < len; p++)
        out[o++] = (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\') ? '?' : (char)*p;
    out[o] = '\0';
}

/* ---- database pool --------------------------------------------------- */

static ferry_db *pool_get(ferry_server *s, int fresh, ferry_err *err)
{
    ferry_db *db = NULL;
    if (!fresh) {
        pthread_mutex_lock(&s->mu);
        if (s->nidle)
            db = s->idle[--s->nidle];
        pthread_mutex_unlock(&s->mu);
        if (db)
            return db;
    }
    if (fdb_connect_url(&db, s->db_url, 30, err))
        return NULL;
    return db;
}

static void pool_put(ferry_server *s, ferry_db *db)
{
    if (!db)
        return;
    pthread_mutex_lock(&s->mu);
    if (s->nidle < POOL_MAX) {
        s->idle[s->nidle++] = db;
        db = NULL;
    }
    pthread_mutex_unlock(&s->mu);
    fdb_close(db);
}

/* Whether a connection that just failed a statement is gone. A failed
 * prepared statement leaves its error on the statement, not always on the
 * connection, so a ping (no auto-reconnect) settles it. */
static int conn_dead(ferry_db *db)
{
    return fdb_is_connection_error(db) || fdb_ping_failed(db);
}

/* Runs a read query, retrying once on a fresh connection when the pooled
 * one turns out dead (the database restarted). *dbp is the connection to
 * go on with (or NULL when none could be had). */
static int query_retry(ferry_server *s, ferry_db **dbp, const char *sql, const fdb_param *p,
                       size_t n, fdb_rows **rows, ferry_err *err)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        *dbp = pool_get(s, attempt > 0, err);
        if (!*dbp)
            return err->code ? err->code : FERRY_ERR_DB;
        int rc = fdb_query(*dbp, sql, p, n, rows, err);
        if (rc == 0)
            return 0;
        int dead = conn_dead(*dbp);
        fdb_close(*dbp);
        *dbp = NULL;
        if (!dead)
            return rc;
    }
    return err->code ? err->code : FERRY_ERR_DB;
}

/* ---- responses ------------------------------------------------------- */

static enum MHD_Result queue(struct MHD_Connection *conn, req_ctx *rc, unsigned status,
                             struct MHD_Response *resp)
{
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    rc->status = (int)status;
    rc->answered = 1;
    enum MHD_Result r = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result text(struct MHD_Connection *conn, req_ctx *rc, unsigned status,
                            const char *body)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    rc->body_len = strlen(body);
    return queue(conn, rc, status, resp);
}

/* ---- /healthz and /metrics ------------------------------------------- */

static enum MHD_Result healthz(ferry_server *s, struct MHD_Connection *conn, req_ctx *rc)
{
    ferry_err err = FERRY_ERR_INIT;
    ferry_db *db = NULL;
    fdb_rows *rows = NULL;
    int r = query_retry(s, &db, "SELECT 1", NULL, 0, &rows, &err);
    fdb_rows_free(rows);
    pool_put(s, db);
    if (r) {
        ferry_logf(s->log, FERRY_LOG_WARN, NULL, "healthz: %s", err.msg);
        return text(conn, rc, MHD_HTTP_SERVICE_UNAVAILABLE, "database unreachable\n");
    }
    return text(conn, rc, MHD_HTTP_OK, "ok\n");
}

static enum MHD_Result metrics(ferry_server *s, struct MHD_Connection *conn, req_ctx *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return text(conn, rc, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    fputs("# HELP ferry_http_requests_total HTTP requests answered, by status code.\n"
          "# TYPE ferry_http_requests_total counter\n",
          f);
    for (int c = 100; c < NCODES; c++) {
        uint64_t v = atomic_load(&s->by_code[c]);
        if (v)
            fprintf(f, "ferry_http_requests_total{code=\"%d\"} %" PRIu64 "\n", c, v);
    }
    fprintf(f,
            "# HELP ferry_http_request_duration_seconds Time to answer HTTP requests.\n"
            "# TYPE ferry_http_request_duration_seconds summary\n"
            "ferry_http_request_duration_seconds_sum %.6f\n"
            "ferry_http_request_duration_seconds_count %" PRIu64 "\n"
            "# HELP ferry_downloads_counted_total Downloads counted in download_count "
            "(responses that send the file's last byte).\n"
            "# TYPE ferry_downloads_counted_total counter\n"
            "ferry_downloads_counted_total %" PRIu64 "\n",
            (double)atomic_load(&s->duration_us) / 1e6, (uint64_t)atomic_load(&s->requests),
            (uint64_t)atomic_load(&s->downloads));

    ferry_metrics_write(s->metrics, f);
    ferry_err err = FERRY_ERR_INIT;
    ferry_db *db = NULL;
    fdb_rows *rows = NULL;
    int r = query_retry(s, &db, "SELECT 1", NULL, 0, &rows, &err);
    fdb_rows_free(rows);
    ferry_metrics_db_write(r == 0 ? db : NULL, f);
    pool_put(s, db);
    fclose(f);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(buf);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/plain; version=0.0.4; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    rc->body_len = len;
    return queue(conn, rc, MHD_HTTP_OK, resp);
}

/* ---- /status (status_page.h) ----------------------------------------- */

/* Whether a reverse proxy forwarded the request: then the peer address
 * is the proxy's (often the loopback), not the client's. */
static int proxied(struct MHD_Connection *conn)
{
    static const char *const headers[] = {"Forwarded", "X-Forwarded-For", "X-Real-IP"};
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++)
        if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, headers[i]))
            return 1;
    return 0;
}

static enum MHD_Result status_page(ferry_server *s, struct MHD_Connection *conn, req_ctx *rc)
{
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    /* A proxied request is let in by the token only, never by address. */
    const char *ip = proxied(conn) ? NULL : rc->ip;
    if (!ferry_status_allowed(ip, auth, s->status_allow, s->status_token))
        return text(conn, rc, MHD_HTTP_FORBIDDEN, "forbidden\n");
    ferry_err err = FERRY_ERR_INIT;
    ferry_db *db = pool_get(s, 0, &err);
    char *html = NULL;
    size_t len = 0;
    int r = db ? ferry_status_render(db, s->site_tz, &html, &len, &err) : -1;
    if (r && db && conn_dead(db)) {
        fdb_close(db);
        db = NULL;
    }
    pool_put(s, db);
    if (r) {
        ferry_logf(s->log, FERRY_LOG_WARN, NULL, "status: %s", err.msg);
        return text(conn, rc, MHD_HTTP_SERVICE_UNAVAILABLE, "database unreachable\n");
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, html, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(html);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    rc->body_len = len;
    return queue(conn, rc, MHD_HTTP_OK, resp);
}

/* ---- /download/<id> -------------------------------------------------- */

static int is_request_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return 0;
    return n == 32;
}

/* Counts one download and writes its audit row, in one transaction.
 * *gone = 1 when the request stopped being completed meanwhile. */
static int count_download(ferry_db *db, const char *id, int64_t user_id, const req_ctx *rc,
                          const char *range, uint64_t bytes, int *gone, ferry_err *err)
{
    *gone = 0;
    int r = fdb_begin(db, err);
    if (r)
        return r;
    fdb_param p[] = {fdb_str(id)};
    uint64_t changed = 0;
    r = fdb_exec(db,
                 "UPDATE export_requests SET download_count = download_count + 1 "
                 "WHERE id = ? AND status = 'completed'",
                 p, 1, &changed, err);
    if (!r && changed == 0) {
        fdb_rollback(db);
        *gone = 1;
        return 0;
    }
    char extra[128];
    snprintf(extra, sizeof extra, "{\"range\":\"%s\",\"bytes\":%" PRIu64 "}", range, bytes);
    if (!r)
        r = ferry_audit_write(db, id, user_id, "downloaded", rc->ip, rc->ua, extra, err);
    if (!r)
        r = fdb_commit(db, err);
    if (r)
        fdb_rollback(db);
    return r;
}

/* 416, naming the file's size. */
static enum MHD_Result range_unsatisfiable(struct MHD_Connection *conn, req_ctx *rc, uint64_t size)
{
    char crange[96];
    snprintf(crange, sizeof crange, "bytes */%" PRIu64, size);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen("range not satisfiable\n"),
                                        (void *)"range not satisfiable\n", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, crange);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    return queue(conn, rc, MHD_HTTP_RANGE_NOT_SATISFIABLE, resp);
}

/* The part of the file a response sends. */
typedef struct file_part {
    uint64_t start, len, size;
    int kind; /* FERRY_RANGE_* */
} file_part;

/* 200 or 206 with the artifact's bytes from `fd` (taken: given to the
 * response, or closed), offered as `name`. */
static enum MHD_Result send_file(struct MHD_Connection *conn, req_ctx *rc, int fd,
                                 const file_part *pt, const char *name, const char *ctype,
                                 const char *etag)
{
    struct MHD_Response *resp = MHD_create_response_from_fd_at_offset64(pt->len, fd, pt->start);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    char disp[2048];
    if (ferry_content_disposition(name, disp, sizeof disp) == 0)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
    char ct[128];
    log_safe(ct, sizeof ct, *ctype ? ctype : ferry_content_type_for(name));
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ct);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-store");
    if (*etag)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    if (pt->kind == FERRY_RANGE_PARTIAL) {
        char crange[96];
        snprintf(crange, sizeof crange, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, pt->start,
                 pt->start + pt->len - 1, pt->size);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, crange);
    }
    rc->body_len = pt->len;
    rc->file_body = 1;
    return queue(conn, rc, pt->kind == FERRY_RANGE_PARTIAL ? MHD_HTTP_PARTIAL_CONTENT : MHD_HTTP_OK,
                 resp);
}

/* An artifact in the object store, as download() found it. */
typedef struct object_ref {
    const char *id;
    int64_t user_id;
    const char *file_path, *file_name, *ctype;
    int64_t token_exp;
} object_ref;

/* The object's bytes in an unlinked temp file in the store (stream mode). */
static int object_fetch(ferry_server *s, const object_ref *o, ferry_err *err)
{
    int fd = open(s->store_path, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return ferry_err_set(err, FERRY_ERR_IO, "temp file in %s: %s", s->store_path,
                             strerror(errno));
    if (ferry_s3_get(s->s3, o->file_path, fd, err) || lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Counts and audits the download, then redirects (302) to a presigned GET
 * that expires with the token, or streams the object through. HEAD is
 * answered the same way, uncounted. */
static enum MHD_Result object_download(ferry_server *s, struct MHD_Connection *conn, req_ctx *rc,
                                       ferry_db **db, const object_ref *o)
{
    ferry_err err = FERRY_ERR_INIT;
    if (!s->s3) {
        ferry_logf(s->log, FERRY_LOG_ERROR, NULL, "%s: no object store configured", o->file_path);
        return text(conn, rc, MHD_HTTP_SERVICE_UNAVAILABLE, "store unavailable\n");
    }
    const char *name = *o->file_name ? o->file_name : strrchr(o->file_path, '/') + 1;
    char disp[2048], ct[128], *url = NULL;
    if (ferry_content_disposition(name, disp, sizeof disp))
        disp[0] = '\0';
    log_safe(ct, sizeof ct, *o->ctype ? o->ctype : ferry_content_type_for(name));
    int fd = -1;
    if (s->s3_stream)
        fd = object_fetch(s, o, &err);
    else
        ferry_s3_presign(s->s3, o->file_path, (int64_t)time(NULL), o->token_exp, disp, ct, &url,
                         &err);
    if (fd < 0 && !url) {
        /* No such object: deleted since the lookup (expire got there
         * first), answered as a file gone from the file store is. */
        int gone = err.code == FERRY_ERR_NOTFOUND;
        ferry_logf(s->log, gone ? FERRY_LOG_WARN : FERRY_LOG_ERROR, NULL, "object %s: %s",
                   o->file_path, err.msg);
        return gone ? text(conn, rc, MHD_HTTP_GONE, "this export's file was deleted\n")
                    : text(conn, rc, MHD_HTTP_BAD_GATEWAY, "the object store failed\n");
    }
    struct stat st;
    uint64_t len = fd >= 0 && fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    int gone = 0;
    if (rc->is_get && count_download(*db, o->id, o->user_id, rc, "", len, &gone, &err)) {
        ferry_logf(s->log, FERRY_LOG_ERROR, NULL, "counting the download: %s", err.msg);
        if (conn_dead(*db)) {
            fdb_close(*db);
            *db = NULL;
        }
        gone = -1;
    }
    if (gone) {
        free(url);
        if (fd >= 0)
            close(fd);
        return gone < 0 ? text(conn, rc, MHD_HTTP_SERVICE_UNAVAILABLE, "database unavailable\n")
                        : text(conn, rc, MHD_HTTP_GONE, "this export has expired\n");
    }
    if (rc->is_get)
        atomic_fetch_add(&s->downloads, 1);
    struct MHD_Response *resp =
        fd >= 0 ? MHD_create_response_from_fd(len, fd)
                : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(url);
        if (fd >= 0)
            close(fd);
        return MHD_NO;
    }
    if (url)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, url);
    free(url);
    if (fd >= 0 && *disp)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
    if (fd >= 0)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ct);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-store");
    rc->body_len = len;
    rc->file_body = fd >= 0;
    return queue(conn, rc, fd >= 0 ? MHD_HTTP_OK : MHD_HTTP_FOUND, resp);
}

static enum MHD_Result download(ferry_server *s, struct MHD_Connection *conn, req_ctx *rc,
                                const char *id)
{
    if (!is_request_id(id))
        return text(conn, rc, MHD_HTTP_NOT_FOUND, "not found\n");
    snprintf(rc->request_id, sizeof rc->request_id, "%s", id);
    const char *token = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "token");
    ferry_err err = FERRY_ERR_INIT;
    int64_t token_exp = 0;
    int t = ferry_token_check(s->secret, id, token, (int64_t)time(NULL), &token_exp, &err);
    if (t == FERRY_ERR_TOKEN_EXPIRED)
        return text(conn, rc, MHD_HTTP_GONE, "this download link has expired\n");
    if (t)
        return text(conn, rc, MHD_HTTP_FORBIDDEN, "forbidden\n");

    ferry_db *db = NULL;
    fdb_rows *rows = NULL;
    fdb_param p[] = {fdb_str(id)};
    int r = query_retry(s, &db,
                        "SELECT user_id, status, file_path, ferry_file_name, ferry_content_type, "
                        "ferry_checksum, (expires_at IS NOT NULL AND expires_at <= NOW(6)) "
                        "FROM export_requests WHERE id = ?",
                        p, 1, &rows, &err);
    if (r) {
        ferry_logf(s->log, FERRY_LOG_ERROR, NULL, "download lookup: %s", err.msg);
        return text(conn, rc, MHD_HTTP_SERVICE_UNAVAILABLE, "database unavailable\n");
    }
    enum MHD_Result result;
    int fd = -1;
    if (rows->nrows == 0) {
        result = text(conn, rc, MHD_HTTP_NOT_FOUND, "not found\n");
        goto done;
    }
    int64_t user_id = strtoll(fdb_get(rows, 0, 0), NULL, 10);
    const char *status = fdb_get(rows, 0, 1);
    const char *file_path = fdb_get(rows, 0, 2) ? fdb_get(rows, 0, 2) : "";
    const char *file_name = fdb_get(rows, 0, 3) ? fdb_get(rows, 0, 3) : "";
    const char *ctype = fdb_get(rows, 0, 4) ? fdb_get(rows, 0, 4) : "";
    const char *checksum = fdb_get(rows, 0, 5) ? fdb_get(rows, 0, 5) : "";
    int past = fdb_get(rows, 0, 6) && strcmp(fdb_get(rows, 0, 6), "1") == 0;
    if (strcmp(status, "expired") == 0 || (strcmp(status, "completed") == 0 && past)) {
        result = text(conn, rc, MHD_HTTP_GONE, "this export has expired\n");
        goto done;
    }
    if (strcmp(status, "completed") != 0) {
        result = text(conn, rc, MHD_HTTP_NOT_FOUND, "not found\n");
        goto done;
    }
    if (!*file_path) {
        result = text(conn, rc, MHD_HTTP_GONE, "this export's file was deleted\n");
        goto done;
    }
    char rel[4096];
    char fields[128];
    snprintf(fields, sizeof fields, "request_id=%s", id);
    if (ferry_s3_is_object(file_path)) {
        object_ref o = {id, user_id, file_path, file_name, ctype, token_exp};
        result = object_download(s, conn, rc, &db, &o);
        goto done;
    }
    if (ferry_store_relpath(s->store_path, s->store_real, file_path, rel, sizeof rel)) {
        ferry_logf(s->log, FERRY_LOG_WARN, fields, "file_path is not beneath the store: refused");
        result = text(conn, rc, MHD_HTTP_NOT_FOUND, "not found\n");
        goto done;
    }
    /* O_NONBLOCK: a FIFO in the store is refused below, not waited on. */
    fd = ferry_store_openat(s->store_fd, rel, O_RDONLY | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    if (fd == -ENOENT) {
        result = text(conn, rc, MHD_HTTP_GONE, "this export's file was deleted\n");
        goto done;
    }
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ferry_logf(s->log, FERRY_LOG_WARN, fields, "cannot open the artifact beneath the store: %s",
                   fd < 0 ? strerror(-fd) : "not a regular file");
        result = text(conn, rc, MHD_HTTP_NOT_FOUND, "not found\n");
        goto done;
    }
    uint64_t size = (uint64_t)st.st_size, start = 0, len = size;
    char etag[80] = "";
    if (*checksum)
        snprintf(etag, sizeof etag, "\"%.64s\"", checksum);
    const char *range = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Range");
    const char *if_range = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-Range");
    if (range && if_range && (!*etag || strcmp(if_range, etag) != 0))
        range = NULL; /* the client's copy is another version: send it all */
    int kind = ferry_http_range(range, size, &start, &len);
    if (kind == FERRY_RANGE_UNSATISFIABLE) {
        result = range_unsatisfiable(conn, rc, size);
        goto done;
    }
    /* A download is a GET whose response sends the file's last byte (the
     * whole file, or a range to its end): `bytes=0-0` probes and resumed
     * pieces short of the end are neither counted nor audited; HEAD never
     * is. */
    if (rc->is_get && start + len == size) {
        char rtext[64];
        if (kind == FERRY_RANGE_PARTIAL)
            snprintf(rtext, sizeof rtext, "bytes=%" PRIu64 "-%" PRIu64, start, start + len - 1);
        else
            strcpy(rtext, "");
        int gone = 0;
        if (count_download(db, id, user_id, rc, rtext, len, &gone, &err)) {
            ferry_logf(s->log, FERRY_LOG_ERROR, fields, "counting the download: %s", err.msg);
            if (conn_dead(db)) {
                fdb_close(db);
                db = NULL;
            }
            result = text(conn, rc, MHD_HTTP_SERVICE_UNAVAILABLE, "database unavailable\n");
            goto done;
        }
        if (gone) {
            result = text(conn, rc, MHD_HTTP_GONE, "this export has expired\n");
            goto done;
        }
        atomic_fetch_add(&s->downloads, 1);
    }
    const char *name = *file_name ? file_name : (strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel);
    file_part part = {start, len, size, kind};
    result = send_file(conn, rc, fd, &part, name, ctype, etag);
    fd = -1; /* send_file closed it or gave it to the response */
done:
    if (fd >= 0)
        close(fd);
    fdb_rows_free(rows);
    pool_put(s, db);
    return result;
}

/* ---- the access handler ---------------------------------------------- */

typedef struct body_headers {
    int content_length;
    int transfer_encoding;
    int nonzero_length;
} body_headers;

static enum MHD_Result count_body_headers(void *cls, enum MHD_ValueKind kind, const char *key,
                                          const char *value)
{
    (void)kind;
    body_headers *b = cls;
    if (strcasecmp(key, "Content-Length") == 0) {
        b->content_length++;
        if (!value || strspn(value, "0") != strlen(value) || !*value)
            b->nonzero_length = 1;
    } else if (strcasecmp(key, "Transfer-Encoding") == 0) {
        b->transfer_encoding++;
    }
    return MHD_YES;
}

static void client_ip(struct MHD_Connection *conn, char *out, size_t len)
{
    snprintf(out, len, "%s", "");
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)len);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6))
            inet_ntop(AF_INET, &a6->s6_addr[12], out, (socklen_t)len);
        else
            inet_ntop(AF_INET6, a6, out, (socklen_t)len);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    ferry_server *s = cls;
    req_ctx *rc = *con_cls;
    if (!rc) {
        rc = calloc(1, sizeof *rc);
        if (!rc)
            return MHD_NO;
        *con_cls = rc;
        clock_gettime(CLOCK_MONOTONIC, &rc->t0);
        log_safe(rc->method, sizeof rc->method, method);
        log_safe(rc->path, sizeof rc->path, url);
        client_ip(conn, rc->ip, sizeof rc->ip);
        const char *ua = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "User-Agent");
        ferry_utf8_clean(rc->ua, sizeof rc->ua, ua); /* valid UTF-8, cut on a character */
        rc->is_get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
        int is_head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

        /* Nothing here takes a body: refuse one before reading it. */
        body_headers b = {0, 0, 0};
        MHD_get_connection_values(conn, MHD_HEADER_KIND, count_body_headers, &b);
        if (b.content_length > 1 || (b.content_length && b.transfer_encoding))
            return text(conn, rc, MHD_HTTP_BAD_REQUEST, "bad request\n");
        if (b.transfer_encoding || b.nonzero_length)
            return text(conn, rc, MHD_HTTP_CONTENT_TOO_LARGE, "request bodies are not accepted\n");
        if (!rc->is_get && !is_head)
            return text(conn, rc, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
        if (strcmp(url, "/healthz") == 0)
            return healthz(s, conn, rc);
        if (strcmp(url, "/metrics") == 0)
            return metrics(s, conn, rc);
        if (strcmp(url, "/status") == 0)
            return status_page(s, conn, rc);
        if (strncmp(url, "/download/", 10) == 0)
            return download(s, conn, rc, url + 10);
        return text(conn, rc, MHD_HTTP_NOT_FOUND, "not found\n");
    }
    /* Called again only if a body arrives after we answered: discard it. */
    *upload_data_size = 0;
    return rc->answered ? MHD_YES : MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    ferry_server *s = cls;
    req_ctx *rc = *con_cls;
    if (!rc)
        return;
    *con_cls = NULL;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t us =
        (int64_t)(t1.tv_sec - rc->t0.tv_sec) * 1000000 + (t1.tv_nsec - rc->t0.tv_nsec) / 1000;
    int ok = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
    if (rc->status > 0 && rc->status < NCODES)
        atomic_fetch_add(&s->by_code[rc->status], 1);
    atomic_fetch_add(&s->requests, 1);
    atomic_fetch_add(&s->duration_us, (uint64_t)(us > 0 ? us : 0));
    if (ok && rc->file_body && rc->is_get)
        atomic_fetch_add(&s->bytes_sent, rc->body_len);
    ferry_server_count_download(s->metrics, rc->path, rc->status,
                                ok && rc->file_body && rc->is_get ? rc->body_len : 0);
    char ua[256], fields[1024];
    log_safe(ua, sizeof ua, rc->ua);
    snprintf(fields, sizeof fields,
             "method=%s path=\"%s\" status=%d bytes=%" PRIu64 " ip=%s ua=\"%s\" "
             "duration_ms=%.1f outcome=%s%s%s",
             rc->method, rc->path, rc->status, rc->is_get ? rc->body_len : 0,
             rc->ip[0] ? rc->ip : "-", ua, (double)us / 1000.0,
             ok                                              ? "completed"
             : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout"
                                                             : "aborted",
             rc->request_id[0] ? " request_id=" : "", rc->request_id);
    ferry_logf(s->log, FERRY_LOG_INFO, fields, "http");
    free(rc);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    ferry_server *s = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    ferry_logf(s->log, FERRY_LOG_WARN, NULL, "libmicrohttpd: %s", msg);
}

/* ---- start and stop -------------------------------------------------- */

/* Parses "ADDR:PORT", "[V6]:PORT" or ":PORT" into a socket address. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, int *v6, ferry_err *err)
{
    memset(ss, 0, sizeof *ss);
    char host[128];
    const char *colon = strrchr(listen, ':');
    if (!colon || colon - listen >= (long)sizeof host)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "download.listen \"%s\" is not ADDR:PORT",
                             listen);
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 0 || port > 65535)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "download.listen \"%s\": bad port", listen);
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
            return ferry_err_set(err, FERRY_ERR_CONFIG, "download.listen \"%s\": bad address",
                                 listen);
        *v6 = 1;
        return 0;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (!*host || strcmp(host, "*") == 0)
        a->sin_addr.s_addr = htonl(INADDR_ANY);
    else if (strcmp(host, "localhost") == 0)
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "download.listen \"%s\": bad address", listen);
    *v6 = 0;
    return 0;
}

static void server_free(ferry_server *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nidle; i++)
        fdb_close(s->idle[i]);
    if (s->store_fd >= 0)
        close(s->store_fd);
    pthread_mutex_destroy(&s->mu);
    free(s->listen);
    free(s->db_url);
    free(s->store_path);
    free(s->store_real);
    free(s->secret);
    free(s->status_allow);
    free(s->status_token);
    free(s->site_tz);
    free(s);
}

int ferry_server_start(ferry_server **out, const ferry_server_opts *o, ferry_err *err)
{
    *out = NULL;
    if (!o->secret || !*o->secret)
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "no download secret: set download.secret in ferry.conf or "
                             "FERRY_SECRET");
    if (!o->store_path || o->store_path[0] != '/')
        return ferry_err_set(err, FERRY_ERR_CONFIG, "the file store path must be absolute");
    if (!o->database_url)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "no database URL");
    struct sockaddr_storage ss;
    int v6 = 0;
    int rc = parse_listen(o->listen, &ss, &v6, err);
    if (rc)
        return rc;
    ferry_server *s = calloc(1, sizeof *s);
    if (!s)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&s->mu, NULL);
    s->store_fd = -1;
    s->log = o->log;
    s->listen = strdup(o->listen);
    s->db_url = strdup(o->database_url);
    s->store_path = strdup(o->store_path);
    s->s3 = o->s3;
    s->s3_stream = o->s3_stream;
    s->metrics = o->metrics;
    s->status_allow = o->status_allow ? strdup(o->status_allow) : NULL;
    s->status_token = o->status_token ? strdup(o->status_token) : NULL;
    s->site_tz = strdup(o->site_tz ? o->site_tz : "UTC");
    s->secret = strdup(o->secret);
    for (int i = 0; i < NCODES; i++)
        atomic_init(&s->by_code[i], 0);
    atomic_init(&s->bytes_sent, 0);
    atomic_init(&s->downloads, 0);
    atomic_init(&s->requests, 0);
    atomic_init(&s->duration_us, 0);
    if (!s->listen || !s->db_url || !s->store_path || !s->secret) {
        server_free(s);
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    }
    s->store_fd = open(s->store_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->store_fd < 0) {
        ferry_err_set(err, FERRY_ERR_IO, "cannot open the file store %s: %s", s->store_path,
                      strerror(errno));
        server_free(s);
        return FERRY_ERR_IO;
    }
    s->store_real = realpath(s->store_path, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    uint16_t port =
        ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
    /* SO_REUSEADDR only (MHD's default), never SO_REUSEPORT: a second
     * `ferry serve` on the same port must fail, not take half the traffic. */
    s->d = MHD_start_daemon(
        flags, port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)(o->max_connections ? o->max_connections : 256),
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)o->per_ip_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(o->timeout_seconds ? o->timeout_seconds : 30),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (!s->d) {
        ferry_err_set(err, FERRY_ERR_IO,
                      "cannot listen on %s: address in use (another ferry serve?) or not allowed",
                      o->listen);
        server_free(s);
        return FERRY_ERR_IO;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : port;
    *out = s;
    return 0;
}

unsigned ferry_server_port(const ferry_server *s)
{
    return s ? s->port : 0;
}

void ferry_server_stop(ferry_server *s, unsigned drain_seconds)
{
    if (!s)
        return;
    if (s->d) {
        MHD_socket lfd = MHD_quiesce_daemon(s->d);
        for (unsigned i = 0; i < drain_seconds * 10; i++) {
            const union MHD_DaemonInfo *di =
                MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
            if (!di || di->num_connections == 0)
                break;
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        MHD_stop_daemon(s->d);
        if (lfd != MHD_INVALID_SOCKET)
            close(lfd);
    }
    server_free(s);
}
