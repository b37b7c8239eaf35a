/*
 * expire_objects.h — `ferry expire`'s sweep of the object store (internal
 * to expire.c): objects under the store's prefix that no request's
 * file_path names and unfinished multipart uploads, both older than
 * store.orphan_grace_seconds by the store's clock.
 */
#ifndef FERRY_CORE_EXPIRE_OBJECTS_H
#define FERRY_CORE_EXPIRE_OBJECTS_H

#include "db.h"
#include "expire.h"

/* Deletes orphan objects and aborts stale uploads (a dry run only logs
 * them), counting them in stats (orphans, orphan_bytes, uploads_aborted,
 * errors). Does nothing without opts->s3. A database error or a failed
 * listing is returned. */
int ferry_expire_objects(ferry_db *db, const ferry_expire_opts *opts, ferry_expire_stats *stats,
                         ferry_err *err);

#endif
