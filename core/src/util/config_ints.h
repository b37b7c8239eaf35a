/*
 * config_ints.h — libconfig 1.5 (Debian 12) reads an integer literal that
 * does not fit 32 bits as a silently truncated 32-bit int (4294967297
 * becomes 1). Before a config file is trusted, this scans its text and
 * refuses such a literal with file:line, asking for the 64-bit `L` suffix,
 * which libconfig reads exactly.
 */
#ifndef FERRY_CORE_CONFIG_INTS_H
#define FERRY_CORE_CONFIG_INTS_H

#include <stddef.h>

#include "error.h"

/* 0 when every integer literal of `text` (`len` bytes, the contents of
 * `file`) fits 32 bits or carries the L suffix; FERRY_ERR_CONFIG naming
 * file:line and the literal otherwise. Strings and comments are skipped. */
int ferry_config_check_ints(const char *file, const char *text, size_t len, ferry_err *err);

/* The same for a file on disk (read whole; an unreadable file is left to
 * libconfig's own error). */
int ferry_config_check_file_ints(const char *path, ferry_err *err);

#endif
