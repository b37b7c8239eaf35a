/*
 * source_csv.c — source-csv: reads an RFC 4180 file (csv_reader.c) into
 * typed columns declared as "name:type" (fvalue.h gives the text syntax of
 * each type). With a header, declared columns are found by name; without,
 * by position. It honours the ferry_query: `fields` select and order the
 * output columns, and every predicate is applied in memory (fpred.h) on
 * the declared columns. A bad value is an error "path:line:column: …".
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "csv_reader.h"
#include "ferry/ferry.h"
#include "fpred.h"
#include "fvalue.h"

typedef struct csv_config {
    const char *path;
    ferry_strlist columns;
    int header;
    const char *delimiter;
    int empty_is_null;
} csv_config;

typedef struct csv_state {
    ferry_ctx *fx;
    const ferry_host *host;
    const csv_config *cfg;
    char delim;
    uint32_t ndecl;        /* declared columns */
    ferry_column *decl;    /* ndecl, owned; names point into `names` */
    char *names;           /* owned */
    uint32_t *pos;         /* file field of each declared column; owned */
    size_t nfile;          /* fields a record must have (0: not known yet) */
    ferry_schema schema;   /* output */
    ferry_column *outcols; /* owned */
    uint32_t *outmap;      /* output column -> declared column; owned */
    size_t npreds;
    fp_pred *preds;   /* owned */
    ferry_value *row; /* ndecl parsed values; owned */
    csv_reader rd;
    int open;
} csv_state;

static void *xalloc(csv_state *s, size_t n)
{
    void *p = s->host->alloc(s->fx, n ? n : 1);
    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

static void xfree(csv_state *s, void *p)
{
    if (p)
        s->host->free(s->fx, p);
}

static void csv_close(void *state)
{
    csv_state *s = state;
    if (!s)
        return;
    csv_reader_close(&s->rd);
    for (size_t i = 0; i < s->npreds; i++)
        fp_free(&s->preds[i], s->host, s->fx);
    xfree(s, s->preds);
    xfree(s, s->outcols);
    xfree(s, s->outmap);
    xfree(s, s->row);
    s->preds = NULL;
    s->npreds = 0;
    s->outcols = NULL;
    s->outmap = NULL;
    s->row = NULL;
    s->open = 0;
}

static void free_decl(csv_state *s)
{
    xfree(s, s->decl);
    xfree(s, s->names);
    xfree(s, s->pos);
    s->decl = NULL;
    s->names = NULL;
    s->pos = NULL;
    s->ndecl = 0;
}

static void csv_destroy(void *state)
{
    csv_state *s = state;
    if (!s)
        return;
    csv_close(s);
    free_decl(s);
    s->host->free(s->fx, s);
}

/* Declares columns from "name:type" specs (the type after the last ':', so
 * a name may hold colons) or, with `literal`, from names as they are: the
 * header's fields, all strings. */
static int declare(csv_state *s, const ferry_strlist *specs, int literal)
{
    size_t bytes = 1;
    for (size_t i = 0; i < specs->n; i++)
        bytes += strlen(specs->items[i]) + 1;
    s->ndecl = (uint32_t)specs->n;
    s->decl = xalloc(s, s->ndecl * sizeof *s->decl);
    s->pos = xalloc(s, s->ndecl * sizeof *s->pos);
    s->names = xalloc(s, bytes);
    if (!s->decl || !s->pos || !s->names)
        return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
    char *p = s->names;
    for (uint32_t i = 0; i < s->ndecl; i++) {
        const char *spec = specs->items[i], *colon = literal ? NULL : strrchr(spec, ':');
        size_t nlen = colon ? (size_t)(colon - spec) : strlen(spec);
        int type = FERRY_TYPE_STRING;
        if (colon) {
            type = fv_type_from_name(colon + 1, strlen(colon + 1));
            if (type < 0)
                return s->host->error(
                    s->fx, FERRY_ERR_CONFIG,
                    "option columns: \"%s\": unknown type \"%s\" (bool, int64, double, decimal, "
                    "string, date, timestamp, duration)",
                    spec, colon + 1);
        }
        if (nlen == 0 && literal)
            return s->host->error(s->fx, FERRY_ERR_DATA, "%s:%llu: header field %u is empty",
                                  s->cfg->path, (unsigned long long)s->rd.record_line, i + 1);
        if (nlen == 0)
            return s->host->error(s->fx, FERRY_ERR_CONFIG,
                                  "option columns: \"%s\": a column needs a name", spec);
        memcpy(p, spec, nlen);
        p[nlen] = '\0';
        for (uint32_t k = 0; k < i; k++)
            if (strcmp(s->decl[k].name, p) == 0)
                return literal
                           ? s->host->error(s->fx, FERRY_ERR_DATA,
                                            "%s:%llu: the header names \"%s\" twice", s->cfg->path,
                                            (unsigned long long)s->rd.record_line, p)
                           : s->host->error(s->fx, FERRY_ERR_CONFIG,
                                            "option columns: \"%s\" is declared twice", p);
        s->decl[i].name = p;
        s->decl[i].label = p;
        s->decl[i].type = type;
        s->decl[i].style = NULL; /* the core's: lossless durations, ISO 8601 timestamps */
        s->pos[i] = i;
        p += nlen + 1;
    }
    return 0;
}

static int csv_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    const csv_config *cfg = config;
    csv_state *s = host->alloc(fx, sizeof *s);
    if (!s)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    s->fx = fx;
    s->host = host;
    s->cfg = cfg;
    *state = s;
    const char *d = cfg->delimiter ? cfg->delimiter : ",";
    if (strcmp(d, "tab") == 0 || strcmp(d, "\\t") == 0)
        s->delim = '\t';
    else if (strlen(d) == 1 && d[0] != '"' && d[0] != '\r' && d[0] != '\n')
        s->delim = d[0];
    else
        return host->error(fx, FERRY_ERR_CONFIG,
                           "option delimiter: \"%s\" is not one character (or \"tab\")", d);
    if (!cfg->header && cfg->columns.n == 0)
        return host->error(fx, FERRY_ERR_CONFIG, "option columns: needed when header is false");
    if (cfg->columns.n)
        return declare(s, &cfg->columns, 0);
    return 0;
}

static int fail_at(csv_state *s, int code, const char *where, const char *why)
{
    return s->host->error(s->fx, code, "%s:%s: %s", s->cfg->path, where, why);
}

/* Reads the header and finds each declared column in it. */
static int read_header(csv_state *s)
{
    char why[512];
    int eof, rc = csv_reader_next(&s->rd, &eof, why, sizeof why);
    if (rc)
        return s->host->error(s->fx, rc, "%s:%s", s->cfg->path, why);
    if (eof)
        return s->host->error(s->fx, FERRY_ERR_DATA, "%s:1: the header row is missing",
                              s->cfg->path);
    s->nfile = s->rd.nfields;
    if (s->ndecl == 0) { /* every header field, as a string column */
        for (size_t i = 0; i < s->nfile; i++) {
            const csv_field *f = &s->rd.fields[i];
            if (strlen(csv_field_text(&s->rd, i)) != f->len) /* a name is a C string */
                return s->host->error(s->fx, FERRY_ERR_DATA,
                                      "%s:%llu:%u: header field %zu holds a NUL byte, which no "
                                      "column name can",
                                      s->cfg->path, (unsigned long long)f->line, f->col, i + 1);
        }
        ferry_strlist names;
        const char **items = xalloc(s, s->nfile * sizeof *items);
        if (!items)
            return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < s->nfile; i++)
            items[i] = csv_field_text(&s->rd, i);
        names.n = s->nfile;
        names.items = items;
        rc = declare(s, &names, 1);
        xfree(s, items);
        return rc;
    }
    for (uint32_t c = 0; c < s->ndecl; c++) {
        size_t i;
        for (i = 0; i < s->nfile; i++) /* "a\0b" is no column "a" */
            if (s->rd.fields[i].len == strlen(s->decl[c].name) &&
                strcmp(csv_field_text(&s->rd, i), s->decl[c].name) == 0)
                break;
        if (i == s->nfile)
            return s->host->error(s->fx, FERRY_ERR_DATA, "%s:%llu: the header has no column \"%s\"",
                                  s->cfg->path, (unsigned long long)s->rd.record_line,
                                  s->decl[c].name);
        s->pos[c] = (uint32_t)i;
    }
    return 0;
}

static int csv_open(void *state, const ferry_query *query, const ferry_schema **schema,
                    int64_t *row_count)
{
    csv_state *s = state;
    char why[512];
    csv_close(s);
    if (!s->cfg->columns.n)
        free_decl(s);
    *row_count = -1;
    int rc = csv_reader_open(&s->rd, s->cfg->path, s->delim, s->host, s->fx, why, sizeof why);
    if (rc)
        return s->host->error(s->fx, rc, "%s: %s", s->cfg->path, why);
    s->open = 1;
    s->nfile = s->cfg->header ? 0 : s->ndecl;
    if (s->cfg->header && (rc = read_header(s)))
        return rc;

    /* The output columns: the query's fields, in its order, or all. */
    uint32_t nout = query && query->nfields ? query->nfields : s->ndecl;
    s->outcols = xalloc(s, nout * sizeof *s->outcols);
    s->outmap = xalloc(s, nout * sizeof *s->outmap);
    s->row = xalloc(s, s->ndecl * sizeof *s->row);
    if (!s->outcols || !s->outmap || !s->row)
        return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
    for (uint32_t k = 0; k < nout; k++) {
        uint32_t c = k;
        if (query && query->nfields) {
            for (c = 0; c < s->ndecl; c++)
                if (strcmp(s->decl[c].name, query->fields[k]) == 0)
                    break;
            if (c == s->ndecl)
                return s->host->error(s->fx, FERRY_ERR_CONFIG,
                                      "%s: no column \"%s\" (declared: see option columns)",
                                      s->cfg->path, query->fields[k]);
        }
        s->outmap[k] = c;
        s->outcols[k] = s->decl[c];
    }
    s->schema.ncolumns = nout;
    s->schema.columns = s->outcols;

    /* Predicates, on the declared columns. */
    ferry_schema all = {s->ndecl, 0, s->decl};
    if (query && query->npredicates) {
        s->preds = xalloc(s, query->npredicates * sizeof *s->preds);
        if (!s->preds)
            return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
        for (uint32_t i = 0; i < query->npredicates; i++) {
            const ferry_predicate *p = &query->predicates[i];
            s->npreds = i + 1;
            if (fp_compile(&s->preds[i], &all, p->column, p->op, p->values, p->nvalues, s->host,
                           s->fx, why, sizeof why))
                return s->host->error(s->fx, FERRY_ERR_CONFIG, "%s: filter on \"%s\": %s",
                                      s->cfg->path, p->column, why);
        }
    }
    *schema = &s->schema;
    return 0;
}

/* Parses the current record into s->row; 0 or an error. */
static int parse_record(csv_state *s)
{
    const csv_reader *r = &s->rd;
    char where[64], why[512];
    if (s->nfile && r->nfields != s->nfile) {
        snprintf(where, sizeof where, "%llu", (unsigned long long)r->record_line);
        snprintf(why, sizeof why, "expected %zu fields, found %zu", s->nfile, r->nfields);
        return fail_at(s, FERRY_ERR_DATA, where, why);
    }
    for (uint32_t c = 0; c < s->ndecl; c++) {
        const csv_field *f = &r->fields[s->pos[c]];
        const char *text = csv_field_text(r, s->pos[c]);
        ferry_value *v = &s->row[c];
        if (f->len == 0 &&
            (s->decl[c].type != FERRY_TYPE_STRING || (!f->quoted && s->cfg->empty_is_null))) {
            ferry_value_set_null(v);
            continue;
        }
        const char *bad = NULL;
        if (fv_parse(s->decl[c].type, text, f->len, v, &bad)) {
            snprintf(where, sizeof where, "%llu:%u", (unsigned long long)f->line, f->col);
            snprintf(why, sizeof why, "column \"%s\": \"%.*s\" is %s", s->decl[c].name,
                     (int)(f->len > 80 ? 80 : f->len), text, bad);
            return fail_at(s, FERRY_ERR_DATA, where, why);
        }
    }
    return 0;
}

static int csv_read(void *state, ferry_batch *batch, int *eof)
{
    csv_state *s = state;
    *eof = 0;
    if (!s->open)
        return s->host->error(s->fx, FERRY_ERR, "read before open");
    while (batch->nrows < batch->capacity) {
        char why[512];
        int rc = csv_reader_next(&s->rd, eof, why, sizeof why);
        if (rc)
            return s->host->error(s->fx, rc, "%s:%s", s->cfg->path, why);
        if (*eof)
            return 0;
        if (!s->nfile)
            s->nfile = s->rd.nfields;
        if ((rc = parse_record(s)))
            return rc;
        int keep = 1;
        for (size_t i = 0; i < s->npreds && keep; i++)
            keep = fp_match(&s->preds[i], &s->row[s->preds[i].col]);
        if (!keep)
            continue;
        int64_t row = s->host->batch_add_row(batch);
        if (row < 0)
            return s->host->error(s->fx, FERRY_ERR, "batch full");
        for (uint32_t k = 0; k < s->schema.ncolumns; k++) {
            const ferry_value *v = &s->row[s->outmap[k]];
            if (v->type == FERRY_TYPE_STRING || v->type == FERRY_TYPE_DECIMAL) {
                rc = s->host->batch_set_bytes(batch, (uint32_t)row, k, v->type, v->u.str, v->len);
                if (rc)
                    return s->host->error(s->fx, rc, "out of memory in a batch");
            } else {
                *ferry_batch_at(batch, (uint32_t)row, k) = *v;
            }
        }
    }
    return 0;
}

static const ferry_option csv_options[] = {
    FERRY_OPTION("path", FERRY_OPT_STRING, FERRY_OPT_REQUIRED | FERRY_OPT_PATH, NULL, NULL,
                 csv_config, path, "the CSV file to read", "/etc/passwd"),
    FERRY_OPTION(
        "columns", FERRY_OPT_LIST, 0, NULL, NULL, csv_config, columns,
        "columns as \"name:type\" (type: bool, int64, double, decimal, string, date, timestamp, "
        "duration; default string; the type follows the last colon, so \"a:b:string\" is "
        "column \"a:b\"); found by name in the header, else by position; default: every header "
        "column as a string, named as the header names it",
        "user:string,password:string,uid:int64,gid:int64,gecos:string,home:string,shell:string"),
    FERRY_OPTION("header", FERRY_OPT_BOOL, 0, "true", NULL, csv_config, header,
                 "the first record names the columns", "false"),
    FERRY_OPTION("delimiter", FERRY_OPT_STRING, 0, ",", NULL, csv_config, delimiter,
                 "the field separator: one character, or \"tab\"", ":"),
    FERRY_OPTION("empty_is_null", FERRY_OPT_BOOL, 0, "true", NULL, csv_config, empty_is_null,
                 "an empty unquoted field of a string column is null (a quoted \"\" stays an "
                 "empty string); an empty field of any other type is always null",
                 NULL),
    {0},
};

static const ferry_source_ops csv_ops = {.open = csv_open, .read = csv_read, .close = csv_close};

static const ferry_plugin_descriptor csv_plugin = {FERRY_PLUGIN_HEADER,
                                                   FERRY_KIND_SOURCE,
                                                   "source-csv",
                                                   "1.0.0",
                                                   "reads an RFC 4180 CSV file into typed columns",
                                                   csv_options,
                                                   sizeof(csv_config),
                                                   0,
                                                   0,
                                                   NULL,
                                                   NULL,
                                                   csv_init,
                                                   csv_destroy,
                                                   &csv_ops,
                                                   NULL,
                                                   NULL,
                                                   NULL,
                                                   NULL};
FERRY_PLUGIN_DEFINE(csv_plugin)
