/* regfile.c — opening given paths as regular files only (regfile.h). */
#include "regfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ferry_fopen_regular(const char *path, const char *what, int code, FILE **out, ferry_err *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return ferry_err_set(err, code, "cannot read %s %s: %s", what, path, strerror(errno));
    struct stat st;
    /* /dev/null stays usable as an empty file (FERRY_CONFIG=/dev/null). */
    int empty = strcmp(path, "/dev/null") == 0;
    if (fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || (empty && S_ISCHR(st.st_mode)))) {
        close(fd);
        return ferry_err_set(err, code,
                             "cannot read %s %s: not a regular file (a FIFO, device "
                             "or directory)",
                             what, path);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    *out = fdopen(fd, "rb");
    if (!*out) {
        close(fd);
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    }
    return 0;
}

void ferry_file_stamp_of(const char *path, ferry_file_stamp *out)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (!path || stat(path, &st) != 0)
        return;
    out->dev = (unsigned long long)st.st_dev;
    out->ino = (unsigned long long)st.st_ino;
    out->size = (long long)st.st_size;
    out->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    out->ctime_ns = (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
}

int ferry_file_stamp_equal(const ferry_file_stamp *a, const ferry_file_stamp *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}
