/*
 * filter_where.c — filter-where: keeps the rows that satisfy typed
 * conditions parsed from the config ("duration > 3600",
 * "project in (A, B)", "description contains 'x'", "task is null").
 * Values are converted to each column's type at open; nothing is SQL.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ferry/ferry.h"
#include "fpred.h"
#include "where_cond.h"

typedef struct where_config {
    ferry_strlist conditions;
    const char *match;
} where_config;

typedef struct where_state {
    ferry_ctx *fx;
    const ferry_host *host;
    size_t n;
    where_cond *conds; /* n, owned */
    fp_pred *preds;    /* n, owned; compiled at open */
    int any;           /* match = any */
} where_state;

static void where_destroy(void *state)
{
    where_state *s = state;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        if (s->conds)
            where_cond_free(&s->conds[i], s->host, s->fx);
        if (s->preds)
            fp_free(&s->preds[i], s->host, s->fx);
    }
    if (s->conds)
        s->host->free(s->fx, s->conds);
    if (s->preds)
        s->host->free(s->fx, s->preds);
    s->host->free(s->fx, s);
}

static int where_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    const where_config *cfg = config;
    where_state *s = host->alloc(fx, sizeof *s);
    if (!s)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    s->fx = fx;
    s->host = host;
    *state = s;
    s->any = cfg->match && strcmp(cfg->match, "any") == 0;
    if (cfg->conditions.n == 0)
        return host->error(fx, FERRY_ERR_CONFIG, "option conditions: give at least one condition");
    size_t n = cfg->conditions.n;
    s->conds = host->alloc(fx, n * sizeof *s->conds);
    s->preds = host->alloc(fx, n * sizeof *s->preds);
    if (!s->conds || !s->preds)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(s->conds, 0, n * sizeof *s->conds);
    memset(s->preds, 0, n * sizeof *s->preds);
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        char why[256];
        if (where_cond_parse(&s->conds[i], cfg->conditions.items[i], host, fx, why, sizeof why))
            return host->error(fx, FERRY_ERR_CONFIG, "condition \"%s\": %s",
                               cfg->conditions.items[i], why);
    }
    return 0;
}

static int where_open(void *state, const ferry_schema *in, const ferry_schema **out)
{
    where_state *s = state;
    for (size_t i = 0; i < s->n; i++) {
        const where_cond *c = &s->conds[i];
        char why[512];
        fp_free(&s->preds[i], s->host, s->fx);
        if (fp_compile(&s->preds[i], in, c->column, c->op, c->values, c->nvalues, s->host, s->fx,
                       why, sizeof why))
            return s->host->error(s->fx, FERRY_ERR_CONFIG, "condition \"%s\": %s", c->text, why);
    }
    *out = in;
    return 0;
}

static int where_process(void *state, const ferry_batch *in, ferry_batch *out)
{
    where_state *s = state;
    uint32_t ncol = in->schema->ncolumns;
    for (uint32_t r = 0; r < in->nrows; r++) {
        int keep = s->any ? 0 : 1;
        for (size_t i = 0; i < s->n; i++) {
            int m = fp_match(&s->preds[i], ferry_batch_at(in, r, s->preds[i].col));
            if (s->any && m) {
                keep = 1;
                break;
            }
            if (!s->any && !m) {
                keep = 0;
                break;
            }
        }
        if (!keep)
            continue;
        int64_t row = s->host->batch_add_row(out);
        if (row < 0)
            return s->host->error(s->fx, FERRY_ERR, "output batch full");
        memcpy(ferry_batch_at(out, (uint32_t)row, 0), ferry_batch_at(in, r, 0),
               ncol * sizeof(ferry_value));
    }
    return 0;
}

static void where_close(void *state)
{
    (void)state;
}

static const ferry_option where_options[] = {
    FERRY_OPTION(
        "conditions", FERRY_OPT_LIST, FERRY_OPT_REQUIRED, NULL, NULL, where_config, conditions,
        "conditions on columns: \"duration > 3600\", \"project in (A, B)\", "
        "\"description contains 'x'\", \"task is null\", \"task is not null\"; operators = != < <= "
        "> >= in contains; values are converted to the column's type",
        "duration > 3600"),
    FERRY_OPTION("match", FERRY_OPT_STRING, 0, "all", "all|any", where_config, match,
                 "keep a row when all conditions hold, or when any does", NULL),
    {0},
};

static const ferry_filter_ops where_ops = {where_open, where_process, where_close};

static const ferry_plugin_descriptor where_plugin = {
    FERRY_PLUGIN_HEADER,
    FERRY_KIND_FILTER,
    "filter-where",
    "1.0.0",
    "keeps rows by typed conditions on columns (=, !=, <, <=, >, >=, in, contains, is null)",
    where_options,
    sizeof(where_config),
    0,
    0,
    NULL,
    NULL,
    where_init,
    where_destroy,
    NULL,
    &where_ops,
    NULL,
    NULL,
    NULL};
FERRY_PLUGIN_DEFINE(where_plugin)
