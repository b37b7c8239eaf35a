/*
 * filter_slow.c — filter-slow, a test plugin (never installed): passes rows
 * through unchanged after sleeping `ms_per_batch` per batch, so that the
 * worker tests can kill, stop or signal a worker in the middle of a real
 * export through the real pipeline engine.
 */
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "ferry/ferry.h"

typedef struct slow_config {
    int64_t ms_per_batch;
} slow_config;

typedef struct slow_state {
    ferry_ctx *fx;
    const ferry_host *host;
    int64_t ms;
} slow_state;

static int slow_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    const slow_config *cfg = config;
    slow_state *s = host->alloc(fx, sizeof *s);
    if (!s)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    s->fx = fx;
    s->host = host;
    s->ms = cfg->ms_per_batch;
    *state = s;
    return 0;
}

static void slow_destroy(void *state)
{
    slow_state *s = state;
    if (s)
        s->host->free(s->fx, s);
}

static int slow_open(void *state, const ferry_schema *in, const ferry_schema **out)
{
    (void)state;
    *out = in;
    return 0;
}

static int slow_process(void *state, const ferry_batch *in, ferry_batch *out)
{
    slow_state *s = state;
    struct timespec ts = {(time_t)(s->ms / 1000), (long)(s->ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
    for (uint32_t r = 0; r < in->nrows; r++) {
        int64_t row = s->host->batch_add_row(out);
        if (row < 0)
            return s->host->error(s->fx, FERRY_ERR, "output batch full");
        for (uint32_t k = 0; k < in->schema->ncolumns; k++)
            *ferry_batch_at(out, (uint32_t)row, k) = *ferry_batch_at(in, r, k);
    }
    return 0;
}

static void slow_close(void *state)
{
    (void)state;
}

static const ferry_option slow_options[] = {
    {"ms_per_batch", FERRY_OPT_INT, 0, "100", NULL, offsetof(slow_config, ms_per_batch),
     "milliseconds to sleep before passing each batch on", "1"},
    {0}};

static const ferry_filter_ops slow_ops = {slow_open, slow_process, slow_close};

static const ferry_plugin_descriptor slow_plugin = {FERRY_PLUGIN_HEADER,
                                                    FERRY_KIND_FILTER,
                                                    "filter-slow",
                                                    "1.0.0",
                                                    "test plugin: sleeps per batch",
                                                    slow_options,
                                                    sizeof(slow_config),
                                                    0,
                                                    0,
                                                    NULL,
                                                    NULL,
                                                    slow_init,
                                                    slow_destroy,
                                                    NULL,
                                                    &slow_ops,
                                                    NULL,
                                                    NULL,
                                                    NULL};
FERRY_PLUGIN_DEFINE(slow_plugin)
