/* site_faults.c — the site's configuration errors a worker's requests
 * waited on, logged once and then rate-limited (site_faults.h). */
#include "site_faults.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log_fields.h"

void ferry_site_faults_init(ferry_site_faults *sf)
{
    memset(sf, 0, sizeof *sf);
    pthread_mutex_init(&sf->mu, NULL);
}

void ferry_site_faults_destroy(ferry_site_faults *sf)
{
    pthread_mutex_destroy(&sf->mu);
}

/* The entry of `file`, else NULL. Under sf->mu. */
static ferry_site_fault *find(ferry_site_faults *sf, const char *file)
{
    for (int i = 0; i < FERRY_SITE_FAULTS; i++)
        if (sf->e[i].used && strcmp(sf->e[i].file, file) == 0)
            return &sf->e[i];
    return NULL;
}

/* A free entry, else the one logged longest ago. Under sf->mu. */
static ferry_site_fault *take(ferry_site_faults *sf, const char *file)
{
    ferry_site_fault *e = NULL;
    for (int i = 0; i < FERRY_SITE_FAULTS; i++) {
        if (!sf->e[i].used) {
            e = &sf->e[i];
            break;
        }
        if (!e || sf->e[i].logged < e->logged)
            e = &sf->e[i];
    }
    memset(e, 0, sizeof *e);
    e->used = 1;
    snprintf(e->file, sizeof e->file, "%s", file);
    return e;
}

/* "pipeline=FILE" for a log line. */
static void file_field(char *buf, size_t len, const char *file)
{
    char v[560];
    ferry_log_value(v, sizeof v, file);
    snprintf(buf, len, "pipeline=%s", v);
}

static void say(const ferry_log *log, const ferry_site_fault *e, int again, double ago)
{
    char f[600] = "";
    if (e->file[0])
        file_field(f, sizeof f, e->file);
    const char *fix = e->file[0] ? "it is read again for each request: no restart needed"
                                 : "ferry.conf is read at start: restart the worker";
    if (!again)
        ferry_logf(log, FERRY_LOG_ERROR, f,
                   "the site's configuration is broken; requests wait as pending, their "
                   "attempts not used, until it is fixed (%s): %s",
                   fix, e->msg);
    else
        ferry_logf(log, FERRY_LOG_ERROR, f,
                   "the site's configuration is still broken; %u requests waited on it in the "
                   "last %.0f s (%u since it broke), as pending (%s): %s",
                   e->since, ago, e->waited, fix, e->msg);
}

void ferry_site_faults_seen(ferry_site_faults *sf, const ferry_log *log, const char *file,
                            const ferry_file_stamp *stamp, const char *msg)
{
    file = file ? file : "";
    ferry_file_stamp now_stamp;
    if (!stamp)
        ferry_file_stamp_of(file[0] ? file : NULL, &now_stamp);
    double now = ferry_monotonic();
    pthread_mutex_lock(&sf->mu);
    ferry_site_fault *e = find(sf, file);
    int fresh = !e || strcmp(e->msg, msg) != 0;
    if (!e)
        e = take(sf, file);
    e->stamp = stamp ? *stamp : now_stamp;
    e->since++;
    e->waited++;
    if (fresh || now - e->logged >= FERRY_SITE_FAULT_LOG_SECONDS) {
        snprintf(e->msg, sizeof e->msg, "%s", msg);
        say(log, e, !fresh, now - e->logged);
        e->logged = now;
        e->since = 0;
    }
    pthread_mutex_unlock(&sf->mu);
}

int ferry_site_faults_changed(ferry_site_faults *sf, const ferry_log *log)
{
    int n = 0;
    pthread_mutex_lock(&sf->mu);
    for (int i = 0; i < FERRY_SITE_FAULTS; i++) {
        ferry_site_fault *e = &sf->e[i];
        ferry_file_stamp now;
        if (!e->used || !e->file[0])
            continue; /* ferry.conf is read at start only */
        ferry_file_stamp_of(e->file, &now);
        if (ferry_file_stamp_equal(&now, &e->stamp))
            continue;
        e->stamp = now;
        n++;
        char f[600];
        file_field(f, sizeof f, e->file);
        ferry_logf(log, FERRY_LOG_INFO, f,
                   "the broken pipeline file changed: the requests that wait on the site's "
                   "configuration are tried again now");
    }
    pthread_mutex_unlock(&sf->mu);
    return n;
}

void ferry_site_faults_cleared(ferry_site_faults *sf, const ferry_log *log, const char *file)
{
    pthread_mutex_lock(&sf->mu);
    ferry_site_fault *e = find(sf, file ? file : "");
    if (e) {
        char f[600];
        file_field(f, sizeof f, e->file);
        ferry_logf(log, FERRY_LOG_INFO, f,
                   "the site's configuration works again: requests that waited on it run now "
                   "(%u waited)",
                   e->waited);
        e->used = 0;
    }
    pthread_mutex_unlock(&sf->mu);
}
