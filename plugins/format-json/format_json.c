/*
 * format_json.c — the format-json plugin: a JSON array of objects, or
 * NDJSON (one object a line), one key per column.
 *
 * Streams: each batch is rendered into one reused buffer (json_writer.h)
 * and handed to host->output_write, so memory does not grow with rows.
 * Values follow the column's field style: dates "YYYY-MM-DD", timestamps
 * ISO 8601 with the offset of the style's time zone (rendered by the
 * core's host->format_value, so every format agrees on the zone), durations
 * as the style says (h:mm text, decimal hours or seconds as numbers).
 */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/ferry.h"
#include "json_writer.h"

/* Flush the buffer to the stream once it holds this much. */
#define JSON_FLUSH_BYTES (1u << 20)

typedef struct json_config {
    const char *style;        /* "array" | "ndjson" */
    const char *decimals_as;  /* "string" | "number" */
    const char *keys;         /* "name" | "label" */
    const char *invalid_utf8; /* "replace" | "reject" */
    const char *nonfinite;    /* "null" | "string" */
} json_config;

static const ferry_option json_options[] = {
    FERRY_OPTION(
        "style", FERRY_OPT_STRING, FERRY_OPT_TEMPLATE, "array", "array|ndjson", json_config, style,
        "\"array\": one JSON array of row objects; \"ndjson\": one object per line", "ndjson"),
    FERRY_OPTION("decimals_as", FERRY_OPT_STRING, FERRY_OPT_TEMPLATE, "string", "string|number",
                 json_config, decimals_as,
                 "exact decimals as strings (\"12.50\", no precision lost) or as JSON numbers",
                 NULL),
    FERRY_OPTION(
        "keys", FERRY_OPT_STRING, FERRY_OPT_TEMPLATE, "name", "name|label", json_config, keys,
        "object keys: the field names, or the header labels of the field configuration", NULL),
    FERRY_OPTION("invalid_utf8", FERRY_OPT_STRING, 0, "replace", "replace|reject", json_config,
                 invalid_utf8,
                 "invalid UTF-8 in text: replaced with U+FFFD (and reported), or the export fails "
                 "naming the row",
                 NULL),
    FERRY_OPTION(
        "nonfinite", FERRY_OPT_STRING, FERRY_OPT_TEMPLATE, "null", "null|string", json_config,
        nonfinite,
        "NaN and infinities, which JSON numbers cannot hold: null, or the strings \"NaN\", "
        "\"Infinity\", \"-Infinity\"; each is reported as a warning",
        NULL),
    {0},
};

/* Per column: its key, already a JSON literal with the colon, and a copy
 * of the column whose style renders timestamps as ISO 8601 text. */
typedef struct json_column {
    char *key; /* malloc */
    size_t key_len;
    ferry_column iso;        /* name, label, type from the schema column */
    ferry_field_style style; /* iso.style points here */
} json_column;

typedef struct json_state {
    ferry_ctx *fx;
    const ferry_host *host;
    const json_config *cfg;
    int ndjson, decimals_as_number, reject;
    ferry_output *out;
    const ferry_schema *schema;
    json_column *cols; /* ncols; freed without the schema, which may be gone */
    uint32_t ncols;
    uint64_t rows;
    fj_buf buf;     /* the rendered rows not yet written */
    ferry_buf text; /* core's buffer for host->format_value */
} json_state;

static int json_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    json_state *st = host->alloc(fx, sizeof *st);

    if (!st)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(st, 0, sizeof *st);
    st->fx = fx;
    st->host = host;
    st->cfg = config;
    st->ndjson = strcmp(st->cfg->style, "ndjson") == 0;
    st->decimals_as_number = strcmp(st->cfg->decimals_as, "number") == 0;
    st->reject = strcmp(st->cfg->invalid_utf8, "reject") == 0;
    *state = st;
    return 0;
}

static void json_free_columns(json_state *st)
{
    uint32_t i;

    if (st->cols)
        for (i = 0; i < st->ncols; i++)
            free(st->cols[i].key);
    free(st->cols);
    st->cols = NULL;
    st->ncols = 0;
}

static void json_destroy(void *state)
{
    json_state *st = state;

    if (!st)
        return;
    json_free_columns(st);
    fj_buf_free(&st->buf);
    st->host->buf_free(&st->text);
    st->host->free(st->fx, st);
}

static int json_nomem(json_state *st)
{
    return st->host->error(st->fx, FERRY_ERR_NOMEM, "out of memory");
}

static int json_flush(json_state *st)
{
    int rc;

    if (st->buf.len == 0)
        return 0;
    rc = st->host->output_write(st->out, st->buf.data, st->buf.len);
    if (rc < 0)
        return st->host->error(st->fx, rc, "writing the output failed");
    st->buf.len = 0;
    return 0;
}

/* Two columns of one key would be one member to a JSON reader (Python and
 * JavaScript keep the last): labels alike, or names alike once invalid
 * UTF-8 is replaced. */
static int json_unique_keys(json_state *st)
{
    for (uint32_t i = 0; i < st->ncols; i++)
        for (uint32_t k = 0; k < i; k++)
            if (st->cols[k].key_len == st->cols[i].key_len &&
                memcmp(st->cols[k].key, st->cols[i].key, st->cols[i].key_len) == 0)
                return st->host->error(st->fx, FERRY_ERR_CONFIG,
                                       "columns %u and %u have the same key %.*s (option keys): a "
                                       "JSON reader would keep one of them",
                                       k + 1, i + 1, (int)st->cols[i].key_len - 1, st->cols[i].key);
    return 0;
}

static int json_open(void *state, const ferry_schema *schema, ferry_output *out, const char *path,
                     const char *tmpdir, int64_t row_count)
{
    json_state *st = state;
    int by_label = strcmp(st->cfg->keys, "label") == 0;
    uint32_t i;

    st->out = out;
    st->schema = schema;
    st->rows = 0;
    st->cols = calloc(schema->ncolumns ? schema->ncolumns : 1, sizeof *st->cols);
    if (!st->cols)
        return json_nomem(st);
    st->ncols = schema->ncolumns;
    for (i = 0; i < schema->ncolumns; i++) {
        const ferry_column *c = &schema->columns[i];
        json_column *jc = &st->cols[i];
        const char *k = by_label && c->label ? c->label : c->name;
        fj_buf kb = {0};
        size_t bad = SIZE_MAX;

        if (fj_put_string(&kb, k, strlen(k), st->reject, &bad) == FJ_INVALID) {
            fj_buf_free(&kb);
            return st->host->error(st->fx, FERRY_ERR_DATA,
                                   "invalid UTF-8 in the key of column %u at byte "
                                   "%zu (option invalid_utf8 = \"reject\")",
                                   i + 1, bad);
        }
        if (bad != SIZE_MAX && st->host->size >= offsetof(ferry_host, warn) + sizeof st->host->warn)
            st->host->warn(st->fx, 0, (int32_t)i,
                           "the key of column %u: invalid UTF-8 replaced with U+FFFD", i + 1);
        if (fj_put(&kb, ":", 1) != FJ_OK) {
            fj_buf_free(&kb);
            return json_nomem(st);
        }
        jc->key = kb.data;
        jc->key_len = kb.len;
        jc->iso = *c;
        jc->style = *c->style;
        jc->style.timestamp_format = NULL; /* the core's ISO 8601, see json_timestamp */
        jc->iso.style = &jc->style;
    }
    int rc = json_unique_keys(st);
    if (rc)
        return rc;
    if (!st->ndjson && fj_put(&st->buf, "[", 1) != FJ_OK)
        return json_nomem(st);
    return 0;
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm). */
static void json_civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, yr;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    yr = (int64_t)yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yr + (*m <= 2);
}

/* Runs host->format_value into st->text; returns 0 or an error. */
static int json_text(json_state *st, const ferry_column *col, const ferry_value *v)
{
    int rc;

    st->text.len = 0;
    if (st->text.data)
        st->text.data[0] = '\0';
    rc = st->host->format_value(st->fx, col, v, &st->text);
    if (rc < 0)
        return st->host->error(st->fx, rc, "cannot render column %s", col->name);
    return 0;
}

/* The core's ISO 8601 form: "2024-05-01T09:30:00.250000+02:00", microseconds
 * when there are any, the offset with its colon, the year in four digits. */
static int json_timestamp(json_state *st, json_column *jc, const ferry_value *v)
{
    int rc = json_text(st, &jc->iso, v);
    if (rc < 0)
        return rc;
    return fj_put_string(&st->buf, st->text.data ? st->text.data : "", st->text.len,
                         FJ_UTF8_REPLACE, NULL) == FJ_OK
               ? 0
               : json_nomem(st);
}

/* NaN or an infinity: null or a string by the option, reported either way. */
static int json_nonfinite(json_state *st, json_column *jc, double x, uint64_t row)
{
    const char *t = isnan(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
    int as_string = strcmp(st->cfg->nonfinite, "string") == 0;
    if (st->host->size >= offsetof(ferry_host, warn) + sizeof st->host->warn)
        st->host->warn(st->fx, row, (int32_t)(jc - st->cols), "column %s: %s written as %s",
                       jc->iso.name, t, as_string ? "a string" : "null");
    int rc = as_string ? fj_put_string(&st->buf, t, strlen(t), FJ_UTF8_REPLACE, NULL)
                       : fj_put(&st->buf, "null", 4);
    return rc == FJ_OK ? 0 : json_nomem(st);
}

static int json_value(json_state *st, json_column *jc, const ferry_value *v, uint64_t row)
{
    char tmp[32];
    size_t bad = 0;
    int rc = FJ_OK;

    switch (v->type) {
    case FERRY_TYPE_NULL:
        rc = fj_put(&st->buf, "null", 4);
        break;
    case FERRY_TYPE_BOOL:
        rc = v->u.i64 ? fj_put(&st->buf, "true", 4) : fj_put(&st->buf, "false", 5);
        break;
    case FERRY_TYPE_INT64:
        rc = fj_put_i64(&st->buf, v->u.i64);
        break;
    case FERRY_TYPE_DOUBLE:
        if (!isfinite(v->u.f64))
            return json_nonfinite(st, jc, v->u.f64, row);
        rc = fj_put_double(&st->buf, v->u.f64, jc->style.decimals);
        break;
    case FERRY_TYPE_DECIMAL:
        /* an integer column's exact value beyond int64 (BIGINT UNSIGNED) is a number */
        if ((st->decimals_as_number || jc->iso.type == FERRY_TYPE_INT64) &&
            fj_is_number(v->u.str, v->len))
            rc = fj_put(&st->buf, v->u.str, v->len);
        else
            rc = fj_put_string(&st->buf, v->u.str, v->len, FJ_UTF8_REPLACE, NULL);
        break;
    case FERRY_TYPE_STRING:
        if ((jc->iso.flags & FERRY_COLUMN_JSON) &&
            (rc = fj_put_json_doc(&st->buf, v->u.str, v->len)) != FJ_INVALID)
            break; /* nested as JSON; text that is not JSON stays a string */
        rc = fj_put_string(&st->buf, v->u.str, v->len, st->reject, &bad);
        if (rc == FJ_INVALID)
            return st->host->error(st->fx, FERRY_ERR_DATA,
                                   "invalid UTF-8 in column %s, row %" PRIu64
                                   ", byte %zu (option invalid_utf8 = \"reject\")",
                                   jc->iso.name, row, bad + 1);
        if (rc == FJ_OK && bad != SIZE_MAX &&
            st->host->size >= offsetof(ferry_host, warn) + sizeof st->host->warn)
            st->host->warn(st->fx, row, (int32_t)(jc - st->cols),
                           "column %s: invalid UTF-8 replaced with U+FFFD", jc->iso.name);
        break;
    case FERRY_TYPE_DATE: {
        int64_t y;
        unsigned m, d;
        int k;
        json_civil(v->u.i64, &y, &m, &d);
        k = snprintf(tmp, sizeof tmp, "%04" PRId64 "-%02u-%02u", y, m, d);
        rc = fj_put_string(&st->buf, tmp, (size_t)k, FJ_UTF8_REPLACE, NULL);
        break;
    }
    case FERRY_TYPE_TIMESTAMP:
        return json_timestamp(st, jc, v);
    case FERRY_TYPE_DURATION: {
        int as_number = jc->style.duration_style == FERRY_DURATION_HOURS ||
                        jc->style.duration_style == FERRY_DURATION_SECONDS;
        int r = json_text(st, &jc->iso, v);
        const char *t;
        if (r < 0)
            return r;
        t = st->text.data ? st->text.data : "";
        if (as_number && fj_is_number(t, st->text.len))
            rc = fj_put(&st->buf, t, st->text.len);
        else
            rc = fj_put_string(&st->buf, t, st->text.len, FJ_UTF8_REPLACE, NULL);
        break;
    }
    default:
        return st->host->error(st->fx, FERRY_ERR_DATA, "column %s has a value of unknown type %d",
                               jc->iso.name, v->type);
    }
    return rc == FJ_OK ? 0 : json_nomem(st);
}

static int json_write(void *state, const ferry_batch *batch)
{
    json_state *st = state;
    uint32_t r, c, nc = st->schema->ncolumns;
    int rc;

    for (r = 0; r < batch->nrows; r++) {
        const char *lead = st->ndjson ? "{" : (st->rows ? ",\n{" : "\n{");
        if (fj_puts(&st->buf, lead) != FJ_OK)
            return json_nomem(st);
        st->rows++;
        for (c = 0; c < nc; c++) {
            if ((c && fj_put(&st->buf, ",", 1) != FJ_OK) ||
                fj_put(&st->buf, st->cols[c].key, st->cols[c].key_len) != FJ_OK)
                return json_nomem(st);
            rc = json_value(st, &st->cols[c], ferry_batch_at(batch, r, c), st->rows);
            if (rc < 0)
                return rc;
        }
        if (fj_puts(&st->buf, st->ndjson ? "}\n" : "}") != FJ_OK)
            return json_nomem(st);
        if (st->buf.len >= JSON_FLUSH_BYTES && (rc = json_flush(st)) < 0)
            return rc;
    }
    return json_flush(st);
}

static int json_finish(void *state)
{
    json_state *st = state;

    if (!st->ndjson && fj_puts(&st->buf, st->rows ? "\n]\n" : "]\n") != FJ_OK)
        return json_nomem(st);
    return json_flush(st);
}

static void json_close(void *state)
{
    json_state *st = state;

    json_free_columns(st);
    st->schema = NULL;
    st->out = NULL;
}

static const ferry_format_ops json_ops = {json_open, json_write, json_finish, json_close};

static const ferry_plugin_descriptor format_json = {
    FERRY_PLUGIN_HEADER,
    FERRY_KIND_FORMAT,
    "format-json",
    "1.0.0",
    "JSON array or NDJSON: typed values, exact decimals, ISO 8601 timestamps with offset",
    json_options,
    sizeof(json_config),
    0,
    0,
    "json",
    "application/json",
    json_init,
    json_destroy,
    NULL,
    NULL,
    &json_ops,
    NULL,
    NULL};

FERRY_PLUGIN_DEFINE(format_json)
