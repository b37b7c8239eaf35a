/*
 * run.c — running a built pipeline. The source runs on its own thread
 * and fills batches from a small pool; the calling thread runs filters,
 * the formatter and encoders. The two meet in a bounded queue (the pool's
 * batches travel free → full → free), so fetching overlaps formatting and
 * memory is bounded by queue_batches × batch size, whatever the row count.
 */
#include <stdatomic.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "format_value.h"
#include "output.h"
#include "pipeline.h"
#include "stage.h"

typedef struct queue {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ferry_batch **pool; /* all batches, for freeing */
    ferry_batch **free_, **full;
    size_t k, nfree, nfull, full_head;
    int opened, eof, closed;
    int src_done; /* the source read its last batch */
    int release;  /* the pipeline is done with the source's schema: close it */
    int src_rc;
    ferry_err src_err;
    const ferry_schema *schema;
    int64_t row_count;
    /* for the source thread */
    ferry_pipeline *p;
    const ferry_query *query;
    atomic_int *cancel;
} queue;

static void q_push_full(queue *q, ferry_batch *b)
{
    q->full[(q->full_head + q->nfull) % q->k] = b;
    q->nfull++;
}

static ferry_batch *q_pop_full(queue *q)
{
    ferry_batch *b = q->full[q->full_head];
    q->full_head = (q->full_head + 1) % q->k;
    q->nfull--;
    return b;
}

static void *source_main(void *arg)
{
    queue *q = arg;
    ferry_step *st = &q->p->source;
    const ferry_source_ops *ops = st->plugin->desc->source;
    void *state = ferry_instance_state(st->inst);
    const ferry_schema *schema = NULL;
    int64_t count = -1;
    int rc = ops->open(state, q->query, &schema, &count);
    int open_ok = rc == 0;
    if (!rc && (!schema || !schema->ncolumns))
        rc = ferry_err_set(&q->src_err, FERRY_ERR_DATA, "%s: open gave no schema",
                           st->plugin->desc->name);
    if (!rc) {
        for (size_t i = 0; i < q->k; i++) {
            q->pool[i] = ferry_batch_new(schema, q->p->batch_rows);
            if (!q->pool[i]) {
                rc = ferry_err_set(&q->src_err, FERRY_ERR_NOMEM, "out of memory for batches");
                break;
            }
            q->free_[q->nfree++] = q->pool[i];
        }
    } else if (!q->src_err.code) {
        ferry_err_set(&q->src_err, rc, "%s: %s", st->plugin->desc->name,
                      ferry_instance_error(st->inst)[0] ? ferry_instance_error(st->inst)
                                                        : "open failed (no message)");
    }
    pthread_mutex_lock(&q->mu);
    q->opened = 1;
    q->schema = schema;
    q->row_count = count;
    if (rc) {
        q->src_rc = rc;
        q->eof = 1;
    }
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    if (rc) {
        if (open_ok)
            ops->close(state);
        pthread_mutex_lock(&q->mu);
        q->src_done = 1;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&q->mu);
        while (q->nfree == 0 && !q->closed)
            pthread_cond_wait(&q->cv, &q->mu);
        if (q->closed) {
            pthread_mutex_unlock(&q->mu);
            break;
        }
        ferry_batch *b = q->free_[--q->nfree];
        pthread_mutex_unlock(&q->mu);

        ferry_batch_reset(b);
        b->schema = schema;
        int eof = 0;
        rc = (q->cancel && *q->cancel) ? FERRY_ERR_CANCEL : ops->read(state, b, &eof);
        pthread_mutex_lock(&q->mu);
        if (rc) {
            if (rc == FERRY_ERR_CANCEL && !ferry_instance_error(st->inst)[0])
                ferry_err_set(&q->src_err, rc, "cancelled");
            else
                ferry_err_set(&q->src_err, rc, "%s: %s", st->plugin->desc->name,
                              ferry_instance_error(st->inst)[0] ? ferry_instance_error(st->inst)
                                                                : "read failed (no message)");
            q->src_rc = rc;
            q->eof = 1;
            q->free_[q->nfree++] = b;
        } else {
            if (b->nrows)
                q_push_full(q, b);
            else
                q->free_[q->nfree++] = b;
            if (eof)
                q->eof = 1;
        }
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        if (rc || eof)
            break;
    }
    /* The schema belongs to the source until its close, and the pipeline
     * uses it until the formatter is closed: wait to be released. */
    pthread_mutex_lock(&q->mu);
    q->src_done = 1;
    pthread_cond_broadcast(&q->cv);
    while (!q->release)
        pthread_cond_wait(&q->cv, &q->mu);
    pthread_mutex_unlock(&q->mu);
    ops->close(state);
    return NULL;
}

/* A schema with the field configuration's labels and styles. */
static ferry_schema *decorate(const ferry_schema *in, const ferry_fieldset *fs)
{
    ferry_schema *s = calloc(1, sizeof *s);
    ferry_column *cols = calloc(in->ncolumns ? in->ncolumns : 1, sizeof *cols);
    if (!s || !cols) {
        free(s);
        free(cols);
        return NULL;
    }
    for (uint32_t i = 0; i < in->ncolumns; i++) {
        cols[i] = in->columns[i];
        const ferry_fieldspec *f = ferry_fields_find(fs, in->columns[i].name);
        cols[i].label =
            f ? f->label : (in->columns[i].label ? in->columns[i].label : in->columns[i].name);
        cols[i].style =
            f ? &f->style : (in->columns[i].style ? in->columns[i].style : ferry_default_style());
    }
    s->ncolumns = in->ncolumns;
    s->columns = cols;
    return s;
}

static void schema_free(ferry_schema *s)
{
    if (s) {
        free((void *)s->columns);
        free(s);
    }
}

static int plugin_fail(ferry_err *err, int rc, const ferry_step *st, const char *what)
{
    const char *m = ferry_instance_error(st->inst);
    return ferry_err_set(err, rc ? rc : FERRY_ERR, "%s: %s", st->plugin->desc->name,
                         m[0] ? m : what);
}

/* ---- preview: an aligned table of the first rows -------------------------- */

typedef struct preview {
    char **cells; /* rows * ncols strings */
    size_t rows, ncols, cap;
} preview;

static int preview_add(preview *pv, const ferry_batch *b, long limit)
{
    const ferry_schema *s = b->schema;
    pv->ncols = s->ncolumns;
    for (uint32_t r = 0; r < b->nrows && (long)pv->rows < limit; r++) {
        if (pv->rows == pv->cap) {
            pv->cap = pv->cap ? pv->cap * 2 : 64;
            char **n = realloc(pv->cells, pv->cap * pv->ncols * sizeof *n);
            if (!n)
                return FERRY_ERR_NOMEM;
            pv->cells = n;
        }
        for (uint32_t c = 0; c < s->ncolumns; c++) {
            ferry_buf buf = {0};
            ferry_format_value(&s->columns[c], ferry_batch_at(b, r, c), &buf);
            /* One line per row: newlines and tabs shown as spaces. */
            for (size_t i = 0; i < buf.len; i++)
                if (buf.data[i] == '\n' || buf.data[i] == '\r' || buf.data[i] == '\t')
                    buf.data[i] = ' ';
            pv->cells[pv->rows * pv->ncols + c] = buf.data ? buf.data : strdup("");
        }
        pv->rows++;
    }
    return 0;
}

/* Columns a code point takes on a terminal: 2 for East Asian wide and
 * fullwidth ranges, 0 for combining marks, else 1. */
static int cp_width(uint32_t c)
{
    if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F))
        return 0;
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F) ||
        (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
        (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
        (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1FAFF) ||
        (c >= 0x20000 && c <= 0x3FFFD))
        return 2;
    return 1;
}

/* Decodes one UTF-8 sequence at s (never past its NUL); returns its length. */
static int u8next(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    int n = u[0] < 0x80             ? 1
            : (u[0] & 0xE0) == 0xC0 ? 2
            : (u[0] & 0xF0) == 0xE0 ? 3
            : (u[0] & 0xF8) == 0xF0 ? 4
                                    : 1;
    uint32_t c = n == 1 ? u[0] : u[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return i;
        }
        c = c << 6 | (u[i] & 0x3F);
    }
    *cp = c;
    return n;
}

/* Display width of UTF-8 text on a terminal. */
static size_t u8width(const char *s)
{
    size_t w = 0;
    while (*s) {
        uint32_t c;
        s += u8next(s, &c);
        w += (size_t)cp_width(c);
    }
    return w;
}

static void preview_print(preview *pv, const ferry_schema *s, FILE *out)
{
    enum { MAXW = 40 };
    size_t *w = calloc(s->ncolumns, sizeof *w);
    if (!w)
        return;
    for (uint32_t c = 0; c < s->ncolumns; c++) {
        w[c] = u8width(s->columns[c].label);
        for (size_t r = 0; r < pv->rows; r++) {
            size_t l = u8width(pv->cells[r * pv->ncols + c]);
            if (l > w[c])
                w[c] = l;
        }
        if (w[c] > MAXW)
            w[c] = MAXW;
    }
    for (size_t r = 0; r <= pv->rows + 1; r++) {
        for (uint32_t c = 0; c < s->ncolumns; c++) {
            const char *text = r == 0   ? s->columns[c].label
                               : r == 1 ? NULL
                                        : pv->cells[(r - 2) * pv->ncols + c];
            fputs(c ? " | " : "", out);
            if (!text) {
                for (size_t i = 0; i < w[c]; i++)
                    fputc('-', out);
                continue;
            }
            size_t shown = 0, total = u8width(text);
            const char *p = text;
            while (*p) {
                uint32_t cp;
                int n = u8next(p, &cp);
                size_t cw = (size_t)cp_width(cp);
                /* Leave room for the ellipsis when the text does not fit. */
                if (total > w[c] && shown + cw > w[c] - 1) {
                    fputs("…", out);
                    shown++;
                    break;
                }
                if (shown + cw > w[c])
                    break;
                fwrite(p, 1, (size_t)n, out);
                p += n;
                shown += cw;
            }
            for (; shown < w[c]; shown++)
                fputc(' ', out);
        }
        fputc('\n', out);
    }
    fprintf(out, "(%zu row%s)\n", pv->rows, pv->rows == 1 ? "" : "s");
    free(w);
}

static void preview_free(preview *pv)
{
    for (size_t i = 0; i < pv->rows * pv->ncols; i++)
        free(pv->cells[i]);
    free(pv->cells);
}

/* ---- the run ------------------------------------------------------------- */

static char *artifact_name(const char *base, const ferry_pipeline *p)
{
    size_t n = strlen(base) + 64;
    for (size_t i = 0; i < p->nencoders; i++)
        n += strlen(p->encoders[i].plugin->desc->extension) + 1;
    char *s = malloc(n);
    if (!s)
        return NULL;
    size_t used = (size_t)snprintf(s, n, "%s.%s", base, p->format.plugin->desc->extension);
    for (size_t i = 0; i < p->nencoders; i++)
        used += (size_t)snprintf(s + used, n - used, ".%s", p->encoders[i].plugin->desc->extension);
    return s;
}

/* Values the run's plugins could not carry exactly (host->warn). */
static uint64_t pipeline_warnings(const ferry_pipeline *p)
{
    uint64_t n = ferry_instance_warnings(p->source.inst) + ferry_instance_warnings(p->format.inst);
    for (size_t i = 0; i < p->nfilters; i++)
        n += ferry_instance_warnings(p->filters[i].inst);
    for (size_t i = 0; i < p->nencoders; i++)
        n += ferry_instance_warnings(p->encoders[i].inst);
    return n;
}

int ferry_pipeline_run(ferry_pipeline *p, const ferry_run_opts *o, ferry_run_result *r,
                       ferry_err *err)
{
    memset(r, 0, sizeof *r);
    r->source_rows = -1;
    const ferry_plugin_descriptor *fd = p->format.plugin->desc;
    int wants_file = (fd->flags & FERRY_FORMAT_WANTS_FILE) != 0;
    int preview_mode = o->preview > 0;
    atomic_int local_cancel = 0;
    atomic_int *cancel = o->cancel ? o->cancel : &local_cancel;

    /* Every instance polls the same cancel flag. */
    ferry_instance_set_cancel(p->source.inst, cancel);
    ferry_instance_set_cancel(p->format.inst, cancel);
    for (size_t i = 0; i < p->nfilters; i++)
        ferry_instance_set_cancel(p->filters[i].inst, cancel);
    for (size_t i = 0; i < p->nencoders; i++)
        ferry_instance_set_cancel(p->encoders[i].inst, cancel);

    /* The query: the selected fields, plus the caller's predicates. */
    const char **names = calloc(p->fields.nselected + 1, sizeof *names);
    if (!names)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < p->fields.nselected; i++)
        names[i] = p->fields.all[p->fields.selected[i]].name;
    ferry_query query = {(uint32_t)p->fields.nselected, 0, names, NULL};
    if (o->query) {
        query.npredicates = o->query->npredicates;
        query.predicates = o->query->predicates;
        if (o->query->nfields) {
            query.nfields = o->query->nfields;
            query.fields = o->query->fields;
        }
    }

    ferry_stage stage;
    memset(&stage, 0, sizeof stage);
    stage.fd = -1;
    ferry_output *file_out = NULL, **enc_out = NULL, *head = NULL;
    char *name = NULL, *display = NULL;
    int rc = 0;
    if (!preview_mode) {
        name = artifact_name(o->file_base ? o->file_base : p->out_name, p);
        display = artifact_name(o->display_base ? o->display_base
                                : o->file_base  ? o->file_base
                                                : p->out_name,
                                p);
        if (!name || !display) {
            rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
            goto out_free_names;
        }
        rc = ferry_stage_open(&stage, o->out_dir ? o->out_dir : p->out_dir, name, err);
        if (rc)
            goto out_free_names;
    }

    queue q;
    memset(&q, 0, sizeof q);
    pthread_mutex_init(&q.mu, NULL);
    pthread_cond_init(&q.cv, NULL);
    q.k = p->queue_batches;
    q.pool = calloc(q.k, sizeof *q.pool);
    q.free_ = calloc(q.k, sizeof *q.free_);
    q.full = calloc(q.k, sizeof *q.full);
    q.p = p;
    q.query = &query;
    q.cancel = cancel;
    q.row_count = -1;
    pthread_t th;
    int started = 0;
    if (!q.pool || !q.free_ || !q.full) {
        rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        goto out_queue;
    }
    if (pthread_create(&th, NULL, source_main, &q)) {
        rc = ferry_err_set(err, FERRY_ERR, "cannot start the source thread");
        goto out_queue;
    }
    started = 1;

    pthread_mutex_lock(&q.mu);
    while (!q.opened)
        pthread_cond_wait(&q.cv, &q.mu);
    pthread_mutex_unlock(&q.mu);
    if (q.src_rc && !q.schema) {
        *err = q.src_err;
        rc = q.src_rc;
        goto out_join;
    }
    r->source_rows = q.row_count;

    /* Schemas along the chain, decorated with labels and styles. */
    size_t nf = p->nfilters;
    ferry_schema **schemas = calloc(nf + 1, sizeof *schemas);
    ferry_batch **fout = calloc(nf + 1, sizeof *fout);
    size_t opened_filters = 0;
    int format_open = 0;
    preview pv = {0};
    if (!schemas || !fout || !(schemas[0] = decorate(q.schema, &p->fields))) {
        rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        goto out_chain;
    }
    for (size_t i = 0; i < nf; i++) {
        const ferry_schema *outs = NULL;
        ferry_step *st = &p->filters[i];
        rc = st->plugin->desc->filter->open(ferry_instance_state(st->inst), schemas[i], &outs);
        if (rc || !outs) {
            rc = plugin_fail(err, rc, st, "open failed (no message)");
            goto out_chain;
        }
        opened_filters++;
        schemas[i + 1] = decorate(outs, &p->fields);
        fout[i] = schemas[i + 1] ? ferry_batch_new(schemas[i + 1], p->batch_rows) : NULL;
        if (!fout[i]) {
            rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
            goto out_chain;
        }
    }
    const ferry_schema *final_schema = schemas[nf];

    if (!preview_mode) {
        file_out = ferry_output_file(stage.fd);
        head = file_out;
        enc_out = calloc(p->nencoders + 1, sizeof *enc_out);
        if (!file_out || !enc_out) {
            rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
            goto out_chain;
        }
        /* Build the chain from the file back to the formatter. */
        for (size_t i = p->nencoders; i-- > 0;) {
            ferry_step *st = &p->encoders[i];
            enc_out[i] = ferry_output_encoder(st->inst, head);
            if (!enc_out[i]) {
                rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
                goto out_chain;
            }
            rc = st->plugin->desc->encode->open(ferry_instance_state(st->inst), head);
            if (rc) {
                rc = plugin_fail(err, rc, st, "open failed (no message)");
                goto out_chain;
            }
            head = enc_out[i];
        }
        rc = fd->format->open(ferry_instance_state(p->format.inst), final_schema,
                              wants_file ? NULL : head, wants_file ? stage.path : NULL,
                              stage.tmpdir, q.row_count);
        if (rc) {
            rc = plugin_fail(err, rc, &p->format, "open failed (no message)");
            goto out_chain;
        }
        format_open = 1;
    }

    uint64_t rows = 0;
    for (;;) {
        pthread_mutex_lock(&q.mu);
        while (q.nfull == 0 && !q.eof)
            pthread_cond_wait(&q.cv, &q.mu);
        if (q.nfull == 0) {
            pthread_mutex_unlock(&q.mu);
            break;
        }
        ferry_batch *b = q_pop_full(&q);
        pthread_mutex_unlock(&q.mu);

        b->schema = schemas[0];
        const ferry_batch *cur = b;
        for (size_t i = 0; i < nf && !rc; i++) {
            ferry_batch_reset(fout[i]);
            ferry_step *st = &p->filters[i];
            rc = st->plugin->desc->filter->process(ferry_instance_state(st->inst), cur, fout[i]);
            if (rc)
                rc = plugin_fail(err, rc, st, "process failed (no message)");
            cur = fout[i];
        }
        if (!rc && cur->nrows) {
            if (preview_mode) {
                rc = preview_add(&pv, cur, o->preview);
            } else {
                rc = fd->format->write(ferry_instance_state(p->format.inst), cur);
                if (rc) {
                    const char *oe = ferry_output_error(file_out);
                    if (oe && !ferry_instance_error(p->format.inst)[0])
                        rc = ferry_err_set(err, FERRY_ERR_IO, "writing %s: %s", stage.path, oe);
                    else
                        rc = plugin_fail(err, rc, &p->format, "write failed (no message)");
                }
            }
            rows += cur->nrows;
        }
        pthread_mutex_lock(&q.mu);
        q.free_[q.nfree++] = b;
        pthread_cond_broadcast(&q.cv);
        pthread_mutex_unlock(&q.mu);
        if (rc)
            break;
        if (o->progress)
            o->progress(o->payload, rows, q.row_count);
        if (preview_mode && (long)pv.rows >= o->preview)
            break;
        if (*cancel) {
            rc = ferry_err_set(err, FERRY_ERR_CANCEL, "cancelled");
            break;
        }
    }
    /* Stop the source (it may be waiting for a free batch) and collect its
     * result; it stays open, schema and all, until released below. */
    pthread_mutex_lock(&q.mu);
    q.closed = 1;
    pthread_cond_broadcast(&q.cv);
    while (!q.src_done)
        pthread_cond_wait(&q.cv, &q.mu);
    pthread_mutex_unlock(&q.mu);
    if (!rc && q.src_rc) {
        *err = q.src_err;
        rc = q.src_rc;
    }
    r->rows = rows;

    if (!rc && preview_mode) {
        preview_print(&pv, final_schema, o->preview_out ? o->preview_out : stdout);
    } else if (!rc) {
        rc = fd->format->finish(ferry_instance_state(p->format.inst));
        if (rc)
            rc = plugin_fail(err, rc, &p->format, "finish failed (no message)");
        for (size_t i = 0; !rc && i < p->nencoders; i++) {
            ferry_step *st = &p->encoders[i];
            rc = st->plugin->desc->encode->finish(ferry_instance_state(st->inst));
            if (rc)
                rc = plugin_fail(err, rc, st, "finish failed (no message)");
        }
        if (!rc)
            rc = ferry_output_flush(file_out, err);
    }

out_chain:
    if (format_open)
        fd->format->close(ferry_instance_state(p->format.inst));
    for (size_t i = 0; enc_out && i < p->nencoders; i++) {
        if (enc_out[i]) {
            p->encoders[i].plugin->desc->encode->close(ferry_instance_state(p->encoders[i].inst));
            ferry_output_free(enc_out[i]);
        }
    }
    free(enc_out);
    for (size_t i = 0; i < opened_filters; i++)
        p->filters[i].plugin->desc->filter->close(ferry_instance_state(p->filters[i].inst));
    for (size_t i = 0; fout && i < nf; i++)
        ferry_batch_free(fout[i]);
    free(fout);
    for (size_t i = 0; schemas && i <= nf; i++)
        schema_free(schemas[i]);
    free(schemas);
    preview_free(&pv);

    r->warnings = pipeline_warnings(p);
    if (!rc && !preview_mode) {
        if (wants_file) {
            rc = ferry_sha256_file(stage.path, r->sha256, &r->size, err);
        } else {
            ferry_output_sha256(file_out, r->sha256);
            r->size = ferry_output_bytes(file_out);
        }
    }
    ferry_output_free(file_out);

out_join:
    if (started) {
        pthread_mutex_lock(&q.mu);
        q.closed = 1;
        q.release = 1;
        pthread_cond_broadcast(&q.cv);
        pthread_mutex_unlock(&q.mu);
        pthread_join(th, NULL);
    }
out_queue:
    for (size_t i = 0; q.pool && i < q.k; i++)
        ferry_batch_free(q.pool[i]);
    free(q.pool);
    free(q.free_);
    free(q.full);
    pthread_mutex_destroy(&q.mu);
    pthread_cond_destroy(&q.cv);

    if (!preview_mode) {
        if (!rc && *cancel)
            rc = ferry_err_set(err, FERRY_ERR_CANCEL, "cancelled");
        if (!rc)
            rc = ferry_stage_publish(&stage, err);
        if (rc) {
            ferry_stage_abort(&stage);
        } else {
            r->path = strdup(stage.final);
            r->name = display;
            display = NULL;
            const char *ct = p->nencoders ? p->encoders[p->nencoders - 1].plugin->desc->content_type
                                          : fd->content_type;
            r->content_type = strdup(ct);
            if (o->download_url)
                r->download_url = strdup(o->download_url);
        }
        ferry_stage_free(&stage);
    }
    if (!rc && !preview_mode && !o->no_sinks) {
        /* Sinks that deliver before any commit (file store, …). */
        for (size_t i = 0; i < p->nsinks && !rc; i++) {
            ferry_step *st = &p->sinks[i];
            if (o->skip_after_commit && (st->plugin->desc->flags & FERRY_SINK_AFTER_COMMIT))
                continue;
            ferry_artifact a = {r->path, r->name,         r->content_type, r->sha256, r->size,
                                r->rows, r->download_url, o->nmeta,        o->meta};
            char *url = NULL;
            rc = st->plugin->desc->sink->deliver(ferry_instance_state(st->inst), &a, &url);
            if (rc)
                rc = plugin_fail(err, rc, st, "deliver failed (no message)");
            if (url) {
                free(r->download_url);
                r->download_url = strdup(url);
                ferry_host_table()->free(ferry_instance_ctx(st->inst), url);
            }
        }
        if (rc) {
            /* A sink that failed before any commit: nothing was published
             * for anyone; take the file back. */
            unlink(r->path);
        }
    }
out_free_names:
    free(names);
    free(name);
    free(display);
    if (rc)
        ferry_run_result_free(r);
    return rc;
}

int ferry_pipeline_after_commit(ferry_pipeline *p, const ferry_run_opts *o,
                                const ferry_run_result *r, ferry_err *err)
{
    int rc = 0;
    for (size_t i = 0; i < p->nsinks; i++) {
        ferry_step *st = &p->sinks[i];
        if (!(st->plugin->desc->flags & FERRY_SINK_AFTER_COMMIT))
            continue;
        ferry_artifact a = {r->path, r->name,         r->content_type, r->sha256, r->size,
                            r->rows, r->download_url, o->nmeta,        o->meta};
        char *url = NULL;
        int one = st->plugin->desc->sink->deliver(ferry_instance_state(st->inst), &a, &url);
        if (url)
            ferry_host_table()->free(ferry_instance_ctx(st->inst), url);
        if (one && !rc)
            rc = plugin_fail(err, one, st, "deliver failed (no message)");
    }
    return rc;
}

void ferry_run_result_free(ferry_run_result *r)
{
    free(r->path);
    free(r->name);
    free(r->content_type);
    free(r->download_url);
    memset(r, 0, sizeof *r);
}
