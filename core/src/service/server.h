/*
 * server.h — the download server behind `ferry serve`: libmicrohttpd, one
 * thread per connection, a small pool of database connections.
 *
 *   GET|HEAD /download/<request id>?token=<token>   the artifact (token.h)
 *   GET|HEAD /healthz                               200 "ok" / 503
 *   GET|HEAD /metrics                               Prometheus text format
 *   GET|HEAD /status                                the status page (status_page.h)
 *
 * The file is found by the request's id in the database, never from URL
 * text, and opened beneath the store (expire.h, ferry_store_openat).
 * Responses: 403 forged/tampered/missing token, 410 expired token or
 * expired/deleted export, 404 unknown or unfinished request, 416
 * unsatisfiable range, 400/413 any request with a body or a duplicate
 * Content-Length, 405 other methods, 503 database unreachable.
 */
#ifndef FERRY_CORE_SERVER_H
#define FERRY_CORE_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "log.h"
#include "metrics.h"

struct ferry_s3;

typedef struct ferry_server_opts {
    const char *listen;          /* "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (all IPv4) */
    const char *database_url;    /* ferry's own database */
    const char *store_path;      /* absolute file store directory */
    const char *secret;          /* download token secret, non-empty */
    unsigned max_connections;    /* MHD_OPTION_CONNECTION_LIMIT */
    unsigned per_ip_connections; /* MHD_OPTION_PER_IP_CONNECTION_LIMIT */
    unsigned timeout_seconds;    /* MHD_OPTION_CONNECTION_TIMEOUT */
    const ferry_log *log;        /* access and error log; borrowed, outlives the server */
    const struct ferry_s3 *s3;   /* object store for "s3://" artifacts; may be NULL; borrowed */
    int s3_stream;               /* 1: stream objects through; 0: 302 to a presigned GET */
    ferry_metrics *metrics;      /* this process's registry; may be NULL; borrowed */
    const char *status_allow;    /* /status: CIDRs allowed (NULL: loopback) */
    const char *status_token;    /* /status: bearer token that also admits (NULL: none) */
    const char *site_tz;         /* the site's zone (scheduler.timezone; NULL: UTC) */
} ferry_server_opts;

typedef struct ferry_server ferry_server;

/* Starts serving (the strings in `o` are copied). *out owned by the
 * caller: ferry_server_stop. */
int ferry_server_start(ferry_server **out, const ferry_server_opts *o, ferry_err *err);

/* The TCP port actually bound (useful with port 0). */
unsigned ferry_server_port(const ferry_server *s);

/* Graceful stop: stops accepting, lets open connections finish for up to
 * `drain_seconds`, then stops and frees everything. Accepts NULL. */
void ferry_server_stop(ferry_server *s, unsigned drain_seconds);

/* ---- HTTP helpers, exposed for unit tests ---------------------------- */

enum { FERRY_RANGE_NONE = 0, FERRY_RANGE_PARTIAL = 1, FERRY_RANGE_UNSATISFIABLE = 2 };

/* Parses a Range header for a file of `size` bytes: one "bytes=a-b",
 * "bytes=a-" or "bytes=-n". FERRY_RANGE_PARTIAL sets *start and *len;
 * FERRY_RANGE_NONE means serve the whole file (no header, a syntax error,
 * another unit or several ranges); FERRY_RANGE_UNSATISFIABLE means 416. */
int ferry_http_range(const char *header, uint64_t size, uint64_t *start, uint64_t *len);

/* Writes the Content-Disposition value for a download named `name`
 * (UTF-8): attachment; filename="ascii"[; filename*=UTF-8''pct-encoded]
 * (RFC 6266, RFC 8187). Path separators and control characters are
 * dropped. Returns 0, or -1 if `out` (`len` bytes) is too small. */
int ferry_content_disposition(const char *name, char *out, size_t len);

/* A content type for a file name by its extension ("a.csv.gz" -> gzip). */
const char *ferry_content_type_for(const char *name);

#endif
