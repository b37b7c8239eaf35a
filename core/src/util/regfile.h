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

#endif
