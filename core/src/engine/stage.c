/* stage.c — staging, atomic publish, and sweeping stale staging files. */
#include "stage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STAGE_PREFIX ".ferry-stage-"
/* A staging file is created under this prefix, locked, then renamed to
 * STAGE_PREFIX: a sweeper never sees a staging name whose lock is not yet
 * held (mkostemp and flock are two steps). */
#define INIT_PREFIX ".ferry-init-"

static int mkdirs(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

/* Empties and removes the flat temp dir `dir`; a symlink in its place
 * (planted in a shared output directory) is never followed. */
static void rm_tree_flat(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
    rmdir(dir);
}

int ferry_stage_open(ferry_stage *st, const char *dir, const char *name, int sweep, ferry_err *err)
{
    memset(st, 0, sizeof *st);
    st->fd = -1;
    if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") || !*name)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "bad artifact name \"%s\"", name);
    if (mkdirs(dir))
        return ferry_err_set(err, FERRY_ERR_IO, "cannot create directory %s: %s", dir,
                             strerror(errno));
    if (sweep)
        ferry_stage_sweep(dir, 0);
    st->dir = realpath(dir, NULL); /* "a/../b" printed as the real place */
    if (!st->dir)
        st->dir = strdup(dir);
    dir = st->dir ? st->dir : dir;
    size_t n = strlen(dir) + strlen(name) + 64;
    st->final = malloc(n);
    st->path = malloc(n);
    st->tmpdir = malloc(n);
    if (!st->dir || !st->final || !st->path || !st->tmpdir) {
        ferry_stage_free(st);
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    }
    snprintf(st->final, n, "%s/%s", dir, name);
    snprintf(st->path, n, "%s/" INIT_PREFIX "%.80s-XXXXXX", dir, name);
    st->fd = mkostemp(st->path, O_CLOEXEC);
    if (st->fd < 0) {
        /* The message first: `dir` is st->dir, which ferry_stage_free frees. */
        int rc = ferry_err_set(err, FERRY_ERR_IO, "cannot create a staging file in %s: %s", dir,
                               strerror(errno));
        ferry_stage_free(st);
        return rc;
    }
    flock(st->fd, LOCK_EX);
    char *staged = malloc(n);
    if (staged) {
        const char *suffix = st->path + strlen(dir) + 1 + sizeof INIT_PREFIX - 1;
        snprintf(staged, n, "%s/" STAGE_PREFIX "%s", dir, suffix);
    }
    if (!staged || rename(st->path, staged)) {
        int rc = ferry_err_set(err, FERRY_ERR_IO, "cannot create a staging file in %s: %s", dir,
                               strerror(errno));
        unlink(st->path);
        free(staged);
        ferry_stage_free(st);
        return rc;
    }
    free(st->path);
    st->path = staged;
    fchmod(st->fd, 0644);
    snprintf(st->tmpdir, n, "%s.d", st->path);
    if (mkdir(st->tmpdir, 0700)) {
        int rc =
            ferry_err_set(err, FERRY_ERR_IO, "cannot create %s: %s", st->tmpdir, strerror(errno));
        ferry_stage_abort(st);
        ferry_stage_free(st);
        return rc;
    }
    return 0;
}

int ferry_stage_publish(ferry_stage *st, ferry_err *err)
{
    if (fsync(st->fd))
        return ferry_err_set(err, FERRY_ERR_IO, "fsync %s: %s", st->path, strerror(errno));
    if (rename(st->path, st->final))
        return ferry_err_set(err, FERRY_ERR_IO, "cannot publish %s: %s", st->final,
                             strerror(errno));
    int dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    rm_tree_flat(st->tmpdir);
    close(st->fd);
    st->fd = -1;
    st->path[0] = '\0';
    return 0;
}

void ferry_stage_abort(ferry_stage *st)
{
    if (st->path && st->path[0])
        unlink(st->path);
    if (st->tmpdir && st->tmpdir[0])
        rm_tree_flat(st->tmpdir);
    if (st->fd >= 0)
        close(st->fd);
    st->fd = -1;
    if (st->path)
        st->path[0] = '\0';
}

void ferry_stage_free(ferry_stage *st)
{
    if (st->fd >= 0)
        close(st->fd);
    free(st->dir);
    free(st->final);
    free(st->path);
    free(st->tmpdir);
    memset(st, 0, sizeof *st);
    st->fd = -1;
}

/* Whether a file last modified at `mtime` is at least `min_age` seconds old.
 * A min_age of 0 means any age: a file's mtime comes from the file system's
 * clock, which may run ahead of time() (a coarse clock, or a share mounted
 * from another host), and a sweep asked to take everything must not skip a
 * file stamped a second "in the future". */
static int old_enough(time_t mtime, time_t now, long min_age)
{
    return min_age <= 0 || now - mtime >= min_age;
}

/* Removes DIR/NAME (a staging file's ".d" temp dir) when no file
 * DIR/NAME-without-".d" exists and the dir is at least `min_age` seconds
 * old. Returns 1 when it was removed. */
static int sweep_orphan_dir(DIR *d, const char *dir, const char *name, size_t len, time_t now,
                            long min_age)
{
    char file[512], sub[512];
    struct stat sb;
    if (len - 2 >= sizeof file)
        return 0;
    memcpy(file, name, len - 2);
    file[len - 2] = '\0';
    if (fstatat(dirfd(d), file, &sb, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
        return 0;
    if (fstatat(dirfd(d), name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(sb.st_mode) ||
        !old_enough(sb.st_mtime, now, min_age))
        return 0;
    snprintf(sub, sizeof sub, "%s/%s", dir, name);
    rm_tree_flat(sub);
    return 1;
}

int ferry_stage_sweep(const char *dir, long min_age)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int removed = 0;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d))) {
        int init = strncmp(e->d_name, INIT_PREFIX, sizeof INIT_PREFIX - 1) == 0;
        if (!init && strncmp(e->d_name, STAGE_PREFIX, sizeof STAGE_PREFIX - 1) != 0)
            continue;
        size_t len = strlen(e->d_name);
        if (len > 2 && strcmp(e->d_name + len - 2, ".d") == 0) {
            /* A temp dir goes with its file; one whose file is gone (a run
             * killed between removing or publishing the file and removing
             * the dir) is an orphan. */
            removed += sweep_orphan_dir(d, dir, e->d_name, len, now, min_age);
            continue;
        }
        /* O_NONBLOCK: a FIFO under a staging name must not hang the sweep. */
        int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            continue;
        struct stat sb;
        /* An init file is only ever unlocked for an instant: leave young ones. */
        long age = init && min_age < 60 ? 60 : min_age;
        if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && old_enough(sb.st_mtime, now, age) &&
            flock(fd, LOCK_EX | LOCK_NB) == 0) {
            char sub[512];
            snprintf(sub, sizeof sub, "%s/%s.d", dir, e->d_name);
            rm_tree_flat(sub);
            if (unlinkat(dirfd(d), e->d_name, 0) == 0)
                removed++;
        }
        close(fd);
    }
    closedir(d);
    return removed;
}
