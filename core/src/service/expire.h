/*
 * expire.h — `ferry expire`'s engine: expiring finished exports and
 * sweeping orphan and stale staging files out of the file store (every
 * file reached through artifacts.h, beneath the store).
 */
#ifndef FERRY_CORE_EXPIRE_H
#define FERRY_CORE_EXPIRE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "log.h"

/* What one expiry pass did. */
typedef struct ferry_expire_stats {
    uint64_t expired;         /* requests set to 'expired' */
    uint64_t files_deleted;   /* their artifacts removed */
    uint64_t orphans;         /* orphan files removed */
    uint64_t staging;         /* stale staging files removed */
    uint64_t orphan_bytes;    /* bytes of orphans and staging files removed */
    uint64_t uploads_aborted; /* unfinished multipart uploads aborted */
    uint64_t errors;          /* requests or files that could not be handled */
} ferry_expire_stats;

struct ferry_s3;

typedef struct ferry_expire_opts {
    const char *store_path;    /* absolute; borrowed */
    int64_t grace_seconds;     /* orphans and staging files younger than this stay */
    int dry_run;               /* report, change nothing */
    const char *user_agent;    /* for the 'expired' audit rows; borrowed */
    const ferry_log *log;      /* borrowed, may be NULL */
    atomic_int *stop;          /* polled between requests and files; may be NULL */
    const struct ferry_s3 *s3; /* deletes "s3://" artifacts; may be NULL; borrowed */
} ferry_expire_opts;

/* One pass: expires every completed request whose expires_at has passed
 * (artifact deleted if it lies beneath the store, status 'expired', the
 * 'expired' audit row, one transaction per request), then sweeps orphan
 * and stale staging files (and a staging file's temp dir left without its
 * file), and, with an object store (opts->s3), orphan
 * objects under its prefix and unfinished multipart uploads
 * (expire_objects.h). Errors on single requests or files are logged
 * and counted in stats->errors; a database error ends the pass and is
 * returned. */
int ferry_expire_run(ferry_db *db, const ferry_expire_opts *opts, ferry_expire_stats *stats,
                     ferry_err *err);

#endif
