/*
 * filter_compute.c — filter-compute: adds (or replaces) columns computed by
 * a small, fixed set of functions, one per expression "name = func(column)":
 *
 *   duration_hours(d)     duration -> double, decimal hours (5400 s -> 1.5)
 *   duration_minutes(d)   duration -> int64, whole minutes (truncated)
 *   duration_seconds(d)   duration -> int64, whole seconds (truncated)
 *   date_trunc_week(t)    date or timestamp -> date, the Monday of its ISO week
 *   date_trunc_month(t)   date or timestamp -> date, the first of its month
 *   date_trunc_year(t)    date or timestamp -> date, January 1st
 *   to_date(t)            timestamp -> date (UTC), a date stays itself
 *   year(t), month(t)     date or timestamp -> int64
 *   iso_week(t)           date or timestamp -> string "2024-W05"
 *   upper(s), lower(s)    string -> string (ASCII letters; other bytes kept)
 *   text(x)               any -> string, its canonical text
 *   copy(x)               any -> the same value
 *
 * Timestamps are taken in UTC. A null argument gives null. A name equal to
 * an existing column replaces it in place; otherwise the column is added
 * at the end. A copy keeps the column's flags (a JSON document stays one);
 * every other function's result has none. Expressions run in order and may use columns computed
 * before them.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ferry/ferry.h"
#include "fvalue.h"

typedef struct compute_config {
    ferry_strlist columns;
} compute_config;

typedef enum fn_id {
    FN_DURATION_HOURS,
    FN_DURATION_MINUTES,
    FN_DURATION_SECONDS,
    FN_TRUNC_WEEK,
    FN_TRUNC_MONTH,
    FN_TRUNC_YEAR,
    FN_TO_DATE,
    FN_YEAR,
    FN_MONTH,
    FN_ISO_WEEK,
    FN_UPPER,
    FN_LOWER,
    FN_TEXT,
    FN_COPY
} fn_id;

/* Argument type classes a function accepts. */
enum { ARG_DURATION = 1, ARG_DATELIKE = 2, ARG_STRING = 4, ARG_ANY = 8 };

static const struct fn_def {
    const char *name;
    fn_id id;
    int args;   /* accepted argument classes */
    int result; /* ferry_type; FERRY_TYPE_NULL: the argument's */
} fns[] = {
    {"duration_hours", FN_DURATION_HOURS, ARG_DURATION, FERRY_TYPE_DOUBLE},
    {"duration_minutes", FN_DURATION_MINUTES, ARG_DURATION, FERRY_TYPE_INT64},
    {"duration_seconds", FN_DURATION_SECONDS, ARG_DURATION, FERRY_TYPE_INT64},
    {"date_trunc_week", FN_TRUNC_WEEK, ARG_DATELIKE, FERRY_TYPE_DATE},
    {"date_trunc_month", FN_TRUNC_MONTH, ARG_DATELIKE, FERRY_TYPE_DATE},
    {"date_trunc_year", FN_TRUNC_YEAR, ARG_DATELIKE, FERRY_TYPE_DATE},
    {"to_date", FN_TO_DATE, ARG_DATELIKE, FERRY_TYPE_DATE},
    {"year", FN_YEAR, ARG_DATELIKE, FERRY_TYPE_INT64},
    {"month", FN_MONTH, ARG_DATELIKE, FERRY_TYPE_INT64},
    {"iso_week", FN_ISO_WEEK, ARG_DATELIKE, FERRY_TYPE_STRING},
    {"upper", FN_UPPER, ARG_STRING, FERRY_TYPE_STRING},
    {"lower", FN_LOWER, ARG_STRING, FERRY_TYPE_STRING},
    {"text", FN_TEXT, ARG_ANY, FERRY_TYPE_STRING},
    {"copy", FN_COPY, ARG_ANY, FERRY_TYPE_NULL},
};

typedef struct expr {
    const char *text; /* as configured */
    char name[128];
    char arg[128];
    const struct fn_def *fn;
    uint32_t arg_col; /* column of the schema before this expression */
    uint32_t out_col; /* column it writes */
} expr;

typedef struct compute_state {
    ferry_ctx *fx;
    const ferry_host *host;
    size_t n;
    expr *exprs;           /* owned */
    ferry_schema schema;   /* output */
    ferry_column *columns; /* owned */
    uint32_t nin;          /* input columns */
    char *scratch;         /* owned, for upper/lower */
    size_t scratch_cap;
} compute_state;

static void compute_destroy(void *state)
{
    compute_state *s = state;
    if (!s)
        return;
    if (s->exprs)
        s->host->free(s->fx, s->exprs);
    if (s->columns)
        s->host->free(s->fx, s->columns);
    if (s->scratch)
        s->host->free(s->fx, s->scratch);
    s->host->free(s->fx, s);
}

/* "name = func(arg)" */
static int parse_expr(expr *e, const char *text, char *why, size_t cap)
{
    const char *p = text;
    size_t n;
#define SKIP_WS()                                                                                  \
    do {                                                                                           \
        while (isspace((unsigned char)*p))                                                         \
            p++;                                                                                   \
    } while (0)
#define IDENT(dst, what)                                                                           \
    do {                                                                                           \
        n = 0;                                                                                     \
        while (isalnum((unsigned char)p[n]) || p[n] == '_')                                        \
            n++;                                                                                   \
        if (n == 0 || n >= sizeof(dst)) {                                                          \
            snprintf(why, cap, "expected %s", what);                                               \
            return -1;                                                                             \
        }                                                                                          \
        memcpy(dst, p, n);                                                                         \
        dst[n] = '\0';                                                                             \
        p += n;                                                                                    \
    } while (0)
    char fname[64];
    SKIP_WS();
    IDENT(e->name, "a column name before \"=\"");
    SKIP_WS();
    if (*p++ != '=') {
        snprintf(why, cap, "expected \"=\" after \"%s\"", e->name);
        return -1;
    }
    SKIP_WS();
    IDENT(fname, "a function name after \"=\"");
    e->fn = NULL;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (strcmp(fns[i].name, fname) == 0)
            e->fn = &fns[i];
    if (!e->fn) {
        snprintf(why, cap,
                 "unknown function \"%s\" (known: duration_hours, duration_minutes, "
                 "duration_seconds, date_trunc_week, date_trunc_month, date_trunc_year, to_date, "
                 "year, month, iso_week, upper, lower, text, copy)",
                 fname);
        return -1;
    }
    SKIP_WS();
    if (*p++ != '(') {
        snprintf(why, cap, "expected \"(\" after \"%s\"", fname);
        return -1;
    }
    SKIP_WS();
    IDENT(e->arg, "a column name as the argument");
    SKIP_WS();
    if (*p++ != ')') {
        snprintf(why, cap, "expected \")\" after \"%s\" (functions take one column)", e->arg);
        return -1;
    }
    SKIP_WS();
    if (*p) {
        snprintf(why, cap, "unexpected text \"%s\"", p);
        return -1;
    }
    return 0;
#undef SKIP_WS
#undef IDENT
}

static int compute_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    const compute_config *cfg = config;
    compute_state *s = host->alloc(fx, sizeof *s);
    if (!s)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    s->fx = fx;
    s->host = host;
    *state = s;
    if (cfg->columns.n == 0)
        return host->error(fx, FERRY_ERR_CONFIG, "option columns: give at least one expression");
    s->exprs = host->alloc(fx, cfg->columns.n * sizeof *s->exprs);
    if (!s->exprs)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(s->exprs, 0, cfg->columns.n * sizeof *s->exprs);
    s->n = cfg->columns.n;
    for (size_t i = 0; i < s->n; i++) {
        char why[512];
        s->exprs[i].text = cfg->columns.items[i];
        if (parse_expr(&s->exprs[i], cfg->columns.items[i], why, sizeof why))
            return host->error(fx, FERRY_ERR_CONFIG, "expression \"%s\": %s", cfg->columns.items[i],
                               why);
    }
    return 0;
}

static int arg_class(int type)
{
    switch (type) {
    case FERRY_TYPE_DURATION:
        return ARG_DURATION | ARG_ANY;
    case FERRY_TYPE_DATE:
    case FERRY_TYPE_TIMESTAMP:
        return ARG_DATELIKE | ARG_ANY;
    case FERRY_TYPE_STRING:
        return ARG_STRING | ARG_ANY;
    default:
        return ARG_ANY;
    }
}

static int compute_open(void *state, const ferry_schema *in, const ferry_schema **out)
{
    compute_state *s = state;
    if (s->columns)
        s->host->free(s->fx, s->columns);
    s->columns = s->host->alloc(s->fx, (in->ncolumns + s->n + 1) * sizeof *s->columns);
    if (!s->columns)
        return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
    if (in->ncolumns)
        memcpy(s->columns, in->columns, in->ncolumns * sizeof *s->columns);
    uint32_t n = in->ncolumns;
    s->nin = in->ncolumns;
    for (size_t i = 0; i < s->n; i++) {
        expr *e = &s->exprs[i];
        uint32_t c;
        for (c = 0; c < n; c++)
            if (strcmp(s->columns[c].name, e->arg) == 0)
                break;
        if (c == n)
            return s->host->error(s->fx, FERRY_ERR_CONFIG, "expression \"%s\": no column \"%s\"",
                                  e->text, e->arg);
        int at = s->columns[c].type;
        if (!(arg_class(at) & e->fn->args))
            return s->host->error(s->fx, FERRY_ERR_CONFIG,
                                  "expression \"%s\": %s() does not take a %s column (\"%s\")",
                                  e->text, e->fn->name, ferry_type_name(at), e->arg);
        e->arg_col = c;
        int rt = e->fn->result == FERRY_TYPE_NULL ? at : e->fn->result;
        if (e->fn->id == FN_TO_DATE)
            rt = FERRY_TYPE_DATE;
        uint32_t o;
        for (o = 0; o < n; o++)
            if (strcmp(s->columns[o].name, e->name) == 0)
                break;
        uint32_t flags = e->fn->id == FN_COPY ? s->columns[c].flags : 0; /* text is no JSON */
        if (o == n) {
            s->columns[o].name = e->name;
            s->columns[o].label = e->name;
            s->columns[o].style = s->columns[c].style; /* a style the core handed out */
            n++;
        }
        s->columns[o].type = rt;
        s->columns[o].flags = flags;
        e->out_col = o;
    }
    s->schema.ncolumns = n;
    s->schema.columns = s->columns;
    *out = &s->schema;
    return 0;
}

#define US_PER_DAY (INT64_C(86400000000))

static int64_t to_days(const ferry_value *v)
{
    if (v->type == FERRY_TYPE_DATE)
        return v->u.i64;
    int64_t q = v->u.i64 / US_PER_DAY;
    if (v->u.i64 % US_PER_DAY < 0)
        q--;
    return q;
}

/* ISO weekday, Monday 0 … Sunday 6, of a day number (1970-01-01 was a Thursday). */
static int weekday(int64_t days)
{
    int64_t w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

static int compute_one(compute_state *s, const expr *e, ferry_batch *out, uint32_t row)
{
    const ferry_value *v = ferry_batch_at(out, row, e->arg_col);
    ferry_value val = *v, *o = ferry_batch_at(out, row, e->out_col);
    if (ferry_value_is_null(&val)) {
        ferry_value_set_null(o);
        return 0;
    }
    int64_t y;
    unsigned m, d;
    switch (e->fn->id) {
    case FN_DURATION_HOURS:
        ferry_value_set_f64(o, (double)val.u.i64 / 3600e6);
        return 0;
    case FN_DURATION_MINUTES:
        ferry_value_set_i64(o, FERRY_TYPE_INT64, val.u.i64 / INT64_C(60000000));
        return 0;
    case FN_DURATION_SECONDS:
        ferry_value_set_i64(o, FERRY_TYPE_INT64, val.u.i64 / INT64_C(1000000));
        return 0;
    case FN_TRUNC_WEEK: {
        int64_t days = to_days(&val);
        ferry_value_set_i64(o, FERRY_TYPE_DATE, days - weekday(days));
        return 0;
    }
    case FN_TRUNC_MONTH:
    case FN_TRUNC_YEAR:
        fv_civil_from_days(to_days(&val), &y, &m, &d);
        ferry_value_set_i64(o, FERRY_TYPE_DATE,
                            fv_days_from_civil(y, e->fn->id == FN_TRUNC_YEAR ? 1 : m, 1));
        return 0;
    case FN_TO_DATE:
        ferry_value_set_i64(o, FERRY_TYPE_DATE, to_days(&val));
        return 0;
    case FN_YEAR:
    case FN_MONTH:
        fv_civil_from_days(to_days(&val), &y, &m, &d);
        ferry_value_set_i64(o, FERRY_TYPE_INT64, e->fn->id == FN_YEAR ? y : (int64_t)m);
        return 0;
    case FN_ISO_WEEK: {
        int64_t days = to_days(&val);
        int64_t thursday = days - weekday(days) + 3; /* the ISO year is the Thursday's */
        fv_civil_from_days(thursday, &y, &m, &d);
        int64_t week = (thursday - fv_days_from_civil(y, 1, 1)) / 7 + 1;
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%04lld-W%02lld", (long long)y, (long long)week);
        return s->host->batch_set_bytes(out, row, e->out_col, FERRY_TYPE_STRING, buf, (size_t)n);
    }
    case FN_UPPER:
    case FN_LOWER: {
        if (val.len + 1 > s->scratch_cap) {
            size_t cap = val.len + 1 > 256 ? val.len + 1 : 256;
            char *p = s->host->alloc(s->fx, cap);
            if (!p)
                return FERRY_ERR_NOMEM;
            if (s->scratch)
                s->host->free(s->fx, s->scratch);
            s->scratch = p;
            s->scratch_cap = cap;
        }
        for (uint32_t k = 0; k < val.len; k++) {
            unsigned char c = (unsigned char)val.u.str[k];
            s->scratch[k] =
                (char)(c < 0x80 ? (e->fn->id == FN_UPPER ? toupper(c) : tolower(c)) : c);
        }
        return s->host->batch_set_bytes(out, row, e->out_col, FERRY_TYPE_STRING, s->scratch,
                                        val.len);
    }
    case FN_TEXT: {
        char buf[64];
        size_t len;
        const char *t = fv_text(&val, buf, sizeof buf, &len);
        if (t != buf) { /* a string's own bytes */
            ferry_value_set_ref(o, FERRY_TYPE_STRING, t, (uint32_t)len);
            return 0;
        }
        return s->host->batch_set_bytes(out, row, e->out_col, FERRY_TYPE_STRING, buf, len);
    }
    case FN_COPY:
        *o = val;
        return 0;
    }
    return FERRY_ERR;
}

static int compute_process(void *state, const ferry_batch *in, ferry_batch *out)
{
    compute_state *s = state;
    for (uint32_t r = 0; r < in->nrows; r++) {
        int64_t row = s->host->batch_add_row(out);
        if (row < 0)
            return s->host->error(s->fx, FERRY_ERR, "output batch full");
        if (s->nin)
            memcpy(ferry_batch_at(out, (uint32_t)row, 0), ferry_batch_at(in, r, 0),
                   s->nin * sizeof(ferry_value));
        for (size_t i = 0; i < s->n; i++) {
            int rc = compute_one(s, &s->exprs[i], out, (uint32_t)row);
            if (rc)
                return s->host->error(s->fx, rc, "expression \"%s\": out of memory",
                                      s->exprs[i].text);
        }
    }
    return 0;
}

static void compute_close(void *state)
{
    (void)state;
}

static const ferry_option compute_options[] = {
    FERRY_OPTION(
        "columns", FERRY_OPT_LIST, FERRY_OPT_REQUIRED, NULL, NULL, compute_config, columns,
        "expressions \"name = func(column)\"; func is one of duration_hours, duration_minutes, "
        "duration_seconds, date_trunc_week, date_trunc_month, date_trunc_year, to_date, year, "
        "month, "
        "iso_week, upper, lower, text, copy",
        "hours = duration_hours(duration)"),
    {0},
};

static const ferry_filter_ops compute_ops = {compute_open, compute_process, compute_close};

static const ferry_plugin_descriptor compute_plugin = {
    FERRY_PLUGIN_HEADER,
    FERRY_KIND_FILTER,
    "filter-compute",
    "1.0.0",
    "adds columns computed from others: decimal hours, week or month of a date, upper case, …",
    compute_options,
    sizeof(compute_config),
    0,
    0,
    NULL,
    NULL,
    compute_init,
    compute_destroy,
    NULL,
    &compute_ops,
    NULL,
    NULL,
    NULL};
FERRY_PLUGIN_DEFINE(compute_plugin)
