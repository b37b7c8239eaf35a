/*
 * regfile.h — opening a path ferry is given (ferry.conf, pipeline configs,
 * migrations) without blocking on a FIFO or device: O_NONBLOCK, then only
 * regular files are accepted.
 */
#ifndef FERRY_CORE_REGFILE_H
#define FERRY_CORE_REGFILE_H

#include <stdio.h>

#include "error.h"

/* Opens `path` for reading as a stdio stream, refusing what is not a
 * regular file: FERRY_ERR_IO/FERRY_ERR_CONFIG (`code`) with "<what> <path>:
 * not a regular file" or the open error. *out: fclose. */
int ferry_fopen_regular(const char *path, const char *what, int code, FILE **out, ferry_err *err);

/* What stat(2) says of a file, to tell that it changed: any field that
 * differs is a new version (an editor's rename, a write, a touch). All
 * zero when it cannot be stat'ed. */
typedef struct ferry_file_stamp {
    unsigned long long dev, ino;
    long long size, mtime_ns, ctime_ns;
} ferry_file_stamp;

void ferry_file_stamp_of(const char *path, ferry_file_stamp *out);
int ferry_file_stamp_equal(const ferry_file_stamp *a, const ferry_file_stamp *b);

#endif
