/*
 * sink_test.c — a sink for tests/engine/test_engine.c: appends one line
 * per delivery ("rows size sha256 name exists") to the file `record`, and
 * refuses every delivery when `fail` is set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ferry/plugin.h"

typedef struct cfg {
    const char *record;
    int fail;
} cfg;

typedef struct st {
    ferry_ctx *fx;
    const ferry_host *host;
    const cfg *c;
} st;

static const ferry_option opts[] = {FERRY_OPTION("record", FERRY_OPT_STRING, FERRY_OPT_REQUIRED,
                                                 NULL, NULL, cfg, record,
                                                 "file the deliveries are appended to", "/tmp/x"),
                                    FERRY_OPTION("fail", FERRY_OPT_BOOL, 0, "false", NULL, cfg,
                                                 fail, "refuse every delivery", NULL),
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

static int deliver(void *state, const ferry_artifact *a, char **url)
{
    st *s = state;
    (void)url;
    FILE *f = fopen(s->c->record, "a");
    if (!f)
        return s->host->error(s->fx, FERRY_ERR_IO, "cannot open %s", s->c->record);
    fprintf(f, "%llu %llu %s %s %d\n", (unsigned long long)a->rows, (unsigned long long)a->size,
            a->sha256, a->name, access(a->path, F_OK) == 0);
    fclose(f);
    if (s->c->fail)
        return s->host->error(s->fx, FERRY_ERR_DELIVER, "test sink refused the delivery");
    return 0;
}

static const ferry_sink_ops ops = {deliver, NULL};

static const ferry_plugin_descriptor desc = {
    FERRY_PLUGIN_HEADER,
    .kind = FERRY_KIND_SINK,
    .name = "sink-test",
    .version = "1.0.0",
    .description = "records deliveries for engine tests",
    .options = opts,
    .config_size = sizeof(cfg),
    .init = init,
    .destroy = destroy,
    .sink = &ops,
};
FERRY_PLUGIN_DEFINE(desc)
