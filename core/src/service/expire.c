/* expire.c — expiring finished exports and sweeping orphan files out of
 * the file store, with every file reached beneath the store (expire.h). */
#include "expire.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"

#define STAGE_PREFIX ".ferry-stage-"
#define INIT_PREFIX ".ferry-init-" /* a staging file before its rename (stage.c) */
#define MAX_DEPTH    16
#define BATCH        200

/* ---- store access ---------------------------------------------------- */

/* Length of `dir` without trailing slashes. */
static size_t dir_len(const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    return n;
}

/* The rest of `path` after "dir/", or NULL when it is not beneath dir. */
static const char *under(const char *dir, const char *path)
{
    if (!dir || !*dir)
        return NULL;
    size_t n = dir_len(dir);
    if (strncmp(path, dir, n) != 0 || path[n] != '/')
        return NULL;
    return path + n + 1;
}

int ferry_store_relpath(const char *store_path, const char *store_real, const char *file_path,
                        char *rel, size_t len)
{
    if (!file_path || !*file_path)
        return -1;
    const char *r = file_path;
    if (file_path[0] == '/') {
        r = under(store_path, file_path);
        if (!r)
            r = under(store_real, file_path);
        if (!r)
            return -1;
    }
    size_t n = strlen(r);
    if (n == 0 || n >= len)
        return -1;
    /* Every component non-empty and neither "." nor "..". */
    for (const char *c = r;;) {
        const char *e = strchr(c, '/');
        size_t cl = e ? (size_t)(e - c) : strlen(c);
        if (cl == 0 || (cl == 1 && c[0] == '.') || (cl == 2 && c[0] == '.' && c[1] == '.'))
            return -1;
        if (!e)
            break;
        c = e + 1;
    }
    memcpy(rel, r, n + 1);
    return 0;
}

/* openat2's equivalent where the kernel lacks it: one component at a time,
 * directories with O_NOFOLLOW, no "." or "..", the last with O_NOFOLLOW. */
int ferry_store_openat_walk(int store_fd, const char *rel, int flags)
{
    char buf[4096];
    size_t n = strlen(rel);
    if (n == 0 || n >= sizeof buf || rel[0] == '/')
        return -EXDEV;
    memcpy(buf, rel, n + 1);
    int cur = store_fd;
    char *comp = buf;
    for (;;) {
        char *slash = strchr(comp, '/');
        if (slash)
            *slash = '\0';
        if (!*comp || strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
            if (cur != store_fd)
                close(cur);
            return -EXDEV;
        }
        int fd = slash ? openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                       : openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        if (cur != store_fd)
            close(cur);
        if (fd < 0)
            return -e;
        if (!slash)
            return fd;
        cur = fd;
        comp = slash + 1;
    }
}

int ferry_store_openat(int store_fd, const char *rel, int flags)
{
    if (!rel || !*rel || rel[0] == '/')
        return -EXDEV;
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
    long fd = syscall(SYS_openat2, store_fd, rel, &how, sizeof how);
    if (fd >= 0)
        return (int)fd;
    if (errno != ENOSYS)
        return -errno;
    return ferry_store_openat_walk(store_fd, rel, flags);
}

int ferry_store_unlink(int store_fd, const char *rel)
{
    if (!rel || !*rel || rel[0] == '/')
        return -EXDEV;
    const char *slash = strrchr(rel, '/');
    const char *base = slash ? slash + 1 : rel;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return -EXDEV;
    int dirfd = store_fd;
    if (slash) {
        char dir[4096];
        size_t n = (size_t)(slash - rel);
        if (n == 0 || n >= sizeof dir)
            return -EXDEV;
        memcpy(dir, rel, n);
        dir[n] = '\0';
        dirfd = ferry_store_openat(store_fd, dir, O_PATH | O_DIRECTORY);
        if (dirfd < 0)
            return dirfd;
    }
    struct stat st;
    int rc = 0;
    if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0)
        rc = -errno;
    else if (S_ISDIR(st.st_mode))
        rc = -EISDIR;
    else if (unlinkat(dirfd, base, 0) != 0)
        rc = -errno;
    if (dirfd != store_fd)
        close(dirfd);
    return rc;
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

/* Expires one request in its own transaction. Returns 0, 1 when the row
 * was no longer due (another process got there), or a DB error. Per-file
 * problems are counted, not returned. */
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
                   "FOR UPDATE",
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
        if ((int64_t)(now - st.st_mtime) < c->o->grace_seconds)
            continue;
        int staging = strncmp(name, STAGE_PREFIX, strlen(STAGE_PREFIX)) == 0 ||
                      strncmp(name, INIT_PREFIX, strlen(INIT_PREFIX)) == 0;
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
        char fields[4200];
        snprintf(fields, sizeof fields, "file=\"%s\" bytes=%" PRIu64 "%s", rel,
                 (uint64_t)st.st_size, c->o->dry_run ? " dry_run=1" : "");
        if (!c->o->dry_run && unlinkat(dirfd, name, 0) != 0) {
            if (errno == ENOENT) /* another expire got there first */
                continue;
            logf_(c, FERRY_LOG_ERROR, fields, "cannot remove %s",
                  staging ? "staging file" : "orphan");
            c->st->errors++;
            continue;
        }
        logf_(c, FERRY_LOG_INFO, fields, "%s",
              staging ? "removed stale staging file" : "removed orphan");
        if (staging)
            c->st->staging++;
        else
            c->st->orphans++;
        c->st->orphan_bytes += (uint64_t)st.st_size;
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
    close(c.store_fd);
    free(c.store_real);
    return rc;
}
