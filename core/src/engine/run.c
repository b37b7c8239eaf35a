/*
 * run.c — running a built pipeline. The source runs on its own thread
 * and fills batches from a small pool; the calling thread runs filters,
 * the formatter and encoders. The two meet in a bounded queue (the pool's
 * batches travel free → full → free), so fetching overlaps formatting and
 * memory is bounded by queue_batches × batch size, whatever the row count.
 */
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "calls.h"
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
    int src_unavailable; /* the source's open said FERRY_ERR_UNAVAILABLE (ABI 1.4) */
    ferry_err src_err;
    const ferry_schema *schema;
    int64_t row_count;
    int64_t row_estimate; /* the source's estimate (progress only), or -1 */
    /* for the source thread */
    ferry_pipeline *p;
    const ferry_query *query;
    atomic_int *cancel;
    ferry_stage_note *note;
} queue;

/* Notes (or, st NULL, clears) the plugin thread `th` is about to call, and
 * which of its callbacks (calls.h). */
static void note(ferry_stage_note *n, int th, const ferry_step *st, const char *what)
{
    if (st)
        ferry_calls_enter(th, st->plugin->desc->name, what);
    else
        ferry_calls_leave(th);
    if (n && st)
        snprintf(n->name[th], sizeof n->name[th], "%s", st->plugin->desc->name);
    else if (n)
        n->name[th][0] = 0;
}

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

/* A source open's code as the core takes it: FERRY_ERR_UNAVAILABLE only
 * from a plugin built for ABI 1.4 or later (an older one cannot have
 * meant it: a plain error, as its own core would take it). */
static int open_code(const ferry_step *st, int rc)
{
    if (rc == FERRY_ERR_UNAVAILABLE && st->plugin->desc->abi_minor < 4)
        return FERRY_ERR;
    return rc;
}

static void *source_main(void *arg)
{
    queue *q = arg;
    ferry_step *st = &q->p->source;
    const ferry_source_ops *ops = st->plugin->desc->source;
    void *state = ferry_instance_state(st->inst);
    const ferry_schema *schema = NULL;
    int64_t count = -1;
    note(q->note, 0, st, "open");
    int rc = open_code(st, ops->open(state, q->query, &schema, &count));
    note(q->note, 0, NULL, NULL);
    int open_ok = rc == 0;
    q->src_unavailable = rc == FERRY_ERR_UNAVAILABLE;
    if (!rc && (!schema || !schema->ncolumns))
        rc = ferry_err_set(&q->src_err, FERRY_ERR_DATA, "%s: open gave no schema",
                           st->plugin->desc->name);
    if (!rc) {
        for (size_t i = 0; i < q->k; i++) {
            q->pool[i] =
                ferry_batch_new(schema, ferry_batch_rows(q->p->batch_rows, schema->ncolumns));
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
    q->row_estimate = ferry_instance_row_estimate(st->inst);
    if (rc) {
        q->src_rc = rc;
        q->eof = 1;
    }
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    if (rc) {
        if (open_ok) {
            note(q->note, 0, st, "close");
            ops->close(state);
            note(q->note, 0, NULL, NULL);
        }
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
        note(q->note, 0, st, "read");
        rc = (q->cancel && *q->cancel) ? FERRY_ERR_CANCEL : ops->read(state, b, &eof);
        note(q->note, 0, NULL, NULL);
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
    note(q->note, 0, st, "close");
    ops->close(state);
    note(q->note, 0, NULL, NULL);
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
            f ? &f->style : (in->columns[i].style ? in->columns[i].style : ferry_fields_style(fs));
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

/* ---- the run: one record, named steps ------------------------------------ */

typedef struct run {
    ferry_pipeline *p;
    const ferry_run_opts *o;
    ferry_run_result *r;
    ferry_err *err;
    atomic_int *cancel;
    int preview; /* o->rows set: batches go to the caller, nothing is written */
    const char **names;
    ferry_query query;
    char *name, *display; /* artifact file name and offered name */
    ferry_stage stage;
    queue q;
    pthread_t th;
    int started;
    /* the chain: schemas[0] the source's, schemas[i+1] filter i's */
    ferry_schema **schemas;
    ferry_batch **fout;
    size_t opened_filters;
    ferry_output *file_out, **enc_out;
    int format_open;
} run;

static int nomem(run *R)
{
    return ferry_err_set(R->err, FERRY_ERR_NOMEM, "out of memory");
}

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

/* Every instance polls the same cancel flag. */
static void share_cancel(ferry_pipeline *p, atomic_int *cancel)
{
    ferry_instance_set_cancel(p->source.inst, cancel);
    ferry_instance_set_cancel(p->format.inst, cancel);
    for (size_t i = 0; i < p->nfilters; i++)
        ferry_instance_set_cancel(p->filters[i].inst, cancel);
    for (size_t i = 0; i < p->nencoders; i++)
        ferry_instance_set_cancel(p->encoders[i].inst, cancel);
}

/* The query: the selected fields, plus the caller's predicates. */
static int build_query(run *R)
{
    const ferry_pipeline *p = R->p;
    R->names = calloc(p->fields.nselected + 1, sizeof *R->names);
    if (!R->names)
        return nomem(R);
    for (size_t i = 0; i < p->fields.nselected; i++)
        R->names[i] = p->fields.all[p->fields.selected[i]].name;
    R->query = (ferry_query){(uint32_t)p->fields.nselected, 0, R->names, NULL};
    const ferry_query *oq = R->o->query;
    if (oq) {
        R->query.npredicates = oq->npredicates;
        R->query.predicates = oq->predicates;
        if (oq->nfields) {
            R->query.nfields = oq->nfields;
            R->query.fields = oq->fields;
        }
    }
    return 0;
}

/* The artifact's names and its staging file (not for a preview). */
static int open_stage(run *R)
{
    const ferry_run_opts *o = R->o;
    const char *base = o->file_base ? o->file_base : R->p->out_name;
    R->name = artifact_name(base, R->p);
    R->display = artifact_name(o->display_base ? o->display_base : base, R->p);
    if (!R->name || !R->display)
        return nomem(R);
    const char *dir = o->out_dir ? o->out_dir : R->p->out_dir;
    return ferry_stage_open(&R->stage, dir, R->name, !o->no_sweep, R->err);
}

/* Starts the source thread and waits for its open. */
static int start_source(run *R)
{
    queue *q = &R->q;
    q->k = R->p->queue_batches;
    q->pool = calloc(q->k, sizeof *q->pool);
    q->free_ = calloc(q->k, sizeof *q->free_);
    q->full = calloc(q->k, sizeof *q->full);
    q->p = R->p;
    q->query = &R->query;
    q->cancel = R->cancel;
    q->note = R->o->note;
    q->row_count = -1;
    q->row_estimate = -1;
    if (!q->pool || !q->free_ || !q->full)
        return nomem(R);
    if (pthread_create(&R->th, NULL, source_main, q))
        return ferry_err_set(R->err, FERRY_ERR, "cannot start the source thread");
    R->started = 1;
    pthread_mutex_lock(&q->mu);
    while (!q->opened)
        pthread_cond_wait(&q->cv, &q->mu);
    pthread_mutex_unlock(&q->mu);
    if (q->src_rc && !q->schema) {
        *R->err = q->src_err;
        return q->src_rc;
    }
    R->r->source_rows = q->row_count;
    return 0;
}

/* Filters, each with its decorated output schema and batch. */
static int open_filters(run *R)
{
    ferry_pipeline *p = R->p;
    size_t nf = p->nfilters;
    R->schemas = calloc(nf + 1, sizeof *R->schemas);
    R->fout = calloc(nf + 1, sizeof *R->fout);
    if (!R->schemas || !R->fout || !(R->schemas[0] = decorate(R->q.schema, &p->fields)))
        return nomem(R);
    for (size_t i = 0; i < nf; i++) {
        const ferry_schema *outs = NULL;
        ferry_step *st = &p->filters[i];
        note(R->o->note, 1, st, "open");
        int rc =
            st->plugin->desc->filter->open(ferry_instance_state(st->inst), R->schemas[i], &outs);
        note(R->o->note, 1, NULL, NULL);
        if (rc)
            return plugin_fail(R->err, rc, st, "open failed (no message)");
        if (!outs || (outs->ncolumns && !outs->columns))
            return ferry_err_set(R->err, FERRY_ERR_PLUGIN,
                                 "%s: open returned 0 but set no output schema (a plugin bug)",
                                 st->plugin->desc->name);
        R->opened_filters++;
        R->schemas[i + 1] = decorate(outs, &p->fields);
        /* as many rows as the source's batches (a filter writes at most its input's) */
        uint32_t rows = ferry_batch_rows(p->batch_rows, R->q.schema->ncolumns);
        R->fout[i] = R->schemas[i + 1] ? ferry_batch_new(R->schemas[i + 1], rows) : NULL;
        if (!R->fout[i])
            return nomem(R);
    }
    return 0;
}

/* Encoders from the file back to the formatter, then the formatter. */
static int open_writers(run *R)
{
    ferry_pipeline *p = R->p;
    const ferry_plugin_descriptor *fd = p->format.plugin->desc;
    int wants_file = (fd->flags & FERRY_FORMAT_WANTS_FILE) != 0;
    R->file_out = ferry_output_file(R->stage.fd);
    R->enc_out = calloc(p->nencoders + 1, sizeof *R->enc_out);
    if (!R->file_out || !R->enc_out)
        return nomem(R);
    ferry_output *head = R->file_out;
    for (size_t i = p->nencoders; i-- > 0;) {
        ferry_step *st = &p->encoders[i];
        R->enc_out[i] = ferry_output_encoder(st->inst, head);
        if (!R->enc_out[i])
            return nomem(R);
        note(R->o->note, 1, st, "open");
        int rc = st->plugin->desc->encode->open(ferry_instance_state(st->inst), head);
        note(R->o->note, 1, NULL, NULL);
        if (rc)
            return plugin_fail(R->err, rc, st, "open failed (no message)");
        head = R->enc_out[i];
    }
    note(R->o->note, 1, &p->format, "open");
    int rc = fd->format->open(ferry_instance_state(p->format.inst), R->schemas[p->nfilters],
                              wants_file ? NULL : head, wants_file ? R->stage.path : NULL,
                              R->stage.tmpdir, R->q.row_count);
    note(R->o->note, 1, NULL, NULL);
    if (rc)
        return plugin_fail(R->err, rc, &p->format, "open failed (no message)");
    R->format_open = 1;
    return 0;
}

/* Opens the chain after the source: filters, then (unless previewing)
 * encoders and the formatter. */
static int open_chain(run *R)
{
    int rc = open_filters(R);
    return rc || R->preview ? rc : open_writers(R);
}

/* A batch that step `st`'s callback `what` filled against the contract of
 * ferry/types.h (a value of another type than its column, a NULL string):
 * the run stops here, naming the plugin, rather than let the next step read
 * an integer as a pointer. FERRY_ERR_PLUGIN: a plugin bug, exit 4, and no
 * request retries it. */
static int batch_check(run *R, const ferry_step *st, const char *what, const ferry_batch *b)
{
    uint32_t row, col;
    const char *why = ferry_batch_problem(b, &row, &col);
    if (!why)
        return 0;
    const char *name = st->plugin->desc->name;
    if (b->nrows > b->capacity)
        return ferry_err_set(R->err, FERRY_ERR_PLUGIN,
                             "%s: %s put %u rows in a batch of %u (a plugin bug)", name, what,
                             b->nrows, b->capacity);
    const ferry_column *c = &b->schema->columns[col];
    const ferry_value *v = ferry_batch_at(b, row, col);
    const char *vt = ferry_type_name(v->type);
    char got[48] = "";
    if (v->type != c->type && vt)
        snprintf(got, sizeof got, ": %s", vt);
    else if (v->type != c->type)
        snprintf(got, sizeof got, ": type number %d", v->type);
    return ferry_err_set(R->err, FERRY_ERR_PLUGIN,
                         "%s: %s gave row %u of its batch, column \"%s\" (%s), %s%s (a plugin "
                         "bug: `ferry plugins check` shows it)",
                         name, what, row + 1, c->name, ferry_type_name(c->type), why, got);
}

/* One source batch through the filters; *out is the last one's output. */
static int filter_batch(run *R, ferry_batch *b, const ferry_batch **out)
{
    ferry_pipeline *p = R->p;
    b->schema = R->schemas[0];
    int rc = batch_check(R, &p->source, "read", b);
    if (rc)
        return rc;
    const ferry_batch *cur = b;
    for (size_t i = 0; i < p->nfilters; i++) {
        ferry_batch_reset(R->fout[i]);
        ferry_step *st = &p->filters[i];
        note(R->o->note, 1, st, "process");
        rc = st->plugin->desc->filter->process(ferry_instance_state(st->inst), cur, R->fout[i]);
        note(R->o->note, 1, NULL, NULL);
        if (rc)
            return plugin_fail(R->err, rc, st, "process failed (no message)");
        if ((rc = batch_check(R, st, "process", R->fout[i])))
            return rc;
        cur = R->fout[i];
    }
    *out = cur;
    return 0;
}

/* A formatter's or encoder's failure: when the file below failed (disk
 * full, EIO), that cause, whatever the plugin said ("write failed"). */
static int chain_fail(run *R, int rc, const ferry_step *st, const char *what)
{
    const char *oe = ferry_output_error(R->file_out);
    if (oe && oe[0])
        return ferry_err_set(R->err, FERRY_ERR_IO, "writing %s: %s", R->stage.path, oe);
    return plugin_fail(R->err, rc, st, what);
}

/* Filtered rows to the formatter, or to the caller's row sink. */
static int write_batch(run *R, const ferry_batch *b, int *enough)
{
    if (R->preview)
        return R->o->rows(R->o->row_payload, b, enough);
    ferry_step *f = &R->p->format;
    note(R->o->note, 1, f, "write");
    int rc = f->plugin->desc->format->write(ferry_instance_state(f->inst), b);
    note(R->o->note, 1, NULL, NULL);
    if (!rc)
        return 0;
    return chain_fail(R, rc, f, "write failed (no message)");
}

/* The next full batch from the source, or NULL at its end. */
static ferry_batch *next_batch(queue *q)
{
    pthread_mutex_lock(&q->mu);
    while (q->nfull == 0 && !q->eof)
        pthread_cond_wait(&q->cv, &q->mu);
    ferry_batch *b = q->nfull ? q_pop_full(q) : NULL;
    pthread_mutex_unlock(&q->mu);
    return b;
}

static void give_back(queue *q, ferry_batch *b)
{
    pthread_mutex_lock(&q->mu);
    q->free_[q->nfree++] = b;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* Progress: the source's count when it counted, else its estimate (shown
 * as one), else nothing to measure against. */
static void progress(run *R, const ferry_run_opts *o)
{
    int estimated = R->q.row_count < 0 && R->q.row_estimate >= 0;
    o->progress(o->payload, R->r->rows, estimated ? R->q.row_estimate : R->q.row_count, estimated);
}

/* Moves batches from the source through the chain until the source ends,
 * a step fails, the row sink has enough or the run is cancelled. */
static int pump(run *R)
{
    const ferry_run_opts *o = R->o;
    ferry_batch *b;
    while ((b = next_batch(&R->q))) {
        const ferry_batch *cur = NULL;
        int enough = 0;
        int rc = filter_batch(R, b, &cur);
        if (!rc && cur->nrows) {
            rc = write_batch(R, cur, &enough);
            R->r->rows += cur->nrows;
        }
        give_back(&R->q, b);
        if (rc)
            return rc;
        if (o->progress)
            progress(R, o);
        if (enough)
            break;
        if (*R->cancel)
            return ferry_err_set(R->err, FERRY_ERR_CANCEL, "cancelled");
    }
    return 0;
}

/* Stops the source (it may be waiting for a free batch) and collects its
 * result; it stays open, schema and all, until release_source. */
static int stop_source(run *R, int rc)
{
    queue *q = &R->q;
    pthread_mutex_lock(&q->mu);
    q->closed = 1;
    pthread_cond_broadcast(&q->cv);
    while (!q->src_done)
        pthread_cond_wait(&q->cv, &q->mu);
    pthread_mutex_unlock(&q->mu);
    if (!rc && q->src_rc) {
        *R->err = q->src_err;
        rc = q->src_rc;
    }
    return rc;
}

/* The formatter's and encoders' finish, then the file's flush; for a
 * preview, the row sink's end. */
static int finish_chain(run *R)
{
    ferry_pipeline *p = R->p;
    if (R->preview)
        return R->o->rows_end ? R->o->rows_end(R->o->row_payload, R->schemas[p->nfilters]) : 0;
    note(R->o->note, 1, &p->format, "finish");
    int rc = p->format.plugin->desc->format->finish(ferry_instance_state(p->format.inst));
    note(R->o->note, 1, NULL, NULL);
    if (rc)
        return chain_fail(R, rc, &p->format, "finish failed (no message)");
    for (size_t i = 0; i < p->nencoders; i++) {
        ferry_step *st = &p->encoders[i];
        note(R->o->note, 1, st, "finish");
        rc = st->plugin->desc->encode->finish(ferry_instance_state(st->inst));
        note(R->o->note, 1, NULL, NULL);
        if (rc)
            return chain_fail(R, rc, st, "finish failed (no message)");
    }
    return ferry_output_flush(R->file_out, R->err);
}

static void close_chain(run *R)
{
    ferry_pipeline *p = R->p;
    const ferry_step *st;
    if (R->format_open) {
        note(R->o->note, 1, &p->format, "close");
        p->format.plugin->desc->format->close(ferry_instance_state(p->format.inst));
    }
    for (size_t i = 0; R->enc_out && i < p->nencoders; i++) {
        if (R->enc_out[i]) {
            note(R->o->note, 1, st = &p->encoders[i], "close");
            st->plugin->desc->encode->close(ferry_instance_state(st->inst));
            ferry_output_free(R->enc_out[i]);
        }
    }
    free(R->enc_out);
    for (size_t i = 0; i < R->opened_filters; i++) {
        note(R->o->note, 1, st = &p->filters[i], "close");
        st->plugin->desc->filter->close(ferry_instance_state(st->inst));
    }
    note(R->o->note, 1, NULL, NULL);
    for (size_t i = 0; R->fout && i < p->nfilters; i++)
        ferry_batch_free(R->fout[i]);
    free(R->fout);
    for (size_t i = 0; R->schemas && i <= p->nfilters; i++)
        schema_free(R->schemas[i]);
    free(R->schemas);
}

/* The written file's checksum and size. */
static int measure(run *R)
{
    ferry_run_result *r = R->r;
    if (R->p->format.plugin->desc->flags & FERRY_FORMAT_WANTS_FILE)
        return ferry_sha256_file(R->stage.path, r->sha256, &r->size, R->err);
    ferry_output_sha256(R->file_out, r->sha256);
    r->size = ferry_output_bytes(R->file_out);
    return 0;
}

/* Releases the source (closing it) and frees the queue. */
static void release_source(run *R)
{
    queue *q = &R->q;
    if (R->started) {
        pthread_mutex_lock(&q->mu);
        q->closed = 1;
        q->release = 1;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        pthread_join(R->th, NULL);
    }
    for (size_t i = 0; q->pool && i < q->k; i++)
        ferry_batch_free(q->pool[i]);
    free(q->pool);
    free(q->free_);
    free(q->full);
}

/* Renames the staged file into place and fills the result, or removes it. */
static int publish(run *R, int rc)
{
    ferry_pipeline *p = R->p;
    ferry_run_result *r = R->r;
    if (!rc && *R->cancel)
        rc = ferry_err_set(R->err, FERRY_ERR_CANCEL, "cancelled");
    if (!rc)
        rc = ferry_stage_publish(&R->stage, R->err);
    if (rc) {
        ferry_stage_abort(&R->stage);
        return rc;
    }
    r->path = strdup(R->stage.final);
    if (!R->preview)
        ferry_calls_published(R->stage.final);
    r->name = R->display;
    R->display = NULL;
    r->content_type = strdup(p->nencoders ? p->encoders[p->nencoders - 1].plugin->desc->content_type
                                          : p->format.plugin->desc->content_type);
    if (R->o->download_url)
        r->download_url = strdup(R->o->download_url);
    return 0;
}

enum { SINKS_BEFORE = 1, SINKS_AFTER = 2 };

/*
 * The one sink-delivery loop. `which` picks sinks by FERRY_SINK_AFTER_COMMIT
 * (SINKS_BEFORE: those without, SINKS_AFTER: those with). `url`, when not
 * NULL, is the result's download URL slot a sink's URL replaces (the next
 * sink sees it); `keep_going` delivers to every sink, reporting the first
 * failure, instead of stopping at it.
 */
static int deliver(ferry_pipeline *p, const ferry_run_opts *o, const ferry_run_result *r, int which,
                   char **url, int keep_going, ferry_err *err)
{
    int rc = 0;
    for (size_t i = 0; i < p->nsinks && (keep_going || !rc); i++) {
        ferry_step *st = &p->sinks[i];
        int after = (st->plugin->desc->flags & FERRY_SINK_AFTER_COMMIT) != 0;
        if (!(which & (after ? SINKS_AFTER : SINKS_BEFORE)))
            continue;
        if (after && o->targets_apart && st->plugin->desc->sink->targets)
            continue; /* the caller delivers to each target itself */
        ferry_artifact a = {r->path, r->name,         r->content_type, r->sha256, r->size,
                            r->rows, r->download_url, o->nmeta,        o->meta};
        char *given = NULL;
        note(o->note, 1, st, "deliver");
        int one = st->plugin->desc->sink->deliver(ferry_instance_state(st->inst), &a, &given);
        note(o->note, 1, NULL, NULL);
        if (given && url) {
            free(*url);
            *url = strdup(given);
        }
        if (given)
            ferry_host_table()->free(ferry_instance_ctx(st->inst), given);
        if (one && !rc)
            rc = plugin_fail(err, one, st, "deliver failed (no message)");
    }
    return rc;
}

/* Sinks that deliver before any commit (file store, …). One that fails
 * means nothing was published for anyone: the file is taken back. */
static int deliver_before_commit(run *R)
{
    const ferry_run_opts *o = R->o;
    if (o->no_sinks)
        return 0;
    int which = o->skip_after_commit ? SINKS_BEFORE : SINKS_BEFORE | SINKS_AFTER;
    int rc = deliver(R->p, o, R->r, which, &R->r->download_url, 0, R->err);
    if (rc) {
        unlink(R->r->path);
        ferry_calls_published(NULL);
    }
    return rc;
}

/* The source refused to open: when its columns show the pipeline's fields
 * are wrong, that is the config's mistake (exit 3, file:line), not the
 * database's. Called once the source thread is joined. */
static int diagnose_open(run *R, int rc)
{
    ferry_err cerr = FERRY_ERR_INIT;
    int checked = 0;
    if (rc == FERRY_ERR_CONFIG || rc == FERRY_ERR_UNAVAILABLE || !R->q.src_rc || R->q.schema ||
        atomic_load(R->cancel))
        return rc;
    if (ferry_pipeline_check_columns(R->p, &checked, &cerr) != FERRY_ERR_CONFIG)
        return rc;
    *R->err = cerr;
    return FERRY_ERR_CONFIG;
}

/* Source open to source closed: everything between the stage and publish. */
static int run_chain(run *R)
{
    int rc = start_source(R);
    if (!rc) {
        rc = open_chain(R);
        if (!rc)
            rc = pump(R);
        rc = stop_source(R, rc);
        if (!rc)
            rc = finish_chain(R);
        close_chain(R);
        R->r->warnings = pipeline_warnings(R->p);
        if (!rc && !R->preview)
            rc = measure(R);
        ferry_output_free(R->file_out);
    }
    release_source(R);
    return diagnose_open(R, rc);
}

/*
 * FERRY_ERR_UNAVAILABLE leaves the run only as the source's open said it:
 * then no row was read, no filter, formatter or sink had started, and the
 * staging file (this attempt's name, not yet published) was removed, so
 * nothing of the run is left and the worker may give the request back
 * without counting the attempt. From anywhere later (a read, a formatter,
 * a sink after publishing) rows were read or the artifact was visible, and
 * what failed may be the request's own doing: a plain error (an attempt).
 */
static int run_code(const run *R, int rc)
{
    if (rc != FERRY_ERR_UNAVAILABLE || R->q.src_unavailable)
        return rc;
    R->err->code = FERRY_ERR;
    return FERRY_ERR;
}

int ferry_pipeline_run(ferry_pipeline *p, const ferry_run_opts *o, ferry_run_result *r,
                       ferry_err *err)
{
    memset(r, 0, sizeof *r);
    r->source_rows = -1;
    atomic_int local_cancel = 0;
    run R;
    memset(&R, 0, sizeof R);
    R.p = p;
    R.o = o;
    R.r = r;
    R.err = err;
    R.cancel = o->cancel ? o->cancel : &local_cancel;
    R.preview = o->rows != NULL;
    R.stage.fd = -1;
    pthread_mutex_init(&R.q.mu, NULL);
    pthread_cond_init(&R.q.cv, NULL);
    share_cancel(p, R.cancel);

    int rc = build_query(&R);
    if (!rc && !R.preview && !(rc = open_stage(&R))) {
        rc = publish(&R, run_chain(&R));
        ferry_stage_free(&R.stage);
        if (!rc)
            rc = deliver_before_commit(&R);
    } else if (!rc) {
        rc = run_chain(&R);
    }
    rc = run_code(&R, rc);
    pthread_mutex_destroy(&R.q.mu);
    pthread_cond_destroy(&R.q.cv);
    free(R.names);
    free(R.name);
    free(R.display);
    if (rc)
        ferry_run_result_free(r);
    return rc;
}

int ferry_pipeline_after_commit(ferry_pipeline *p, const ferry_run_opts *o,
                                const ferry_run_result *r, ferry_err *err)
{
    return deliver(p, o, r, SINKS_AFTER, NULL, 1, err);
}

/* The artifact sinks see. */
static ferry_artifact artifact_of(const ferry_run_opts *o, const ferry_run_result *r)
{
    ferry_artifact a = {r->path, r->name,         r->content_type, r->sha256, r->size,
                        r->rows, r->download_url, o->nmeta,        o->meta};
    return a;
}

int ferry_pipeline_sink_targets(ferry_pipeline *p, size_t i, const ferry_run_opts *o,
                                const ferry_run_result *r, ferry_buf *out, int *has, ferry_err *err)
{
    ferry_step *st = &p->sinks[i];
    const ferry_plugin_descriptor *d = st->plugin->desc;
    *has = (d->flags & FERRY_SINK_AFTER_COMMIT) && d->sink->targets;
    if (!*has)
        return 0;
    ferry_artifact a = artifact_of(o, r);
    note(o->note, 1, st, "targets");
    int rc = d->sink->targets(ferry_instance_state(st->inst), &a, out);
    note(o->note, 1, NULL, NULL);
    return rc ? plugin_fail(err, rc, st, "targets failed (no message)") : 0;
}

int ferry_pipeline_sink_deliver(ferry_pipeline *p, size_t i, const ferry_run_opts *o,
                                const ferry_run_result *r, ferry_err *err)
{
    ferry_step *st = &p->sinks[i];
    ferry_artifact a = artifact_of(o, r);
    char *given = NULL;
    int rc = st->plugin->desc->sink->deliver(ferry_instance_state(st->inst), &a, &given);
    if (given)
        ferry_host_table()->free(ferry_instance_ctx(st->inst), given);
    return rc ? plugin_fail(err, rc, st, "deliver failed (no message)") : 0;
}

void ferry_run_result_free(ferry_run_result *r)
{
    free(r->path);
    free(r->name);
    free(r->content_type);
    free(r->download_url);
    memset(r, 0, sizeof *r);
}
