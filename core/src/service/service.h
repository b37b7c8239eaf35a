/*
 * service.h — what the service layer is given by whoever runs it (a CLI
 * command, a test driver): the site settings, the log, the user agent for
 * ferry's own audit rows, and the stop flag. The service never reaches up
 * into the CLI for these.
 */
#ifndef FERRY_CORE_SERVICE_H
#define FERRY_CORE_SERVICE_H

#include <stdatomic.h>

#include "db.h"
#include "error.h"
#include "log.h"
#include "metrics.h"
#include "site.h"

typedef struct ferry_service {
    ferry_site *site;              /* loaded; borrowed from the caller */
    const ferry_log *log;          /* borrowed */
    char user_agent[320];          /* "ferry-<command>/<version> (<host>)" */
    atomic_int *stop;              /* set on SIGINT/SIGTERM; borrowed, may be NULL */
    ferry_metrics *metrics;        /* this process's registry; borrowed, may be NULL */
    struct ferry_stage_note *note; /* a request child's plugin notes (child.c), or NULL */
    int store_swept;               /* the worker sweeps store.path's staging leftovers (child.c) */
} ferry_service;

/* Fills *svc (site, log, stop borrowed; the user agent from log->command). */
void ferry_service_init(ferry_service *svc, ferry_site *site, const ferry_log *log,
                        atomic_int *stop);

/* Non-zero once *svc->stop is set. */
int ferry_service_stopping(const ferry_service *svc);

/* Connects to ferry's own database (rw_timeout seconds, 0: default) and
 * refuses one with pending migrations or a schema ferry's statements cannot
 * use (ferry_schema_require). *db owned by the caller: fdb_close. */
int ferry_service_connect(const ferry_service *svc, ferry_db **db, unsigned rw_timeout,
                          ferry_err *err);

#endif
