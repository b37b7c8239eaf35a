/* expire.c — expiring finished exports and sweeping orphan files out of
 * the file store, with every file reached beneath the store (expire.h);
 * the object store's orphans are expire_objects.c's. */
#include "expire.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "artifacts.h"
#include "audit.h"
#include "expire_objects.h"
#include "s3.h"

#define STAGE_PREFIX ".ferry-stage-"
#define INIT_PREFIX  ".ferry-init-" /* a staging file before its rename (stage.c) */
#define MAX_DEPTH    16
#define BATCH        200

/* Length of `dir` without trailing slashes. */
static size_t dir_len(const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    return n;
}

/* ---- expiring requests ----------------------------------------------- */

typedef struct expire_ctx {
    ferry_db *db;
    const ferry_expire_opts *o;
    ferry_expire_stats *st;
    int store_fd;
    char *store_real;
} expire_ctx;

static void logf_(const expire_ctx *c, int level, const char *fields, const char *fmt,
                  const char *a)
{
    if (c->o->log)
        ferry_logf(c->o->log, level, fields, fmt, a);
}

/* Deletes the object `file_path` (or, in a dry run, only says it would).
 * Returns -1, counted and logged, when it cannot: the request stays. */
static int expire_object(expire_ctx *c, const char *file_path, int *deleted, const char *fields)
{
    ferry_err e = FERRY_ERR_INIT;
    if (!c->o->s3)
        ferry_err_set(&e, FERRY_ERR_CONFIG, "store.url names no object store");
    else if (c->o->dry_run || ferry_s3_delete(c->o->s3, file_path, &e) == 0)
        *deleted = 1;
    if (*deleted)
        return 0;
    char what[1200];
    snprintf(what, sizeof what, "%s (%s)", file_path, e.msg);
    logf_(c, FERRY_LOG_ERROR, fields, "cannot delete %s: request left as it is", what);
    c->st->errors++;
    return -1;
}

/* Expires one request in its own transaction. Returns 0, 1 when the row
 * was no longer due (another process got there) or is locked (another
 * expire, a download being counted, or a run whose host vanished with its
 * connection still open: waiting would stop the whole pass at the lock
 * wait timeout; a later pass takes it), or a DB error. Per-file problems
 * are counted, not returned. */
static int expire_one(expire_ctx *c, const char *id, ferry_err *err)
{
    char fields[256];
    snprintf(fields, sizeof fields, "request_id=%s%s", id, c->o->dry_run ? " dry_run=1" : "");
    fdb_param pid[] = {fdb_str(id)};
    fdb_rows *rows = NULL;
    int rc = fdb_begin(c->db, err);
    if (rc)
        return rc;
    rc = fdb_query(c->db,
                   "SELECT user_id, file_path FROM export_requests WHERE id = ? AND "
                   "status = 'completed' AND expires_at IS NOT NULL AND expires_at <= NOW(6) "
                   "FOR UPDATE SKIP LOCKED",
                   pid, 1, &rows, err);
    if (rc || rows->nrows == 0) {
        fdb_rows_free(rows);
        fdb_rollback(c->db);
        return rc ? rc : 1;
    }
    int64_t user_id = strtoll(fdb_get(rows, 0, 0), NULL, 10);
    const char *file_path = fdb_get(rows, 0, 1) ? fdb_get(rows, 0, 1) : "";
    char rel[4096];
    int deleted = 0;
    const char *note = NULL;
    if (!*file_path) {
        note = "no file";
    } else if (ferry_s3_is_object(file_path)) {
        if (expire_object(c, file_path, &deleted, fields)) {
            fdb_rows_free(rows);
            fdb_rollback(c->db);
            return 0;
        }
    } else if (ferry_store_relpath(c->o->store_path, c->store_real, file_path, rel, sizeof rel)) {
        note = "file outside the store: left alone";
        logf_(c, FERRY_LOG_WARN, fields, "file_path %s is not beneath the store: not deleted",
              file_path);
    } else if (c->o->dry_run) {
        int fd = ferry_store_openat(c->store_fd, rel, O_PATH | O_NOFOLLOW);
        if (fd >= 0) {
            close(fd);
            deleted = 1;
        }
    } else {
        int u = ferry_store_unlink(c->store_fd, rel);
        if (u == 0) {
            deleted = 1;
        } else if (u == -ENOENT) {
            note = "file already gone";
        } else {
            logf_(c, FERRY_LOG_ERROR, fields, "cannot delete %s: request left as it is", file_path);
            c->st->errors++;
            fdb_rows_free(rows);
            fdb_rollback(c->db);
            return 0;
        }
    }
    if (c->o->dry_run) {
        logf_(c, FERRY_LOG_INFO, fields, "would expire (file %s)", deleted ? file_path : "none");
        c->st->expired++;
        c->st->files_deleted += (uint64_t)deleted;
        fdb_rows_free(rows);
        fdb_rollback(c->db);
        return 0;
    }
    json_t *extra = json_pack("{s:s, s:b}", "file_path", file_path, "file_deleted", deleted);
    if (extra && note)
        json_object_set_new(extra, "note", json_string(note));
    char *extra_text = extra ? json_dumps(extra, JSON_COMPACT) : NULL;
    json_decref(extra);
    rc = fdb_exec(c->db,
                  "UPDATE export_requests SET status = 'expired', updated_at = NOW(6) "
                  "WHERE id = ? AND status = 'completed'",
                  pid, 1, NULL, err);
    if (!rc)
        rc =
            ferry_audit_write(c->db, id, user_id, "expired", "", c->o->user_agent, extra_text, err);
    if (!rc)
        rc = fdb_commit(c->db, err);
    free(extra_text);
    if (rc) {
        fdb_rows_free(rows);
        fdb_rollback(c->db);
        return rc;
    }
    logf_(c, FERRY_LOG_INFO, fields, "expired (file %s)", deleted ? file_path : "none");
    c->st->expired++;
    c->st->files_deleted += (uint64_t)deleted;
    fdb_rows_free(rows);
    return 0;
}

static int expire_requests(expire_ctx *c, ferry_err *err)
{
    /* In batches; a dry run sees the same rows every time, so one batch
     * of up to 100000. A batch where nothing could be done ends the loop. */
    const char *sql = c->o->dry_run
                          ? "SELECT id FROM export_requests WHERE status = 'completed' AND "
                            "expires_at IS NOT NULL AND expires_at <= NOW(6) "
                            "ORDER BY expires_at, id LIMIT 100000"
                          : "SELECT id FROM export_requests WHERE status = 'completed' AND "
                            "expires_at IS NOT NULL AND expires_at <= NOW(6) "
                            "ORDER BY expires_at, id LIMIT 200";
    for (;;) {
        fdb_rows *rows = NULL;
        int rc = fdb_query(c->db, sql, NULL, 0, &rows, err);
        if (rc)
            return rc;
        size_t n = rows->nrows, done = 0;
        for (size_t i = 0; i < n && !(c->o->stop && *c->o->stop); i++) {
            uint64_t before = c->st->expired;
            rc = expire_one(c, fdb_get(rows, i, 0), err);
            if (rc < 0) {
                fdb_rows_free(rows);
                return rc;
            }
            done += c->st->expired > before;
        }
        fdb_rows_free(rows);
        if (c->o->dry_run || n < BATCH || done == 0 || (c->o->stop && *c->o->stop))
            return 0;
    }
}

/* ---- sweeping orphans ------------------------------------------------ */

typedef struct name_set {
    char **v;
    size_t n;
} name_set;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file_path a request names, as a store-relative path, sorted. */
static int load_named(expire_ctx *c, name_set *s, ferry_err *err)
{
    fdb_rows *rows = NULL;
    int rc = fdb_query(c->db, "SELECT file_path FROM export_requests WHERE file_path <> ''", NULL,
                       0, &rows, err);
    if (rc)
        return rc;
    s->v = calloc(rows->nrows ? rows->nrows : 1, sizeof *s->v);
    if (!s->v) {
        fdb_rows_free(rows);
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    }
    char rel[4096];
    for (size_t i = 0; i < rows->nrows; i++) {
        const char *p = fdb_get(rows, i, 0);
        if (p && ferry_store_relpath(c->o->store_path, c->store_real, p, rel, sizeof rel) == 0) {
            s->v[s->n] = strdup(rel);
            if (s->v[s->n])
                s->n++;
        }
    }
    fdb_rows_free(rows);
    qsort(s->v, s->n, sizeof *s->v, cmp_str);
    return 0;
}

static void name_set_free(name_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

/* Whether a request names `rel` right now (the set was read earlier). */
static int named_now(expire_ctx *c, const char *rel, int *named, ferry_err *err)
{
    char abs1[4200], abs2[4200];
    snprintf(abs1, sizeof abs1, "%.*s/%s", (int)dir_len(c->o->store_path), c->o->store_path, rel);
    snprintf(abs2, sizeof abs2, "%s/%s", c->store_real ? c->store_real : c->o->store_path, rel);
    fdb_param p[] = {fdb_str(rel), fdb_str(abs1), fdb_str(abs2)};
    fdb_rows *rows = NULL;
    int rc = fdb_query(c->db, "SELECT 1 FROM export_requests WHERE file_path IN (?, ?, ?) LIMIT 1",
                       p, 3, &rows, err);
    if (rc)
        return rc;
    *named = rows->nrows > 0;
    fdb_rows_free(rows);
    return 0;
}

static int is_staging(const char *name)
{
    return strncmp(name, STAGE_PREFIX, strlen(STAGE_PREFIX)) == 0 ||
           strncmp(name, INIT_PREFIX, strlen(INIT_PREFIX)) == 0;
}

/* The staging file's lock (docs/architecture.md): an fd holding it, or -1
 * when an export holds it (or the file is gone). Non-blocking. */
static int lock_staging(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Removes NAME.d, a staging file's temp dir (flat: stage.c makes no more). */
static void remove_temp_dir(int dirfd, const char *name)
{
    char sub[4096];
    if ((size_t)snprintf(sub, sizeof sub, "%s.d", name) >= sizeof sub)
        return;
    int fd = openat(dirfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            unlinkat(fd, de->d_name, 0);
    closedir(d);
    unlinkat(dirfd, sub, AT_REMOVEDIR);
}

/* Removes NAME (rel: its path in the store), an orphan, or a stale staging
 * file whose lock lock_fd holds (closed here) and its temp dir. */
static void remove_leftover(expire_ctx *c, int dirfd, const char *name, const char *rel,
                            const struct stat *st, int lock_fd)
{
    int staging = lock_fd >= 0;
    char fields[4200];
    snprintf(fields, sizeof fields, "file=\"%s\" bytes=%" PRIu64 "%s", rel, (uint64_t)st->st_size,
             c->o->dry_run ? " dry_run=1" : "");
    int unlinked = c->o->dry_run ? 0 : unlinkat(dirfd, name, 0), e = errno;
    if (staging) {
        if (!c->o->dry_run && unlinked == 0)
            remove_temp_dir(dirfd, name);
        close(lock_fd);
    }
    if (unlinked != 0) {
        if (e == ENOENT) /* another expire got there first */
            return;
        logf_(c, FERRY_LOG_ERROR, fields, "cannot remove %s", staging ? "staging file" : "orphan");
        c->st->errors++;
        return;
    }
    logf_(c, FERRY_LOG_INFO, fields, "%s",
          staging ? "removed stale staging file" : "removed orphan");
    if (staging)
        c->st->staging++;
    else
        c->st->orphans++;
    c->st->orphan_bytes += (uint64_t)st->st_size;
}

/* NAME is a staging file's temp dir (NAME = FILE.d). It goes with its file
 * (sweep_dir); one whose file is gone — a sweep or an export killed
 * between removing or publishing the file and removing the dir — is dead
 * (the dir is made after its file and removed after it) and goes once
 * older than the grace. */
static void sweep_temp_dir(expire_ctx *c, int dirfd, const char *name, const struct stat *st,
                           time_t now)
{
    size_t n = strlen(name);
    char file[4096];
    struct stat fst;
    if (n < 3 || strcmp(name + n - 2, ".d") != 0 || n - 2 >= sizeof file)
        return;
    memcpy(file, name, n - 2);
    file[n - 2] = '\0';
    if (fstatat(dirfd, file, &fst, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
        return;
    if (c->o->grace_seconds > 0 && (int64_t)(now - st->st_mtime) < c->o->grace_seconds)
        return;
    char fields[4200];
    snprintf(fields, sizeof fields, "dir=\"%s\"%s", name, c->o->dry_run ? " dry_run=1" : "");
    if (!c->o->dry_run) {
        remove_temp_dir(dirfd, file);
        if (fstatat(dirfd, name, &fst, AT_SYMLINK_NOFOLLOW) == 0) {
            logf_(c, FERRY_LOG_ERROR, fields, "%s", "cannot remove a staging file's temp dir");
            c->st->errors++;
            return;
        }
    }
    logf_(c, FERRY_LOG_INFO, fields, "%s", "removed the temp dir of a staging file that is gone");
    c->st->staging++;
}

static int sweep_dir(expire_ctx *c, int dirfd, const char *prefix, int depth, const name_set *named,
                     time_t now, ferry_err *err)
{
    int fd = dup(dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        logf_(c, FERRY_LOG_ERROR, NULL, "cannot read store directory %s", *prefix ? prefix : ".");
        c->st->errors++;
        return 0;
    }
    int rc = 0;
    struct dirent *de;
    while (!rc && (de = readdir(d)) != NULL && !(c->o->stop && *c->o->stop)) {
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        char rel[4096];
        if ((size_t)snprintf(rel, sizeof rel, "%s%s%s", prefix, *prefix ? "/" : "", name) >=
            sizeof rel)
            continue;
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (is_staging(name)) { /* a staging file's temp dir goes with its file */
                sweep_temp_dir(c, dirfd, name, &st, now);
                continue;
            }
            if (depth >= MAX_DEPTH)
                continue;
            int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0)
                continue;
            rc = sweep_dir(c, sub, rel, depth + 1, named, now, err);
            close(sub);
            continue;
        }
        if (!S_ISREG(st.st_mode)) /* symlinks, sockets, …: never followed, never touched */
            continue;
        /* A grace of 0 takes any age, even an mtime a second ahead of
         * time() (the file system's clock may run ahead of ours). */
        if (c->o->grace_seconds > 0 && (int64_t)(now - st.st_mtime) < c->o->grace_seconds)
            continue;
        int staging = is_staging(name), lock_fd = -1;
        if (staging && (lock_fd = lock_staging(dirfd, name)) < 0)
            continue; /* a live export's, whatever its age (or gone) */
        if (!staging) {
            if (name[0] == '.') /* not ours (.nfsXXXX, editors' files) */
                continue;
            const char *key = rel;
            if (bsearch(&key, named->v, named->n, sizeof *named->v, cmp_str))
                continue;
            int is_named = 0;
            rc = named_now(c, rel, &is_named, err);
            if (rc || is_named)
                continue;
        }
        remove_leftover(c, dirfd, name, rel, &st, lock_fd);
    }
    closedir(d);
    return rc;
}

int ferry_expire_run(ferry_db *db, const ferry_expire_opts *opts, ferry_expire_stats *stats,
                     ferry_err *err)
{
    memset(stats, 0, sizeof *stats);
    if (!opts->store_path || opts->store_path[0] != '/')
        return ferry_err_set(err, FERRY_ERR_CONFIG, "the file store path must be absolute");
    expire_ctx c = {db, opts, stats, -1, NULL};
    c.store_fd = open(opts->store_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c.store_fd < 0)
        return ferry_err_set(err, FERRY_ERR_IO, "cannot open the file store %s: %s",
                             opts->store_path, strerror(errno));
    c.store_real = realpath(opts->store_path, NULL);
    int rc = expire_requests(&c, err);
    if (!rc && !(opts->stop && *opts->stop)) {
        name_set named = {NULL, 0};
        rc = load_named(&c, &named, err);
        if (!rc)
            rc = sweep_dir(&c, c.store_fd, "", 0, &named, time(NULL), err);
        name_set_free(&named);
    }
    if (!rc && !(opts->stop && *opts->stop))
        rc = ferry_expire_objects(db, opts, stats, err);
    close(c.store_fd);
    free(c.store_real);
    return rc;
}
