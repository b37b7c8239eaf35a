/*
 * plugin_check_run.c — `ferry plugins check`, the child's side: loads the
 * plugin, makes an instance from the option table's examples, runs it by
 * its kind on generated data, checks what comes back, and reports each
 * finding as a line on the report pipe, ending with "done" (plugin_check.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "format_value.h"
#include "loader.h"
#include "options.h"
#include "output.h"
#include "plugin_check.h"

typedef struct child {
    int fd;
    const char *tmpdir;
    ferry_plugin *plugin;
    ferry_instance *inst;
    const ferry_plugin_descriptor *d;
    void *state;
} child;

static void report(child *c, const char *fmt, ...) FERRY_PRINTF(2, 3);
static void report(child *c, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof line - 2)
        n = (int)sizeof line - 2;
    for (int i = 0; i < n; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[n++] = '\n';
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(c->fd, line + off, (size_t)(n - off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += w;
    }
}

static void stage(child *c, const char *name)
{
    report(c, "stage %s", name);
}

/* After a callback failed: a message is a note, none is a defect. */
static void failed(child *c, const char *what, int rc)
{
    const char *msg = ferry_instance_error(c->inst);
    if (!msg[0])
        report(c, "fail no-message: %s returned %d without calling host->error", what, rc);
    else
        report(c, "note %s failed (%d): %s", what, rc, msg);
}

/* ---- generated data ------------------------------------------------------ */

static const ferry_column gen_columns[] = {
    {"id", "ID", FERRY_TYPE_INT64, 0, NULL},
    {"date", "Date", FERRY_TYPE_DATE, 0, NULL},
    {"project", "Project", FERRY_TYPE_STRING, 0, NULL},
    {"task", "Task", FERRY_TYPE_STRING, 0, NULL},
    {"description", "Description", FERRY_TYPE_STRING, 0, NULL},
    {"duration", "Duration", FERRY_TYPE_DURATION, 0, NULL},
    {"billable", "Billable", FERRY_TYPE_BOOL, 0, NULL},
    {"rate", "Rate", FERRY_TYPE_DOUBLE, 0, NULL},
    {"amount", "Amount", FERRY_TYPE_DECIMAL, 0, NULL},
    {"created_at", "Created at", FERRY_TYPE_TIMESTAMP, 0, NULL},
};
#define NGEN (sizeof gen_columns / sizeof gen_columns[0])

enum { G_ID, G_DATE, G_PROJECT, G_TASK, G_DESC, G_DURATION, G_BILLABLE, G_RATE, G_AMOUNT, G_TS };

/* Text as sources really give it: a string is bytes, not checked UTF-8
 * (ferry/types.h), so besides the edges of valid text there are invalid
 * sequences, a NUL inside and control characters; source-csv passes them
 * through as the file holds them. */
typedef struct gen_text {
    const char *s;
    size_t n;
} gen_text;
#define GEN_TEXT(lit)                                                                              \
    {                                                                                              \
        (lit), sizeof(lit) - 1                                                                     \
    }

static const gen_text edge_text[] = {
    GEN_TEXT(""),
    GEN_TEXT("Zoë 東京 Ольга 🚢"),
    GEN_TEXT("comma, \"quote\" and\nnewline\r\nCRLF"),
    GEN_TEXT("=HYPERLINK(\"http://x\",\"y\")"),
    GEN_TEXT("tab\there"),
    GEN_TEXT("\xc3\xa9\xe2\x82\xac"),
    GEN_TEXT("bad \xff\xfe bytes, a lone \x80, a cut \xe6\x9d"),
    GEN_TEXT("surrogate \xed\xa0\x80, overlong \xc0\xaf, beyond \xf4\x90\x80\x80"),
    GEN_TEXT("NUL\0inside"),
    GEN_TEXT("controls \x01\x1b[31m\x7f\x0b\x0c end"),
};
#define NEDGE (sizeof edge_text / sizeof edge_text[0])

static int set_str(ferry_batch *b, uint32_t row, uint32_t col, int type, const char *s, size_t n)
{
    return ferry_batch_set_bytes(b, row, col, type, s, n);
}

/* A typical row, varied by `i`. */
static int fill_row(ferry_batch *b, uint32_t row, uint64_t i)
{
    static const char *const projects[] = {"Acme", "Ferry", "東京", "Ольга"};
    char buf[64];
    ferry_value_set_i64(ferry_batch_at(b, row, G_ID), FERRY_TYPE_INT64, (int64_t)i + 1);
    ferry_value_set_i64(ferry_batch_at(b, row, G_DATE), FERRY_TYPE_DATE,
                        19723 + (int64_t)(i % 400));
    const char *p = projects[i % 4];
    if (set_str(b, row, G_PROJECT, FERRY_TYPE_STRING, p, strlen(p)))
        return -1;
    int n = snprintf(buf, sizeof buf, "task %llu", (unsigned long long)(i % 17));
    if (set_str(b, row, G_TASK, FERRY_TYPE_STRING, buf, (size_t)n))
        return -1;
    const gen_text *t = &edge_text[i % NEDGE];
    if (set_str(b, row, G_DESC, FERRY_TYPE_STRING, t->s, t->n))
        return -1;
    ferry_value_set_i64(ferry_batch_at(b, row, G_DURATION), FERRY_TYPE_DURATION,
                        (int64_t)(i % 20000) * 1000000);
    ferry_value_set_i64(ferry_batch_at(b, row, G_BILLABLE), FERRY_TYPE_BOOL, (int64_t)(i & 1));
    ferry_value_set_f64(ferry_batch_at(b, row, G_RATE), (double)(i % 1000) / 7.0);
    n = snprintf(buf, sizeof buf, "%llu.%02u", (unsigned long long)(i % 100000),
                 (unsigned)(i % 100));
    if (set_str(b, row, G_AMOUNT, FERRY_TYPE_DECIMAL, buf, (size_t)n))
        return -1;
    ferry_value_set_i64(ferry_batch_at(b, row, G_TS), FERRY_TYPE_TIMESTAMP,
                        INT64_C(1704067200000000) + (int64_t)i * 61000123);
    return 0;
}

/* Rows at the edges: nulls, empty and long text, extreme numbers and dates. */
static int fill_edges(ferry_batch *b)
{
    int64_t r = ferry_batch_add_row(b); /* every value null */
    if (r < 0)
        return -1;
    static const int64_t ints[] = {INT64_MIN, INT64_MAX, 0, -1};
    static const int64_t dates[] = {-25567 /* 1900-01-01 */, 2932896 /* 9999-12-31 */, 0, -1};
    static const int64_t durs[] = {0, -90000000, INT64_C(360000000000000), 1};
    static const int64_t tss[] = {INT64_C(-2208988800000000), INT64_C(253402300799999999), 0, -1};
    static const double dbls[] = {0.0, -0.5, 1e300, -1e-300};
    static const char *const decs[] = {"0", "-12.50", "123456789012345678901234567890.123456789",
                                       "-0.000001"};
    static const char unit[] = "Zoë 東京 Ольга, \"long\" text; ";
    size_t ulen = sizeof unit - 1, longlen = ulen * 4000;
    char *longtext = malloc(longlen);
    if (!longtext)
        return -1;
    for (size_t k = 0; k < longlen; k += ulen)
        memcpy(longtext + k, unit, ulen);
    int rc = 0;
    for (int k = 0; k < 4 && !rc; k++) {
        if ((r = ferry_batch_add_row(b)) < 0) {
            rc = -1;
            break;
        }
        uint32_t row = (uint32_t)r;
        ferry_value_set_i64(ferry_batch_at(b, row, G_ID), FERRY_TYPE_INT64, ints[k]);
        ferry_value_set_i64(ferry_batch_at(b, row, G_DATE), FERRY_TYPE_DATE, dates[k]);
        const gen_text *p = &edge_text[(size_t)k + 1], *bad = &edge_text[NEDGE - 4 + (size_t)k];
        rc |= set_str(b, row, G_PROJECT, FERRY_TYPE_STRING, k == 0 ? "" : p->s, k == 0 ? 0 : p->n);
        rc |= set_str(b, row, G_TASK, FERRY_TYPE_STRING, bad->s, bad->n);
        if (k == 1)
            rc |= set_str(b, row, G_DESC, FERRY_TYPE_STRING, longtext, longlen);
        else
            rc |= set_str(b, row, G_DESC, FERRY_TYPE_STRING, edge_text[k].s, edge_text[k].n);
        ferry_value_set_i64(ferry_batch_at(b, row, G_DURATION), FERRY_TYPE_DURATION, durs[k]);
        ferry_value_set_i64(ferry_batch_at(b, row, G_BILLABLE), FERRY_TYPE_BOOL, k & 1);
        ferry_value_set_f64(ferry_batch_at(b, row, G_RATE), dbls[k]);
        rc |= set_str(b, row, G_AMOUNT, FERRY_TYPE_DECIMAL, decs[k], strlen(decs[k]));
        ferry_value_set_i64(ferry_batch_at(b, row, G_TS), FERRY_TYPE_TIMESTAMP, tss[k]);
        /* The wider values of ferry/types.h, as source-mysql gives them: an
         * integer beyond int64 (BIGINT UNSIGNED) as decimal text, a
         * TINYINT(1) holding 2 as an int64 in a bool column. */
        if (k == 2)
            rc |= set_str(b, row, G_ID, FERRY_TYPE_DECIMAL, "18446744073709551615", 20);
        if (k == 3)
            ferry_value_set_i64(ferry_batch_at(b, row, G_BILLABLE), FERRY_TYPE_INT64, 2);
    }
    free(longtext);
    return rc ? -1 : 0;
}

#define MANY_BATCHES 40
#define MANY_ROWS    500

/* Batch number `k` of the generated sequence, or NULL after the last:
 * an empty batch, the edge rows, then MANY_BATCHES of typical rows. */
static ferry_batch *gen_batch(const ferry_schema *s, int k)
{
    if (k > MANY_BATCHES + 1)
        return NULL;
    ferry_batch *b = ferry_batch_new(s, MANY_ROWS);
    if (!b)
        return NULL;
    int rc = 0;
    if (k == 1) {
        rc = fill_edges(b);
    } else if (k >= 2) {
        for (uint32_t i = 0; i < MANY_ROWS && !rc; i++) {
            int64_t r = ferry_batch_add_row(b);
            rc = r < 0 ? -1 : fill_row(b, (uint32_t)r, (uint64_t)(k - 2) * MANY_ROWS + i);
        }
    }
    if (rc) {
        ferry_batch_free(b);
        return NULL;
    }
    return b;
}

/* ---- checking what a plugin produced ------------------------------------- */

static int schema_problem(child *c, const char *who, const ferry_schema *s)
{
    if (!s || (s->ncolumns && !s->columns)) {
        report(c, "fail schema: %s gave no schema", who);
        return -1;
    }
    for (uint32_t i = 0; i < s->ncolumns; i++) {
        const ferry_column *col = &s->columns[i];
        if (!col->name || !col->name[0]) {
            report(c, "fail schema: %s: column %u has no name", who, i + 1);
            return -1;
        }
        if (!col->label) {
            report(c, "fail schema: %s: column \"%s\" has a NULL label", who, col->name);
            return -1;
        }
        if (col->type <= FERRY_TYPE_NULL || col->type >= FERRY_TYPE_COUNT_) {
            report(c, "fail schema: %s: column \"%s\" has type %d", who, col->name, col->type);
            return -1;
        }
        for (uint32_t k = 0; k < i; k++)
            if (strcmp(s->columns[k].name, col->name) == 0) {
                report(c, "fail schema: %s: two columns named \"%s\"", who, col->name);
                return -1;
            }
    }
    return 0;
}

static int batch_problem(child *c, const char *who, const ferry_batch *b)
{
    uint32_t r, k;
    const char *why = ferry_batch_problem(b, &r, &k);
    if (!why)
        return 0;
    if (b->nrows > b->capacity)
        report(c, "fail value: %s: %u rows in a batch of capacity %u", who, b->nrows, b->capacity);
    else
        report(c, "fail value: %s: row %u, column \"%s\" (%s): %s", who, r + 1,
               b->schema->columns[k].name, ferry_type_name(b->schema->columns[k].type), why);
    return -1;
}

/* ---- runs by kind ----------------------------------------------------------- */

static ferry_column *styled_columns(void)
{
    static ferry_column cols[NGEN];
    for (size_t i = 0; i < NGEN; i++) {
        cols[i] = gen_columns[i];
        cols[i].style = ferry_default_style();
    }
    return cols;
}

static void run_filter(child *c)
{
    const ferry_filter_ops *ops = c->d->filter;
    ferry_schema in = {NGEN, 0, styled_columns()};
    const ferry_schema *out = NULL;
    stage(c, "filter open");
    int rc = ops->open(c->state, &in, &out);
    if (rc) {
        failed(c, "open", rc);
        ops->close(c->state);
        return;
    }
    if (schema_problem(c, "open", out)) {
        ops->close(c->state);
        return;
    }
    uint64_t rows_in = 0, rows_out = 0;
    int k = 0;
    ferry_batch *b;
    while ((b = gen_batch(&in, k)) != NULL) {
        char where[64];
        snprintf(where, sizeof where, "filter process (batch %d)", k + 1);
        stage(c, where);
        ferry_batch *o = ferry_batch_new(out, b->nrows ? b->nrows : 1);
        if (!o) {
            ferry_batch_free(b);
            report(c, "note out of memory making an output batch");
            break;
        }
        rc = ops->process(c->state, b, o);
        rows_in += b->nrows;
        rows_out += o->nrows;
        int bad = rc ? 1 : batch_problem(c, where, o);
        if (rc)
            failed(c, where, rc);
        ferry_batch_free(o);
        ferry_batch_free(b);
        if (bad)
            break;
        k++;
    }
    stage(c, "filter close");
    ops->close(c->state);
    report(c, "ok run: %d batches, %llu rows in, %llu rows out, %u output columns", k,
           (unsigned long long)rows_in, (unsigned long long)rows_out, out->ncolumns);
}

static void run_format(child *c)
{
    const ferry_format_ops *ops = c->d->format;
    ferry_schema in = {NGEN, 0, styled_columns()};
    char path[4096];
    snprintf(path, sizeof path, "%s/check.%s", c->tmpdir,
             c->d->extension ? c->d->extension : "out");
    int wants_file = (c->d->flags & FERRY_FORMAT_WANTS_FILE) != 0;
    int fd = -1;
    ferry_output *out = NULL;
    if (!wants_file) {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        out = fd >= 0 ? ferry_output_file(fd) : NULL;
        if (!out) {
            report(c, "note cannot make an output stream in %s", c->tmpdir);
            if (fd >= 0)
                close(fd);
            return;
        }
    }
    stage(c, "format open");
    int rc = ops->open(c->state, &in, out, wants_file ? path : NULL, c->tmpdir, -1);
    int k = 0;
    if (rc) {
        failed(c, "open", rc);
    } else {
        ferry_batch *b;
        while ((b = gen_batch(&in, k)) != NULL) {
            char where[64];
            snprintf(where, sizeof where, "format write (batch %d)", k + 1);
            stage(c, where);
            rc = ops->write(c->state, b);
            ferry_batch_free(b);
            if (rc) {
                failed(c, where, rc);
                break;
            }
            k++;
        }
        if (!rc) {
            stage(c, "format finish");
            if ((rc = ops->finish(c->state)))
                failed(c, "finish", rc);
        }
    }
    stage(c, "format close");
    ops->close(c->state);
    uint64_t bytes = 0;
    if (out) {
        ferry_err e = FERRY_ERR_INIT;
        ferry_output_flush(out, &e);
        bytes = ferry_output_bytes(out);
        ferry_output_free(out);
        close(fd);
    }
    if (!rc)
        report(c, "ok run: %d batches formatted%s, %llu bytes on the stream", k,
               wants_file ? " into a file" : "", (unsigned long long)bytes);
}

static void run_encode(child *c)
{
    const ferry_encode_ops *ops = c->d->encode;
    char path[4096];
    snprintf(path, sizeof path, "%s/check.%s", c->tmpdir,
             c->d->extension ? c->d->extension : "out");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ferry_output *next = fd >= 0 ? ferry_output_file(fd) : NULL;
    if (!next) {
        report(c, "note cannot make an output stream in %s", c->tmpdir);
        if (fd >= 0)
            close(fd);
        return;
    }
    stage(c, "encode open");
    int rc = ops->open(c->state, next);
    size_t total = 0;
    if (rc) {
        failed(c, "open", rc);
    } else {
        static char big[1 << 20];
        for (size_t i = 0; i < sizeof big; i++)
            big[i] = (char)("Zoë,東京\n"[i % 12] ^ (i >> 12));
        static const size_t sizes[] = {0, 1, 7, 4096, sizeof big, 3, sizeof big};
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && !rc; i++) {
            stage(c, "encode write");
            rc = ops->write(c->state, big, sizes[i]);
            total += sizes[i];
            if (rc)
                failed(c, "write", rc);
        }
        if (!rc) {
            stage(c, "encode finish");
            if ((rc = ops->finish(c->state)))
                failed(c, "finish", rc);
        }
    }
    stage(c, "encode close");
    ops->close(c->state);
    ferry_err e = FERRY_ERR_INIT;
    ferry_output_flush(next, &e);
    uint64_t bytes = ferry_output_bytes(next);
    ferry_output_free(next);
    close(fd);
    if (!rc)
        report(c, "ok run: %zu bytes encoded into %llu", total, (unsigned long long)bytes);
}

static void run_sink(child *c)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/check-artifact.csv", c->tmpdir);
    FILE *f = fopen(path, "w");
    if (!f) {
        report(c, "note cannot write an artifact in %s", c->tmpdir);
        return;
    }
    fputs("id,project\r\n1,Zoë\r\n2,東京\r\n", f);
    fclose(f);
    char sha[65] = "";
    uint64_t size = 0;
    ferry_err e = FERRY_ERR_INIT;
    ferry_sha256_file(path, sha, &size, &e);
    static const ferry_kv meta[] = {{"request_id", "0123456789abcdef0123456789abcdef"},
                                    {"title", "Check — Zoë's export"},
                                    {"user_email", "check@example.invalid"},
                                    {"email_recipients", "[]"},
                                    {"include_download_link", "true"},
                                    {"attach_file", "false"},
                                    {"expires_at", "2099-01-01T00:00:00Z"}};
    ferry_artifact a = {path,
                        "check-export.csv",
                        "text/csv; charset=utf-8",
                        sha,
                        size,
                        2,
                        NULL,
                        sizeof meta / sizeof meta[0],
                        meta};
    char *url = NULL;
    stage(c, "sink deliver");
    int rc = c->d->sink->deliver(c->state, &a, &url);
    if (rc)
        failed(c, "deliver", rc);
    else
        report(c, "ok run: delivered a %llu-byte artifact%s%s", (unsigned long long)size,
               url ? ", URL " : "", url ? url : "");
    if (url)
        ferry_host_table()->free(ferry_instance_ctx(c->inst), url);
}

/* Reads a source to its end; checks every value against the schema. */
static int read_all(child *c, const ferry_schema *s, const char *what, uint64_t *rows,
                    int (*row_ok)(const ferry_batch *, uint32_t))
{
    ferry_batch *b = ferry_batch_new(s, 1024);
    if (!b) {
        report(c, "note out of memory making a batch");
        return -1;
    }
    int eof = 0, rc = 0, nbatches = 0;
    *rows = 0;
    while (!eof) {
        char where[96];
        snprintf(where, sizeof where, "source read (%s, batch %d)", what, nbatches + 1);
        stage(c, where);
        ferry_batch_reset(b);
        rc = c->d->source->read(c->state, b, &eof);
        if (rc) {
            failed(c, where, rc);
            break;
        }
        if ((rc = batch_problem(c, where, b)))
            break;
        for (uint32_t r = 0; row_ok && r < b->nrows; r++)
            if (!row_ok(b, r)) {
                report(c, "fail query: %s: row %u does not satisfy the query's predicate", where,
                       r + 1);
                rc = -1;
                break;
            }
        *rows += b->nrows;
        nbatches++;
        if (!eof && b->nrows == 0 && nbatches > 100000) {
            report(c, "fail hang: the source returns empty batches without eof");
            rc = -1;
            break;
        }
    }
    ferry_batch_free(b);
    return rc;
}

static int col0_not_null(const ferry_batch *b, uint32_t r)
{
    return !ferry_value_is_null(ferry_batch_at(b, r, 0));
}

static void run_source(child *c)
{
    const ferry_source_ops *ops = c->d->source;
    const ferry_schema *s = NULL;
    int64_t count = -1;
    ferry_query all = {0, 0, NULL, NULL};
    stage(c, "source open");
    int rc = ops->open(c->state, &all, &s, &count);
    if (rc) {
        failed(c, "open", rc);
        ops->close(c->state);
        return;
    }
    uint64_t rows = 0;
    if (schema_problem(c, "open", s) || s->ncolumns == 0) {
        if (s && s->ncolumns == 0)
            report(c, "fail schema: open declared no columns");
        ops->close(c->state);
        return;
    }
    uint32_t ncol = s->ncolumns;
    char first[256], last[256];
    snprintf(first, sizeof first, "%s", s->columns[0].name);
    snprintf(last, sizeof last, "%s", s->columns[ncol - 1].name);
    rc = read_all(c, s, "all rows", &rows, NULL);
    stage(c, "source close");
    ops->close(c->state);
    if (rc)
        return;
    if (count >= 0 && (uint64_t)count != rows)
        report(c, "fail count: open reported %lld rows, read gave %llu", (long long)count,
               (unsigned long long)rows);
    report(c, "ok run: %llu rows of %u columns, every value of its declared type",
           (unsigned long long)rows, ncol);

    /* Again with the last column first, then the first, and "last is not null". */
    const char *fields[2] = {last, first};
    ferry_predicate pred = {last, FERRY_OP_NOT_NULL, 0, NULL};
    ferry_query q = {ncol > 1 ? 2u : 1u, 1, fields, &pred};
    stage(c, "source open (query)");
    rc = ops->open(c->state, &q, &s, &count);
    if (rc) {
        failed(c, "open with a field selection and a predicate", rc);
        ops->close(c->state);
        return;
    }
    if (schema_problem(c, "open (query)", s)) {
        ops->close(c->state);
        return;
    }
    if (s->ncolumns != q.nfields || strcmp(s->columns[0].name, last) != 0 ||
        (q.nfields == 2 && strcmp(s->columns[1].name, first) != 0)) {
        report(c,
               "fail query: open ignored the query's fields (asked \"%s\", \"%s\"; got %u "
               "columns starting \"%s\")",
               last, first, s->ncolumns, s->ncolumns ? s->columns[0].name : "");
        ops->close(c->state);
        return;
    }
    /* The predicate is on the first output column here (`last`). */
    uint64_t qrows = 0;
    rc = read_all(c, s, "query", &qrows, col0_not_null);
    if (!rc) {
        report(c, "ok query: fields (\"%s\", \"%s\") and \"%s is not null\" honoured, %llu rows",
               last, first, last, (unsigned long long)qrows);
    }
    stage(c, "source close (query)");
    ops->close(c->state);
}

/* ---- options and the instance -------------------------------------------- */

/* Adds option `o` with its example to `group`; 1 if set, 0 if no example, -1 bad. */
static int add_example(child *c, config_setting_t *group, const ferry_option *o)
{
    const char *ex = o->example;
    if (!ex)
        return 0;
    config_setting_t *s;
    switch (o->type) {
    case FERRY_OPT_STRING:
        if (!ferry_opt_allowed(o->allowed, ex)) {
            report(c, "fail options: example of \"%s\" (\"%s\") is not one of %s", o->name, ex,
                   o->allowed);
            return -1;
        }
        s = config_setting_add(group, o->name, CONFIG_TYPE_STRING);
        return s && config_setting_set_string(s, ex) ? 1 : -1;
    case FERRY_OPT_INT: {
        int64_t v;
        if (ferry_opt_parse_int(ex, &v)) {
            report(c, "fail options: example of \"%s\" (\"%s\") is not an integer", o->name, ex);
            return -1;
        }
        s = config_setting_add(group, o->name, CONFIG_TYPE_INT64);
        return s && config_setting_set_int64(s, v) ? 1 : -1;
    }
    case FERRY_OPT_BOOL: {
        int v;
        if (ferry_opt_parse_bool(ex, &v)) {
            report(c, "fail options: example of \"%s\" (\"%s\") is not a bool", o->name, ex);
            return -1;
        }
        s = config_setting_add(group, o->name, CONFIG_TYPE_BOOL);
        return s && config_setting_set_bool(s, v) ? 1 : -1;
    }
    case FERRY_OPT_DOUBLE: {
        double v;
        if (ferry_opt_parse_double(ex, &v)) {
            report(c, "fail options: example of \"%s\" (\"%s\") is not a number", o->name, ex);
            return -1;
        }
        s = config_setting_add(group, o->name, CONFIG_TYPE_FLOAT);
        return s && config_setting_set_float(s, v) ? 1 : -1;
    }
    case FERRY_OPT_LIST: {
        s = config_setting_add(group, o->name, CONFIG_TYPE_ARRAY);
        if (!s)
            return -1;
        const char *p = ex;
        while (*p) {
            const char *e = strchr(p, ',');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            while (n && (*p == ' ' || *p == '\t'))
                p++, n--;
            while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
                n--;
            char item[1024];
            snprintf(item, sizeof item, "%.*s", (int)n, p);
            if (!ferry_opt_allowed(o->allowed, item)) {
                report(c, "fail options: example of \"%s\": \"%s\" is not one of %s", o->name, item,
                       o->allowed);
                return -1;
            }
            config_setting_t *el = config_setting_add(s, NULL, CONFIG_TYPE_STRING);
            if (!el || !config_setting_set_string(el, item))
                return -1;
            p = e ? e + 1 : p + n;
        }
        return 1;
    }
    }
    return -1;
}

static void finish(child *c)
{
    if (c->inst) {
        stage(c, "destroy");
        ferry_instance_destroy(c->inst);
        size_t bytes = ferry_instance_live_bytes(c->inst),
               blocks = ferry_instance_live_blocks(c->inst);
        if (bytes || blocks)
            report(c,
                   "fail leak: %zu bytes in %zu blocks allocated with host->alloc were never "
                   "freed",
                   bytes, blocks);
        else
            report(c, "ok memory: everything allocated with host->alloc was freed");
        ferry_instance_free(c->inst);
    }
    ferry_plugin_close(c->plugin);
    fflush(stdout);
    report(c, "done");
    _exit(0);
}

void ferry_plugin_check_child(const char *path, const ferry_check_opts *opts, const char *tmpdir,
                              int fd)
{
    child c;
    memset(&c, 0, sizeof c);
    c.fd = fd;
    c.tmpdir = tmpdir;
    ferry_err err = FERRY_ERR_INIT;
    ferry_log quiet = {FERRY_LOG_WARN, "plugins", 0};
    const ferry_log *log = opts && opts->log ? opts->log : &quiet;

    stage(&c, "load");
    if (ferry_plugin_open(&c.plugin, path, &err)) {
        report(&c, "fail load: %s", err.msg);
        finish(&c);
    }
    c.d = c.plugin->desc;
    report(&c, "loaded");
    report(&c, "ok descriptor: %s %s (%s), built for ABI %u.%u, descriptor %u bytes", c.d->name,
           c.d->version, ferry_kind_name(c.d->kind), c.d->abi_major, c.d->abi_minor, c.d->size);
    /* ferry finds a plugin by its file name and refuses one whose descriptor
     * names another (loader.c, ferry_plugin_find). */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t bl = strlen(base);
    if (bl != strlen(c.d->name) + 3 || strncmp(base, c.d->name, bl - 3) != 0 ||
        strcmp(base + bl - 3, ".so") != 0)
        report(&c,
               "note name: the file is %s but the descriptor calls the plugin \"%s\"; ferry "
               "finds it by its file name only as %s.so",
               base, c.d->name, c.d->name);

    size_t nopts = 0, nex = 0;
    config_t cfg;
    config_init(&cfg);
    config_setting_t *group =
        config_setting_add(config_root_setting(&cfg), "check", CONFIG_TYPE_GROUP);
    int runnable = 1;
    for (; c.d->options && c.d->options[nopts].name; nopts++) {
        const ferry_option *o = &c.d->options[nopts];
        int r = add_example(&c, group, o);
        if (r < 0) {
            runnable = 0;
        } else if (r > 0) {
            nex++;
        } else if (o->flags & FERRY_OPT_REQUIRED) {
            report(&c, "note options: required option \"%s\" has no example; the run is skipped",
                   o->name);
            runnable = 0;
        }
    }
    report(&c, "ok options: %zu options, well formed, %zu examples", nopts, nex);
    if (!runnable) {
        config_destroy(&cfg);
        finish(&c);
    }

    stage(&c, "init");
    if (ferry_instance_new(&c.inst, c.plugin, group, NULL, NULL, log, &err)) {
        if (strstr(err.msg, "(no message)"))
            report(&c, "fail no-message: init failed without calling host->error");
        else
            report(&c, "note init with the example options failed: %s", err.msg);
        c.inst = NULL;
        config_destroy(&cfg);
        finish(&c);
    }
    c.state = ferry_instance_state(c.inst);
    switch (c.d->kind) {
    case FERRY_KIND_SOURCE:
        run_source(&c);
        break;
    case FERRY_KIND_FILTER:
        run_filter(&c);
        break;
    case FERRY_KIND_FORMAT:
        run_format(&c);
        break;
    case FERRY_KIND_ENCODE:
        run_encode(&c);
        break;
    case FERRY_KIND_SINK:
        run_sink(&c);
        break;
    }
    finish(&c);
    config_destroy(&cfg);
}
