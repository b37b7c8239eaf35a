/*
 * site_faults.h — what one worker knows of the site's configuration errors
 * its requests waited on (request.h, FERRY_FAULT_SITE: a pipeline file
 * that fails by itself, or ferry.conf without requests.pipeline), so that
 * the operator reads one error line per broken file instead of one per
 * request and retry, and so that the waiting requests are tried again as
 * soon as the file changes:
 * - the first request that waits on a file logs its error (level error,
 *   the file and line in the message); then at most one line every
 *   FERRY_SITE_FAULT_LOG_SECONDS while it lasts, with how many requests
 *   waited since, or at once when the error is another;
 * - ferry_site_faults_changed, called about once a second, stats each
 *   broken file and says when one changed since the request that found it
 *   broken read it (the worker then makes the waiting requests claimable);
 * - the first request that completes with that file logs that it works
 *   again and forgets it.
 * Several slot threads and the worker's main thread share it (a mutex).
 */
#ifndef FERRY_CORE_SITE_FAULTS_H
#define FERRY_CORE_SITE_FAULTS_H

#include <pthread.h>

#include "error.h"
#include "log.h"
#include "regfile.h"

enum { FERRY_SITE_FAULTS = 8, FERRY_SITE_FAULT_LOG_SECONDS = 300 };

typedef struct ferry_site_fault {
    int used;
    char file[512];         /* the pipeline file; "" for ferry.conf's own */
    ferry_file_stamp stamp; /* that file when a request last found it broken */
    char msg[1024];         /* the error last logged */
    double logged;          /* ferry_monotonic() when it was logged */
    unsigned since;         /* requests that waited on it since that line */
    unsigned waited;        /* requests that waited on it since it broke */
} ferry_site_fault;

typedef struct ferry_site_faults {
    pthread_mutex_t mu;
    ferry_site_fault e[FERRY_SITE_FAULTS];
} ferry_site_faults;

void ferry_site_faults_init(ferry_site_faults *sf);
void ferry_site_faults_destroy(ferry_site_faults *sf);

/* A request waits on error `msg` of pipeline `file` ("" or NULL: none, the
 * site's ferry.conf), which was `stamp` just before it was read (NULL:
 * stat it now). Logs the error when it is new, another, or last logged
 * FERRY_SITE_FAULT_LOG_SECONDS ago. */
void ferry_site_faults_seen(ferry_site_faults *sf, const ferry_log *log, const char *file,
                            const ferry_file_stamp *stamp, const char *msg);

/* How many broken files changed (written, replaced, removed) since a
 * request last found them broken; each is logged once and counts once. */
int ferry_site_faults_changed(ferry_site_faults *sf, const ferry_log *log);

/* A request that used pipeline `file` completed: when it was broken, logs
 * that it works again and forgets it. */
void ferry_site_faults_cleared(ferry_site_faults *sf, const ferry_log *log, const char *file);

#endif
