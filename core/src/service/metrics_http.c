/* metrics_http.c — GET /metrics on its own small listener (metrics_http.h). */

#include "metrics_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "metrics_db.h"

struct ferry_metrics_http {
    struct MHD_Daemon *d;
    ferry_metrics *m;
    char *db_url;
    const ferry_log *log;
    unsigned port;
};

int ferry_metrics_render(ferry_metrics *m, const char *db_url, char **buf, size_t *len)
{
    FILE *f = open_memstream(buf, len);
    if (!f)
        return -1;
    ferry_metrics_write(m, f);
    if (db_url) {
        ferry_db *db = NULL;
        ferry_err err = FERRY_ERR_INIT;
        if (fdb_connect_url(&db, db_url, 5, &err) != 0)
            db = NULL;
        ferry_metrics_db_write(db, f);
        fdb_close(db);
    }
    return fclose(f) == 0 ? 0 : -1;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type, char *body,
                             size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;
    ferry_metrics_http *h = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(c, 405, "text/plain", "method not allowed\n", 19, MHD_RESPMEM_PERSISTENT);
    if (strcmp(url, "/metrics") != 0)
        return reply(c, 404, "text/plain", "not found\n", 10, MHD_RESPMEM_PERSISTENT);
    char *buf = NULL;
    size_t len = 0;
    if (ferry_metrics_render(h->m, h->db_url, &buf, &len) != 0) {
        free(buf);
        return reply(c, 500, "text/plain", "error\n", 6, MHD_RESPMEM_PERSISTENT);
    }
    return reply(c, 200, FERRY_METRICS_CONTENT_TYPE, buf, len, MHD_RESPMEM_MUST_FREE);
}

/* "ADDR:PORT" (IPv4, "localhost", "" or "*" for any) into *a. */
static int parse(const char *listen, struct sockaddr_in *a, ferry_err *err)
{
    memset(a, 0, sizeof *a);
    const char *colon = strrchr(listen, ':');
    char host[64];
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || colon - listen >= (long)sizeof host || !colon[1] || *end || port < 0 ||
        port > 65535)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "metrics listen \"%s\" is not ADDR:PORT",
                             listen);
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (!*host || strcmp(host, "*") == 0)
        a->sin_addr.s_addr = htonl(INADDR_ANY);
    else if (strcmp(host, "localhost") == 0)
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "metrics listen \"%s\": bad address", listen);
    return 0;
}

int ferry_metrics_http_start(ferry_metrics_http **out, const char *listen, ferry_metrics *m,
                             const char *database_url, const ferry_log *log, ferry_err *err)
{
    *out = NULL;
    struct sockaddr_in a;
    int rc = parse(listen, &a, err);
    if (rc)
        return rc;
    ferry_metrics_http *h = calloc(1, sizeof *h);
    if (!h)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    h->m = m;
    h->log = log;
    h->db_url = database_url ? strdup(database_url) : NULL;
    h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, ntohs(a.sin_port),
                            NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a,
                            MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (!h->d) {
        free(h->db_url);
        free(h);
        return ferry_err_set(err, FERRY_ERR_IO, "cannot listen for metrics on %s", listen);
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = di ? di->port : ntohs(a.sin_port);
    ferry_logf(log, FERRY_LOG_INFO, NULL, "metrics on http://%s/metrics (port %u)", listen,
               h->port);
    *out = h;
    return 0;
}

unsigned ferry_metrics_http_port(const ferry_metrics_http *h)
{
    return h ? h->port : 0;
}

void ferry_metrics_http_stop(ferry_metrics_http *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->d);
    free(h->db_url);
    free(h);
}

void ferry_server_count_download(ferry_metrics *m, const char *path, int code, uint64_t bytes)
{
    if (strncmp(path, "/download/", 10) != 0 || code < 100 || code > 599)
        return;
    char c[8];
    snprintf(c, sizeof c, "%d", code);
    ferry_metrics_add(m, FM_DOWNLOADS, c, NULL, 1);
    if (bytes)
        ferry_metrics_add(m, FM_DOWNLOAD_BYTES, NULL, NULL, (double)bytes);
}
