/*
 * metrics_http.h — a small HTTP endpoint serving GET /metrics for the
 * commands without a server of their own (`ferry worker --metrics-listen`,
 * `ferry scheduler`, `ferry daemon` for all its children): the registry,
 * then the database gauges (metrics_db.h) read over a connection made for
 * the scrape.
 */
#ifndef FERRY_CORE_METRICS_HTTP_H
#define FERRY_CORE_METRICS_HTTP_H

#include <stdint.h>

#include "error.h"
#include "log.h"
#include "metrics.h"

typedef struct ferry_metrics_http ferry_metrics_http;

/* Listens on `listen` ("ADDR:PORT"; port 0 picks one). `database_url` may
 * be NULL (no database gauges). Strings are copied; m and log borrowed. */
int ferry_metrics_http_start(ferry_metrics_http **out, const char *listen, ferry_metrics *m,
                             const char *database_url, const ferry_log *log, ferry_err *err);

unsigned ferry_metrics_http_port(const ferry_metrics_http *h);

/* Stops and frees; accepts NULL. */
void ferry_metrics_http_stop(ferry_metrics_http *h);

/* Writes the whole /metrics body (registry, then gauges over `db_url` when
 * given) into a malloc'd buffer. */
int ferry_metrics_render(ferry_metrics *m, const char *db_url, char **buf, size_t *len);

/* Counts one answered HTTP request of the download server when `path` is a
 * download: ferry_downloads_total{code}, and `bytes` served. */
void ferry_server_count_download(ferry_metrics *m, const char *path, int code, uint64_t bytes);

#endif
