/*
 * source_test.c — an in-memory source for tests/engine/test_engine.c:
 * yields `rows` generated rows (id, name "row-<id>") a batch at a time;
 * can fail at row `fail_at`, block at row `block_at` until the run is
 * cancelled, and report `warnings` values through host->warn.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "ferry/plugin.h"

typedef struct cfg {
    int64_t rows, fail_at, block_at, warnings;
} cfg;

typedef struct st {
    ferry_ctx *fx;
    const ferry_host *host;
    const cfg *c;
    int64_t next;
} st;

static const ferry_option opts[] = {
    FERRY_OPTION("rows", FERRY_OPT_INT, 0, "10", NULL, cfg, rows, "rows to yield", NULL),
    FERRY_OPTION("fail_at", FERRY_OPT_INT, 0, "-1", NULL, cfg, fail_at, "fail at this row", NULL),
    FERRY_OPTION("block_at", FERRY_OPT_INT, 0, "-1", NULL, cfg, block_at,
                 "block at this row until cancelled", NULL),
    FERRY_OPTION("warnings", FERRY_OPT_INT, 0, "0", NULL, cfg, warnings, "host->warn calls", NULL),
    {0}};

static const ferry_column cols[] = {{"id", "id", FERRY_TYPE_INT64, 0, NULL},
                                    {"name", "name", FERRY_TYPE_STRING, 0, NULL}};
static const ferry_schema schema = {2, 0, cols};

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

static int src_open(void *state, const ferry_query *q, const ferry_schema **out, int64_t *count)
{
    st *s = state;
    (void)q;
    for (int64_t i = 0; i < s->c->warnings; i++)
        s->host->warn(s->fx, (uint64_t)i + 1, 0, "test warning %lld", (long long)i);
    *out = &schema;
    *count = s->c->rows;
    return 0;
}

/* One row; 1 when the batch is full. */
static int add_row(st *s, ferry_batch *b)
{
    int64_t r = s->host->batch_add_row(b);
    if (r < 0)
        return 1;
    char name[32];
    int n = snprintf(name, sizeof name, "row-%lld", (long long)s->next);
    ferry_value_set_i64(ferry_batch_at(b, (uint32_t)r, 0), FERRY_TYPE_INT64, s->next);
    s->host->batch_set_bytes(b, (uint32_t)r, 1, FERRY_TYPE_STRING, name, (size_t)n);
    s->next++;
    return 0;
}

static int src_read(void *state, ferry_batch *b, int *eof)
{
    st *s = state;
    while (s->next < s->c->rows && b->nrows < b->capacity) {
        if (s->next == s->c->fail_at)
            return s->host->error(s->fx, FERRY_ERR_DB, "test source failed at row %lld",
                                  (long long)s->next);
        if (s->next == s->c->block_at && b->nrows == 0) {
            while (!s->host->cancelled(s->fx))
                sched_yield();
            return s->host->error(s->fx, FERRY_ERR_CANCEL, "test source cancelled");
        }
        if (s->next == s->c->block_at)
            break; /* hand over what we have, block on the next read */
        if (add_row(s, b))
            break;
    }
    *eof = s->next >= s->c->rows;
    return 0;
}

static void src_close(void *state)
{
    (void)state;
}

static const ferry_source_ops ops = {src_open, src_read, src_close, NULL};

static const ferry_plugin_descriptor desc = {
    FERRY_PLUGIN_HEADER,
    .kind = FERRY_KIND_SOURCE,
    .name = "source-test",
    .version = "1.0.0",
    .description = "generated rows for engine tests",
    .options = opts,
    .config_size = sizeof(cfg),
    .init = init,
    .destroy = destroy,
    .source = &ops,
};
FERRY_PLUGIN_DEFINE(desc)
