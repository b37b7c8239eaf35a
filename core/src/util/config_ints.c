/* config_ints.c — refuses 32-bit-truncated integer literals in config files
 * (see config_ints.h). A small lexer: strings, comments, names and floats
 * are skipped; a decimal or hex integer without the L suffix must fit
 * 32 bits. Fuzzed through tests/fuzz (the pipeline config target). */
#include "regfile.h"
#include "config_ints.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '*' || c == '.';
}

/* A digit at t[i] starts a number unless it continues a name or a float
 * ("sheet2", "sink-2", "1.25"); a sign before it may belong to the number. */
static int starts_number(const char *t, size_t i)
{
    if (i > 0 && (t[i - 1] == '-' || t[i - 1] == '+'))
        return i < 2 || !is_name_char(t[i - 2]);
    return i == 0 || !is_name_char(t[i - 1]);
}

/* Skips a string, comment or line starting at t[i]; returns the index after
 * it, counting newlines into *line. Returns i when t[i] starts none. */
static size_t skip_inert(const char *t, size_t len, size_t i, unsigned *line)
{
    if (t[i] == '"') {
        for (i++; i < len && t[i] != '"'; i++) {
            if (t[i] == '\\' && i + 1 < len)
                i++;
            else if (t[i] == '\n')
                (*line)++;
        }
        return i < len ? i + 1 : len;
    }
    if (t[i] == '#' || (t[i] == '/' && i + 1 < len && t[i + 1] == '/')) {
        while (i < len && t[i] != '\n')
            i++;
        return i;
    }
    if (t[i] == '/' && i + 1 < len && t[i + 1] == '*') {
        for (i += 2; i + 1 < len && !(t[i] == '*' && t[i + 1] == '/'); i++)
            if (t[i] == '\n')
                (*line)++;
        return i + 2 <= len ? i + 2 : len;
    }
    return i;
}

/* An integer literal at t[i] (a digit not inside a name): sets *end past
 * it; returns 1 when it is an int without L that does not fit 32 bits. */
static int too_wide(const char *t, size_t len, size_t i, size_t *end)
{
    size_t j = i;
    int neg = j > 0 && t[j - 1] == '-' && starts_number(t, j);
    int hex = j + 1 < len && t[j] == '0' && (t[j + 1] == 'x' || t[j + 1] == 'X');
    j += hex ? 2 : 0;
    while (j < len &&
           (hex ? strchr("0123456789abcdefABCDEF", t[j]) != NULL : (t[j] >= '0' && t[j] <= '9')))
        j++;
    *end = j;
    if (j < len && (t[j] == '.' || t[j] == 'e' || t[j] == 'E' || t[j] == 'L'))
        return 0; /* a float, or already 64-bit */
    char num[40];
    size_t n = j - i;
    if (n >= sizeof num)
        return 1;
    memcpy(num, t + i, n);
    num[n] = '\0';
    errno = 0;
    unsigned long long v = strtoull(num, NULL, hex ? 16 : 10);
    if (errno == ERANGE)
        return 1;
    return hex ? v > 0xffffffffull : v > (neg ? 2147483648ull : 2147483647ull);
}

int ferry_config_check_ints(const char *file, const char *t, size_t len, ferry_err *err)
{
    unsigned line = 1;
    for (size_t i = 0; i < len;) {
        size_t k = skip_inert(t, len, i, &line);
        if (k != i) {
            i = k;
            continue;
        }
        if (t[i] == '\n')
            line++;
        if (t[i] >= '0' && t[i] <= '9' && starts_number(t, i)) {
            size_t end;
            if (too_wide(t, len, i, &end))
                return ferry_err_set(err, FERRY_ERR_CONFIG,
                                     "%s:%u: integer %s%.*s does not fit 32 bits; write it "
                                     "with the L suffix (%s%.*sL) for a 64-bit value",
                                     file, line, i > 0 && t[i - 1] == '-' ? "-" : "",
                                     (int)(end - i > 30 ? 30 : end - i), t + i,
                                     i > 0 && t[i - 1] == '-' ? "-" : "",
                                     (int)(end - i > 30 ? 30 : end - i), t + i);
            i = end;
            continue;
        }
        i++;
    }
    return 0;
}

int ferry_config_check_file_ints(const char *path, ferry_err *err)
{
    FILE *f = NULL;
    ferry_err ignored = FERRY_ERR_INIT;
    if (ferry_fopen_regular(path, "config", FERRY_ERR_CONFIG, &f, &ignored))
        return 0; /* the config's own load reports it */
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            char *n = realloc(buf, cap ? cap * 2 : 8192);
            if (!n) {
                free(buf);
                fclose(f);
                return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
            }
            buf = n;
            cap = cap ? cap * 2 : 8192;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0)
            break;
    }
    fclose(f);
    int rc = ferry_config_check_ints(path, buf ? buf : "", len, err);
    free(buf);
    return rc;
}
