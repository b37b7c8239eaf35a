/*
 * eio_shim.c — an LD_PRELOAD library for tests/faults/eio.sh: write() and
 * fsync() fail with EIO on their Nth call for files whose name starts with
 * ".ferry-" (staging files) in the directory $FAULT_DIR.
 *   FAULT_DIR      the output directory
 *   FAULT_WRITE_N  fail the Nth write() to a staging file (0: never)
 *   FAULT_FSYNC_N  fail the Nth fsync() of a staging file (0: never)
 *   FAULT_LOG      a file that gets one line per injected fault ("write
 *                  EIO", "fsync EIO") and "fsync RETRY" when fsync is called
 *                  again on a descriptor whose fsync failed
 * Only calls through the PLT are seen (ferry's own write and fsync, not
 * stdio's internal writes).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long nwrite, nfsync;
static int failed_fd[64];
static int nfailed;

static int staged(int fd)
{
    const char *dir = getenv("FAULT_DIR");
    if (!dir)
        return 0;
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return 0;
    path[n] = '\0';
    size_t dl = strlen(dir);
    return strncmp(path, dir, dl) == 0 && strncmp(path + dl, "/.ferry-", 8) == 0 &&
           !strchr(path + dl + 1, '/');
}

static void note(const char *what)
{
    const char *log = getenv("FAULT_LOG");
    if (!log)
        return;
    int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    ssize_t (*real_write)(int, const void *, size_t) = dlsym(RTLD_NEXT, "write");
    if (real_write(fd, what, strlen(what)) < 0)
        abort();
    close(fd);
}

static long env_n(const char *name)
{
    const char *v = getenv(name);
    return v ? atol(v) : 0;
}

ssize_t write(int fd, const void *buf, size_t len)
{
    static ssize_t (*real)(int, const void *, size_t);
    if (!real)
        real = dlsym(RTLD_NEXT, "write");
    long n = env_n("FAULT_WRITE_N");
    if (n > 0 && fd > 2 && staged(fd) && __atomic_add_fetch(&nwrite, 1, __ATOMIC_SEQ_CST) == n) {
        note("write EIO\n");
        errno = EIO;
        return -1;
    }
    return real(fd, buf, len);
}

int fsync(int fd)
{
    static int (*real)(int);
    if (!real)
        real = dlsym(RTLD_NEXT, "fsync");
    if (!staged(fd))
        return real(fd);
    for (int i = 0; i < nfailed; i++)
        if (failed_fd[i] == fd)
            note("fsync RETRY\n");
    long n = env_n("FAULT_FSYNC_N");
    if (n > 0 && __atomic_add_fetch(&nfsync, 1, __ATOMIC_SEQ_CST) == n) {
        if (nfailed < 64)
            failed_fd[nfailed++] = fd;
        note("fsync EIO\n");
        errno = EIO;
        return -1;
    }
    return real(fd);
}

int fdatasync(int fd)
{
    return fsync(fd);
}
