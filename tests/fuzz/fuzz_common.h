/*
 * fuzz_common.h — helpers the libFuzzer targets of tests/fuzz/ share:
 * splitting an input into NUL-free parts, a NUL-terminated copy, and a
 * memfd a target can hand to code that wants a path.
 */
#ifndef FERRY_FUZZ_COMMON_H
#define FERRY_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd, NUL-terminated copy of data[0..n). */
static inline char *fz_strndup(const uint8_t *data, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

/* Splits the input at the first `n - 1` bytes 0x00 into `n` malloc'd
 * strings (missing parts are ""). Free each with free(). */
static inline void fz_split(const uint8_t *data, size_t size, char **parts, int n)
{
    size_t pos = 0;
    for (int i = 0; i < n; i++) {
        size_t end = pos;
        if (i == n - 1)
            end = size;
        else
            while (end < size && data[end] != 0)
                end++;
        parts[i] = fz_strndup(data + (pos < size ? pos : size), end > pos ? end - pos : 0);
        /* the last part may hold NULs: it is a C string up to the first */
        pos = end < size ? end + 1 : size;
    }
}

/* A path to a file whose contents are data[0..n): one temp file (a real
 * path, so realpath() and reopening work), rewritten by every run and
 * removed at exit. */
static char fz_path[64];
static void fz_unlink(void)
{
    unlink(fz_path);
}
static inline const char *fz_memfile(const uint8_t *data, size_t n)
{
    static int fd = -1;
    if (fd < 0) {
        const char *dir = getenv("TMPDIR");
        snprintf(fz_path, sizeof fz_path, "%s/ferry-fuzz-XXXXXX",
                 dir && strlen(dir) < 40 ? dir : "/tmp");
        fd = mkstemp(fz_path);
        if (fd < 0)
            abort();
        atexit(fz_unlink);
    }
    if (ftruncate(fd, 0) != 0 || (n && pwrite(fd, data, n, 0) != (ssize_t)n))
        abort();
    return fz_path;
}

#endif
