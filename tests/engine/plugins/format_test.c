/*
 * format_test.c — a tiny formatter for tests/engine/test_engine.c: one
 * line "id,name" per row (no header, no quoting); fails on the write of
 * batch `fail_batch` (1-based) when set.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ferry/plugin.h"

typedef struct cfg {
    int64_t fail_batch;
} cfg;

typedef struct st {
    ferry_ctx *fx;
    const ferry_host *host;
    const cfg *c;
    ferry_output *out;
    int64_t batches;
} st;

static const ferry_option opts[] = {FERRY_OPTION("fail_batch", FERRY_OPT_INT, 0, "0", NULL, cfg,
                                                 fail_batch,
                                                 "fail on this batch (1-based); 0: never", NULL),
                                    {0}};

static int init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    st *s = calloc(1, sizeof *s);
    if (!s)
        return FERRY_ERR_NOMEM;
    s->fx = fx;
    s->host = host;
    s->c = config;
    *state = s;
    return 0;
}

static void destroy(void *state)
{
    free(state);
}

static int f_open(void *state, const ferry_schema *schema, ferry_output *out, const char *path,
                  const char *tmpdir, int64_t rows)
{
    st *s = state;
    (void)schema, (void)path, (void)tmpdir, (void)rows;
    s->out = out;
    return 0;
}

static int f_write(void *state, const ferry_batch *b)
{
    st *s = state;
    if (++s->batches == s->c->fail_batch)
        return s->host->error(s->fx, FERRY_ERR_DATA, "test formatter failed on batch %lld",
                              (long long)s->batches);
    for (uint32_t r = 0; r < b->nrows; r++) {
        const ferry_value *id = ferry_batch_at(b, r, 0), *name = ferry_batch_at(b, r, 1);
        char line[128];
        int n = snprintf(line, sizeof line, "%lld,%.*s\n", (long long)id->u.i64, (int)name->len,
                         name->u.str);
        int rc = s->host->output_write(s->out, line, (size_t)n);
        if (rc)
            return rc;
    }
    return 0;
}

static int f_finish(void *state)
{
    (void)state;
    return 0;
}

static void f_close(void *state)
{
    (void)state;
}

static const ferry_format_ops ops = {f_open, f_write, f_finish, f_close};

static const ferry_plugin_descriptor desc = {
    FERRY_PLUGIN_HEADER,
    .kind = FERRY_KIND_FORMAT,
    .name = "format-test",
    .version = "1.0.0",
    .description = "id,name lines for engine tests",
    .options = opts,
    .config_size = sizeof(cfg),
    .extension = "txt",
    .content_type = "text/plain",
    .init = init,
    .destroy = destroy,
    .format = &ops,
};
FERRY_PLUGIN_DEFINE(desc)
