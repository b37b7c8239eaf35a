/*
 * filter_select.c — filter-select: keeps, drops, renames and reorders
 * columns. Every name in the options is an input column's name; `keep`
 * selects and orders, `drop` removes, `order` moves columns to the front,
 * `rename` ("old:new") changes names (and labels that equalled the name).
 */
#include <stddef.h>
#include <string.h>

#include "ferry/ferry.h"

typedef struct select_config {
    ferry_strlist keep;
    ferry_strlist drop;
    ferry_strlist rename;
    ferry_strlist order;
} select_config;

typedef struct select_state {
    ferry_ctx *fx;
    const ferry_host *host;
    const select_config *cfg;
    ferry_schema schema;   /* output */
    ferry_column *columns; /* owned */
    uint32_t *map;         /* output column -> input column; owned */
    char *names;           /* owned: renamed names */
} select_state;

static void release(select_state *s)
{
    if (s->columns)
        s->host->free(s->fx, s->columns);
    if (s->map)
        s->host->free(s->fx, s->map);
    if (s->names)
        s->host->free(s->fx, s->names);
    s->columns = NULL;
    s->map = NULL;
    s->names = NULL;
}

static void select_destroy(void *state)
{
    select_state *s = state;
    if (!s)
        return;
    release(s);
    s->host->free(s->fx, s);
}

static int select_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    const select_config *cfg = config;
    select_state *s = host->alloc(fx, sizeof *s);
    if (!s)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    s->fx = fx;
    s->host = host;
    s->cfg = cfg;
    *state = s;
    for (size_t i = 0; i < cfg->rename.n; i++) {
        const char *r = cfg->rename.items[i], *colon = strchr(r, ':');
        if (!colon || colon == r || !colon[1] || strchr(colon + 1, ':'))
            return host->error(fx, FERRY_ERR_CONFIG, "option rename: \"%s\" is not \"old:new\"", r);
    }
    return 0;
}

static int find(const ferry_schema *in, const char *name, size_t len)
{
    for (uint32_t c = 0; c < in->ncolumns; c++)
        if (strlen(in->columns[c].name) == len && strncmp(in->columns[c].name, name, len) == 0)
            return (int)c;
    return -1;
}

static int unknown(select_state *s, const char *opt, const char *name, size_t len)
{
    return s->host->error(s->fx, FERRY_ERR_CONFIG, "option %s: no column \"%.*s\" in the input",
                          opt, (int)len, name);
}

static int select_open(void *state, const ferry_schema *in, const ferry_schema **out)
{
    select_state *s = state;
    const select_config *cfg = s->cfg;
    release(s);
    uint32_t n = in->ncolumns;
    s->columns = s->host->alloc(s->fx, (n ? n : 1) * sizeof *s->columns);
    s->map = s->host->alloc(s->fx, (n ? n : 1) * sizeof *s->map);
    if (!s->columns || !s->map)
        return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");

    /* Which input columns survive, in which order. */
    uint32_t nout = 0;
    if (cfg->keep.n) {
        for (size_t i = 0; i < cfg->keep.n; i++) {
            int c = find(in, cfg->keep.items[i], strlen(cfg->keep.items[i]));
            if (c < 0)
                return unknown(s, "keep", cfg->keep.items[i], strlen(cfg->keep.items[i]));
            for (uint32_t k = 0; k < nout; k++)
                if (s->map[k] == (uint32_t)c)
                    return s->host->error(s->fx, FERRY_ERR_CONFIG,
                                          "option keep: \"%s\" is listed twice",
                                          cfg->keep.items[i]);
            s->map[nout++] = (uint32_t)c;
        }
    } else {
        for (uint32_t c = 0; c < n; c++)
            s->map[nout++] = c;
    }
    for (size_t i = 0; i < cfg->drop.n; i++) {
        int c = find(in, cfg->drop.items[i], strlen(cfg->drop.items[i]));
        if (c < 0)
            return unknown(s, "drop", cfg->drop.items[i], strlen(cfg->drop.items[i]));
        uint32_t w = 0;
        for (uint32_t k = 0; k < nout; k++)
            if (s->map[k] != (uint32_t)c)
                s->map[w++] = s->map[k];
        nout = w;
    }
    /* order: the listed columns first, in that order, then the rest. */
    uint32_t front = 0;
    for (size_t i = 0; i < cfg->order.n; i++) {
        int c = find(in, cfg->order.items[i], strlen(cfg->order.items[i]));
        if (c < 0)
            return unknown(s, "order", cfg->order.items[i], strlen(cfg->order.items[i]));
        uint32_t at = nout;
        for (uint32_t k = front; k < nout; k++)
            if (s->map[k] == (uint32_t)c)
                at = k;
        if (at == nout)
            continue; /* dropped, or listed twice */
        memmove(&s->map[front + 1], &s->map[front], (at - front) * sizeof *s->map);
        s->map[front++] = (uint32_t)c;
    }

    size_t bytes = 1;
    for (size_t i = 0; i < cfg->rename.n; i++)
        bytes += strlen(cfg->rename.items[i]) + 1;
    s->names = s->host->alloc(s->fx, bytes);
    if (!s->names)
        return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
    char *p = s->names;
    for (uint32_t k = 0; k < nout; k++)
        s->columns[k] = in->columns[s->map[k]];
    for (size_t i = 0; i < cfg->rename.n; i++) {
        const char *r = cfg->rename.items[i], *colon = strchr(r, ':');
        int c = find(in, r, (size_t)(colon - r));
        if (c < 0)
            return unknown(s, "rename", r, (size_t)(colon - r));
        strcpy(p, colon + 1);
        for (uint32_t k = 0; k < nout; k++) {
            if (s->map[k] != (uint32_t)c)
                continue;
            if (strcmp(s->columns[k].label, s->columns[k].name) == 0)
                s->columns[k].label = p;
            s->columns[k].name = p;
        }
        p += strlen(p) + 1;
    }
    for (uint32_t a = 0; a < nout; a++)
        for (uint32_t b = a + 1; b < nout; b++)
            if (strcmp(s->columns[a].name, s->columns[b].name) == 0)
                return s->host->error(s->fx, FERRY_ERR_CONFIG,
                                      "option rename: two output columns named \"%s\"",
                                      s->columns[a].name);
    if (nout == 0)
        return s->host->error(s->fx, FERRY_ERR_CONFIG, "no column is left to output");
    s->schema.ncolumns = nout;
    s->schema.columns = s->columns;
    *out = &s->schema;
    return 0;
}

static int select_process(void *state, const ferry_batch *in, ferry_batch *out)
{
    select_state *s = state;
    for (uint32_t r = 0; r < in->nrows; r++) {
        int64_t row = s->host->batch_add_row(out);
        if (row < 0)
            return s->host->error(s->fx, FERRY_ERR, "output batch full");
        for (uint32_t k = 0; k < s->schema.ncolumns; k++)
            *ferry_batch_at(out, (uint32_t)row, k) = *ferry_batch_at(in, r, s->map[k]);
    }
    return 0;
}

static void select_close(void *state)
{
    (void)state;
}

static const ferry_option select_options[] = {
    FERRY_OPTION("keep", FERRY_OPT_LIST, 0, NULL, NULL, select_config, keep,
                 "the columns to keep, in this order (default: all, in input order)",
                 "project,duration"),
    FERRY_OPTION("drop", FERRY_OPT_LIST, 0, NULL, NULL, select_config, drop, "columns to remove",
                 NULL),
    FERRY_OPTION("rename", FERRY_OPT_LIST, 0, NULL, NULL, select_config, rename,
                 "renames as \"old:new\" (a label equal to the old name follows)",
                 "project:client"),
    FERRY_OPTION("order", FERRY_OPT_LIST, 0, NULL, NULL, select_config, order,
                 "columns moved to the front, in this order; the others follow", NULL),
    {0},
};

static const ferry_filter_ops select_ops = {select_open, select_process, select_close};

static const ferry_plugin_descriptor select_plugin = {FERRY_PLUGIN_HEADER,
                                                      FERRY_KIND_FILTER,
                                                      "filter-select",
                                                      "1.0.0",
                                                      "keeps, drops, renames and reorders columns",
                                                      select_options,
                                                      sizeof(select_config),
                                                      0,
                                                      0,
                                                      NULL,
                                                      NULL,
                                                      select_init,
                                                      select_destroy,
                                                      NULL,
                                                      &select_ops,
                                                      NULL,
                                                      NULL,
                                                      NULL};
FERRY_PLUGIN_DEFINE(select_plugin)
