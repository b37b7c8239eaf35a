/*
 * filter_upper.c — an example ferry filter (docs/plugin-guide.md): upper-
 * cases the ASCII letters of chosen string columns. Everything a filter
 * needs is here: the config struct and its option table, init/destroy with
 * memory from the host, open (check the input schema), process (rows from
 * the input batch into the output batch), errors through host->error.
 *
 * Build:  make            (pkg-config ferry-plugin)
 *    or:  cmake -B build && cmake --build build    (find_package(ferry))
 * Check:  ferry plugins check ./filter-upper.so
 */
#include <stddef.h>
#include <string.h>

#include <ferry/ferry.h>

/* The options, filled by ferry from the pipeline config before init. */
typedef struct upper_config {
    ferry_strlist columns; /* owned by ferry; valid until destroy */
} upper_config;

/* One instance's state: ours, freed in destroy. */
typedef struct upper_state {
    ferry_ctx *fx;
    const ferry_host *host;
    const upper_config *cfg;
    unsigned char *upper; /* per input column: 1 to upper-case it */
    char *scratch;        /* a buffer for one value */
    size_t scratch_cap;
} upper_state;

static void upper_destroy(void *state)
{
    upper_state *s = state;
    if (!s) /* destroy also runs after a failed init */
        return;
    s->host->free(s->fx, s->upper);
    s->host->free(s->fx, s->scratch);
    s->host->free(s->fx, s);
}

static int upper_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    upper_state *s = host->alloc(fx, sizeof *s);
    if (!s)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    s->fx = fx;
    s->host = host;
    s->cfg = config;
    *state = s;
    if (s->cfg->columns.n == 0)
        return host->error(fx, FERRY_ERR_CONFIG, "option columns: name at least one column");
    return 0;
}

static int upper_open(void *state, const ferry_schema *in, const ferry_schema **out)
{
    upper_state *s = state;
    s->host->free(s->fx, s->upper);
    s->upper = s->host->alloc(s->fx, in->ncolumns + 1);
    if (!s->upper)
        return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
    memset(s->upper, 0, in->ncolumns + 1);
    for (size_t i = 0; i < s->cfg->columns.n; i++) {
        const char *name = s->cfg->columns.items[i];
        uint32_t c;
        for (c = 0; c < in->ncolumns; c++)
            if (strcmp(in->columns[c].name, name) == 0)
                break;
        if (c == in->ncolumns)
            return s->host->error(s->fx, FERRY_ERR_CONFIG, "option columns: no column \"%s\"",
                                  name);
        if (in->columns[c].type != FERRY_TYPE_STRING)
            return s->host->error(s->fx, FERRY_ERR_CONFIG,
                                  "option columns: \"%s\" is a %s column, not a string", name,
                                  ferry_type_name(in->columns[c].type));
        s->upper[c] = 1;
    }
    *out = in; /* same columns, same types */
    return 0;
}

static int upper_process(void *state, const ferry_batch *in, ferry_batch *out)
{
    upper_state *s = state;
    uint32_t ncol = in->schema->ncolumns;
    for (uint32_t r = 0; r < in->nrows; r++) {
        int64_t row = s->host->batch_add_row(out);
        if (row < 0)
            return s->host->error(s->fx, FERRY_ERR, "output batch full");
        for (uint32_t c = 0; c < ncol; c++) {
            const ferry_value *v = ferry_batch_at(in, r, c);
            if (!s->upper[c] || ferry_value_is_null(v)) {
                /* Pointing at the input's bytes is fine: ferry keeps the
                 * input batch alive until the output is consumed. */
                *ferry_batch_at(out, (uint32_t)row, c) = *v;
                continue;
            }
            if (v->len + 1 > s->scratch_cap) {
                s->host->free(s->fx, s->scratch);
                s->scratch_cap = v->len + 1 > 256 ? v->len + 1 : 256;
                s->scratch = s->host->alloc(s->fx, s->scratch_cap);
                if (!s->scratch)
                    return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
            }
            for (uint32_t k = 0; k < v->len; k++) {
                char ch = v->u.str[k];
                s->scratch[k] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
            }
            /* New bytes are copied into the output batch's arena. */
            int rc = s->host->batch_set_bytes(out, (uint32_t)row, c, FERRY_TYPE_STRING, s->scratch,
                                              v->len);
            if (rc)
                return s->host->error(s->fx, rc, "out of memory in the output batch");
        }
    }
    return 0;
}

static void upper_close(void *state)
{
    (void)state;
}

static const ferry_option upper_options[] = {
    /* name, type, flags, default, allowed, struct, field, help, example */
    FERRY_OPTION("columns", FERRY_OPT_LIST, FERRY_OPT_REQUIRED, NULL, NULL, upper_config, columns,
                 "string columns to upper-case (ASCII letters)", "project,description"),
    {0}};

static const ferry_filter_ops upper_ops = {upper_open, upper_process, upper_close};

static const ferry_plugin_descriptor upper_plugin = {
    FERRY_PLUGIN_HEADER, /* magic, ABI major and minor, size */
    FERRY_KIND_FILTER,
    "filter-upper",
    "1.0.0",
    "upper-cases chosen string columns (an example plugin)",
    upper_options,
    sizeof(upper_config),
    0,    /* flags */
    0,    /* reserved */
    NULL, /* extension: formats and encoders only */
    NULL, /* content type: formats and encoders only */
    upper_init,
    upper_destroy,
    NULL, /* source */
    &upper_ops,
    NULL, /* format */
    NULL, /* encode */
    NULL  /* sink */
};
FERRY_PLUGIN_DEFINE(upper_plugin)
