/*
 * broken.c — a deliberately broken filter plugin for testing
 * `ferry plugins check`. Compiled once per defect with -DBROKEN_<DEFECT>:
 * CRASH (segfault in process), STDOUT (printf), EXIT (exit(3)), HANG
 * (never returns), ABI (built for the next major ABI), OPTIONS (a
 * malformed option table), LEAK (host->alloc never freed), NOMSG (an error
 * without host->error), UTF8 (aborts on a string that is not valid UTF-8, as
 * an assert in a decoder would), WRONGTYPE (an int64 value in the first
 * string column), NOSCHEMA (open returns 0 without an output schema).
 * Never installed.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ferry/ferry.h"

typedef struct broken_config {
    const char *mode;
} broken_config;

typedef struct broken_state {
    ferry_ctx *fx;
    const ferry_host *host;
    void *leak;
} broken_state;

static int b_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    (void)config;
    broken_state *s = host->alloc(fx, sizeof *s);
    if (!s)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    s->fx = fx;
    s->host = host;
    *state = s;
#ifdef BROKEN_LEAK
    s->leak = host->alloc(fx, 4096); /* never freed */
#endif
    return 0;
}

static void b_destroy(void *state)
{
    broken_state *s = state;
    if (s)
        s->host->free(s->fx, s);
}

static int b_open(void *state, const ferry_schema *in, const ferry_schema **out)
{
    (void)state;
#ifdef BROKEN_NOSCHEMA
    (void)in;
    *out = NULL; /* returns 0 all the same */
#else
    *out = in;
#endif
    return 0;
}

#ifdef BROKEN_UTF8
/* 1 when s[0..n) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static int utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], len = c < 0x80                ? 1
                                 : c >= 0xc2 && c < 0xe0 ? 2
                                 : c >= 0xe0 && c < 0xf0 ? 3
                                 : c >= 0xf0 && c < 0xf5 ? 4
                                                         : 0;
        if (!len || i + len > n)
            return 0;
        for (unsigned k = 1; k < len; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
        if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] >= 0xa0) ||
            (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] >= 0x90))
            return 0;
        i += len;
    }
    return 1;
}
#endif

static int b_process(void *state, const ferry_batch *in, ferry_batch *out)
{
    broken_state *s = state;
    (void)s;
    if (in->nrows > 0) {
#if defined(BROKEN_CRASH)
        volatile int *p = NULL;
        *p = 1;
#elif defined(BROKEN_STDOUT)
        printf("debug: processing %u rows\n", in->nrows);
#elif defined(BROKEN_EXIT)
        exit(3);
#elif defined(BROKEN_HANG)
        for (;;)
            pause();
#elif defined(BROKEN_NOMSG)
        return FERRY_ERR;
#elif defined(BROKEN_UTF8)
        for (uint32_t r = 0; r < in->nrows; r++)
            for (uint32_t c = 0; c < in->schema->ncolumns; c++) {
                const ferry_value *v = ferry_batch_at(in, r, c);
                if (v->type == FERRY_TYPE_STRING &&
                    !utf8_valid((const unsigned char *)v->u.str, v->len))
                    abort();
            }
#endif
    }
    for (uint32_t r = 0; r < in->nrows; r++) {
        int64_t row = s->host->batch_add_row(out);
        if (row < 0)
            return s->host->error(s->fx, FERRY_ERR, "output batch full");
        memcpy(ferry_batch_at(out, (uint32_t)row, 0), ferry_batch_at(in, r, 0),
               in->schema->ncolumns * sizeof(ferry_value));
#ifdef BROKEN_WRONGTYPE
        for (uint32_t c = 0; c < in->schema->ncolumns; c++)
            if (in->schema->columns[c].type == FERRY_TYPE_STRING) {
                ferry_value_set_i64(ferry_batch_at(out, (uint32_t)row, c), FERRY_TYPE_INT64, 42);
                break;
            }
#endif
    }
    return 0;
}

static void b_close(void *state)
{
    (void)state;
}

static const ferry_option b_options[] = {
    {"mode", FERRY_OPT_STRING, 0, "on", "on|off", offsetof(broken_config, mode), "a mode", NULL},
#ifdef BROKEN_OPTIONS
    {"mode", FERRY_OPT_INT, 0, "x", NULL, offsetof(broken_config, mode), "", NULL},
#endif
    {0}};

static const ferry_filter_ops b_ops = {b_open, b_process, b_close};

static const ferry_plugin_descriptor b_plugin = {FERRY_PLUGIN_MAGIC,
#ifdef BROKEN_ABI
                                                 FERRY_ABI_MAJOR + 1,
#else
                                                 FERRY_ABI_MAJOR,
#endif
                                                 FERRY_ABI_MINOR,
                                                 (uint32_t)sizeof(ferry_plugin_descriptor),
                                                 FERRY_KIND_FILTER,
                                                 "filter-" BROKEN_NAME,
                                                 "0.0.1",
                                                 "a deliberately broken plugin: " BROKEN_NAME,
                                                 b_options,
                                                 sizeof(broken_config),
                                                 0,
                                                 0,
                                                 NULL,
                                                 NULL,
                                                 b_init,
                                                 b_destroy,
                                                 NULL,
                                                 &b_ops,
                                                 NULL,
                                                 NULL,
                                                 NULL,
                                                 NULL};
FERRY_PLUGIN_DEFINE(b_plugin)
