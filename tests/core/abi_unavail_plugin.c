/*
 * abi_unavail_plugin.c — a source whose open always says its service is
 * unavailable (-11, FERRY_ERR_UNAVAILABLE since ABI 1.4), built two ways:
 * -DAS_ABI_1_3 as a plugin of ABI 1.3 (which had no such code: the core
 * takes it as a plain error), otherwise for this ferry's ABI (the core
 * keeps the code: `ferry run` exits 5). abi_compat.sh runs both.
 */
#include "ferry/ferry.h"

static int init(ferry_ctx *fx, const ferry_host *host, const void *cfg, void **state)
{
    (void)cfg;
    static struct {
        ferry_ctx *fx;
        const ferry_host *host;
    } s; /* read only after init: the same for every instance */
    s.fx = fx;
    s.host = host;
    *state = &s;
    return 0;
}

static void destroy(void *state)
{
    (void)state;
}

static int s_open(void *st, const ferry_query *q, const ferry_schema **schema, int64_t *rows)
{
    (void)q;
    (void)schema;
    (void)rows;
    struct {
        ferry_ctx *fx;
        const ferry_host *host;
    } *s = st;
    return s->host->error(s->fx, -11, "service down");
}

static int s_read(void *st, ferry_batch *b, int *eof)
{
    (void)st;
    (void)b;
    *eof = 1;
    return 0;
}

static void s_close(void *st)
{
    (void)st;
}

static const ferry_source_ops ops = {.open = s_open, .read = s_read, .close = s_close};

#if defined(AS_ABI_1_3)
#define MINOR 3
#define NAME  "source-unavail13"
#else
#define MINOR FERRY_ABI_MINOR
#define NAME  "source-unavail14"
#endif

static const ferry_plugin_descriptor desc = {
    .magic = FERRY_PLUGIN_MAGIC,
    .abi_major = FERRY_ABI_MAJOR,
    .abi_minor = MINOR,
    .size = (uint32_t)sizeof(ferry_plugin_descriptor),
    .kind = FERRY_KIND_SOURCE,
    .name = NAME,
    .version = "1.0.0",
    .description = "a test source whose service is always unavailable",
    .init = init,
    .destroy = destroy,
    .source = &ops,
};

FERRY_PLUGIN_DEFINE(desc)
