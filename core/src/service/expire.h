/*
 * expire.h — `ferry expire`'s engine, and safe access to files beneath the
 * file store (used by expiry and by the download server).
 *
 * Store access never turns untrusted text into a path outside the store: a
 * request's file_path is mapped to a path relative to the store (an
 * absolute one must lie under store_path), ".." components are refused, and
 * the file is opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)
 * relative to the store's directory descriptor — or, where openat2 is
 * missing, by walking the components with O_NOFOLLOW.
 */
#ifndef FERRY_CORE_EXPIRE_H
#define FERRY_CORE_EXPIRE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "log.h"

/* Maps a request's file_path to a path relative to the store, into `rel`
 * (`len` bytes). Returns 0, or -1 when it lies outside the store, has a
 * ".." or empty component, or does not fit. `store_path` is absolute;
 * `store_real` (may be NULL) its realpath, also accepted as a prefix. */
int ferry_store_relpath(const char *store_path, const char *store_real, const char *file_path,
                        char *rel, size_t len);

/* Opens `rel` beneath the directory `store_fd` with `flags` (O_CLOEXEC is
 * added), resolving no symlink and never leaving the store. Returns the new
 * descriptor (the caller's to close) or -errno (-EXDEV, -ELOOP, -ENOENT, …). */
int ferry_store_openat(int store_fd, const char *rel, int flags);

/* The fallback ferry_store_openat uses where openat2 is missing (ENOSYS),
 * exposed so that tests run both: component by component, O_NOFOLLOW. */
int ferry_store_openat_walk(int store_fd, const char *rel, int flags);

/* Removes the regular file (or symlink itself) `rel` beneath `store_fd`,
 * never following a symlink. Returns 0 or -errno (-ENOENT when it is
 * already gone, -EISDIR for a directory). */
int ferry_store_unlink(int store_fd, const char *rel);

/* What one expiry pass did. */
typedef struct ferry_expire_stats {
    uint64_t expired;       /* requests set to 'expired' */
    uint64_t files_deleted; /* their artifacts removed */
    uint64_t orphans;       /* orphan files removed */
    uint64_t staging;       /* stale staging files removed */
    uint64_t orphan_bytes;  /* bytes of orphans and staging files removed */
    uint64_t errors;        /* requests or files that could not be handled */
} ferry_expire_stats;

typedef struct ferry_expire_opts {
    const char *store_path; /* absolute; borrowed */
    int64_t grace_seconds;  /* orphans and staging files younger than this stay */
    int dry_run;            /* report, change nothing */
    const char *user_agent; /* for the 'expired' audit rows; borrowed */
    const ferry_log *log;   /* borrowed, may be NULL */
    atomic_int *stop;       /* polled between requests and files; may be NULL */
} ferry_expire_opts;

/* One pass: expires every completed request whose expires_at has passed
 * (artifact deleted if it lies beneath the store, status 'expired', the
 * 'expired' audit row, one transaction per request), then sweeps orphan
 * and stale staging files. Errors on single requests or files are logged
 * and counted in stats->errors; a database error ends the pass and is
 * returned. */
int ferry_expire_run(ferry_db *db, const ferry_expire_opts *opts, ferry_expire_stats *stats,
                     ferry_err *err);

#endif
