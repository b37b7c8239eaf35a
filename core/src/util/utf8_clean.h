/*
 * utf8_clean.h — making untrusted text (HTTP headers) valid UTF-8 that fits a
 * column, cut on a character boundary.
 */
#ifndef FERRY_CORE_UTF8_H
#define FERRY_CORE_UTF8_H

#include <stddef.h>

/* Copies `in` to out[len] (len > 0): valid UTF-8 sequences as they are,
 * every other byte (Latin-1, stray continuation, overlong, surrogate) and
 * control character as '?', stopping before a character that would not
 * fit whole. Always NUL-terminates; returns the bytes written. */
size_t ferry_utf8_clean(char *out, size_t len, const char *in);

#endif
