/*
 * regfile.h — plugins open the paths they are given (CSV sources, fonts)
 * without blocking on a FIFO or device: O_NONBLOCK, regular files only.
 */
#ifndef FERRY_PLUGIN_REGFILE_H
#define FERRY_PLUGIN_REGFILE_H

#include <stddef.h>
#include <stdio.h>

/* A read-only stream on `path`, or NULL with a reason in err[errcap]
 * ("not a regular file (…)" or the open error). */
FILE *fr_fopen_regular(const char *path, char *err, size_t errcap);

#endif
