/*
 * metrics.h — a small Prometheus registry, one per process, owned by the
 * command that runs a service and passed down (never a global).
 *
 * The metric families are a fixed table (metrics.c): counters end in
 * `_total` and only go up; histograms are in seconds with fixed buckets.
 * A series is a family plus its label values, in the family's label order;
 * callers pass only bounded values (a format is mapped to one of a few
 * names, an HTTP code is a number). The registry is one block of memory
 * without pointers, so it can live in a shared mapping: `ferry daemon`
 * makes one in a memfd, its children inherit the descriptor
 * (FERRY_METRICS_FD) and count into it, and the daemon serves the sum.
 * A process-shared robust mutex guards it.
 */
#ifndef FERRY_CORE_METRICS_H
#define FERRY_CORE_METRICS_H

#include <stdio.h>

#include "error.h"

typedef enum ferry_metric {
    FM_EXPORTS,         /* counter {format, outcome} */
    FM_EXPORT_ROWS,     /* counter {format} */
    FM_EXPORT_BYTES,    /* counter {format} */
    FM_EXPORT_DURATION, /* histogram {format} */
    FM_EXPORT_WAIT,     /* histogram: creation to first start */
    FM_LEASE_RENEWALS,  /* counter */
    FM_LEASE_LOSSES,    /* counter */
    FM_RETRIES,         /* counter */
    FM_EMAILS,          /* counter {outcome} */
    FM_SCHEDULER_FIRES, /* counter {kind}: schedule, recurring */
    FM_SCHEDULER_FAILS, /* counter {kind} */
    FM_DOWNLOADS,       /* counter {code} */
    FM_DOWNLOAD_BYTES,  /* counter */
    FM_COUNT
} ferry_metric;

typedef struct ferry_metrics ferry_metrics;

/* A registry of this process and the children it forks (not exec's): an
 * anonymous shared mapping, so a worker's request children (child.c)
 * count into it. */
int ferry_metrics_new(ferry_metrics **out, ferry_err *err);

/* A registry in a new memfd that children inherit; *fd is its descriptor
 * (not close-on-exec). */
int ferry_metrics_new_shared(ferry_metrics **out, int *fd, ferry_err *err);

/* The registry of descriptor `fd` (ferry_metrics_new_shared's, inherited). */
int ferry_metrics_attach(ferry_metrics **out, int fd, ferry_err *err);

/* The shared registry named by $FERRY_METRICS_FD when set, else a new
 * one (ferry_metrics_new). */
int ferry_metrics_open(ferry_metrics **out, ferry_err *err);

/* Accepts NULL. */
void ferry_metrics_free(ferry_metrics *m);

/* Adds v (>= 0) to a counter. l1, l2: the label values, NULL for none.
 * A NULL registry is ignored, so code paths without metrics stay simple. */
void ferry_metrics_add(ferry_metrics *m, ferry_metric id, const char *l1, const char *l2, double v);

/* Observes v seconds in a histogram. */
void ferry_metrics_observe(ferry_metrics *m, ferry_metric id, const char *l1, double v);

/* A format as a bounded label value: csv, json, pdf, excel or other. */
const char *ferry_metrics_format(const char *format);

/* Writes every family in the Prometheus text format (0.0.4), with
 * ferry_build_info. */
void ferry_metrics_write(ferry_metrics *m, FILE *f);

/* The content type of that text. */
#define FERRY_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
