/* artifacts.c — files beneath the artifact store, never leaving it
 * (artifacts.h). */
#include "artifacts.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

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
