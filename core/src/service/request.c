/*
 * request.c — the request contract: an export_requests row, its template
 * and the serving pipeline become one run (request over template over
 * pipeline; owner scoping always; filters as bound predicates), and the
 * run's outcome is committed under the claim's fence.
 */
#include "request.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "artifacts.h"
#include "audit.h"
#include "buf.h"
#include "delivery.h"
#include "log_fields.h"
#include "clock.h"
#include "tzif.h"
#include "filters.h"
#include "loader.h"
#include "objects.h"
#include "pipeline.h"
#include "retry.h"
#include "template_opts.h"
#include "token.h"

enum {
    R_USER,
    R_TITLE,
    R_FORMAT,
    R_TEMPLATE,
    R_FILTERS,
    R_START,
    R_END,
    R_SELECTED,
    R_SCHEDULE,
    R_EMAIL,
    R_NCOLS
};

typedef struct job {
    const ferry_service *svc;
    ferry_db *db;
    const ferry_claim *claim;
    fdb_rows *req;
    fdb_rows *tpl;   /* may be NULL */
    fdb_rows *sched; /* may be NULL */
    char format[24];
    double last_progress;
    const char *object;       /* "s3://bucket/key" when uploaded, else NULL; borrowed */
    ferry_db *own_db;         /* a connection made after the first broke, or NULL; owned */
    int completed;            /* redelivering: the request is completed, not claimed */
    ferry_request_done *done; /* may be NULL; borrowed */
    char *path;               /* the pipeline file, once resolved; owned */
    const char *plugin;       /* the format plugin, once resolved (static) */
    int stage;                /* how far it got (STAGE_*) */
} job;

/* How far a request got: what an error can be blamed on (fault_of). */
enum {
    STAGE_ROWS,     /* its rows, format and pipeline file: the request's, or the database's */
    STAGE_PIPELINE, /* the site's pipeline file built with the request's settings */
    STAGE_RUN,      /* the pipeline run */
};

static const char *col(const fdb_rows *r, int c)
{
    return r ? fdb_get(r, 0, (size_t)c) : NULL;
}

#define REQUEST_COLUMNS                                                                            \
    "SELECT r.user_id, r.title, r.format, r.template_id, r.filters, "                              \
    "DATE_FORMAT(r.date_range_start, '%Y-%m-%d %H:%i:%s.%f'), "                                    \
    "DATE_FORMAT(r.date_range_end, '%Y-%m-%d %H:%i:%s.%f'), "                                      \
    "r.selected_fields, r.ferry_schedule_id, u.email "                                             \
    "FROM export_requests r LEFT JOIN auth_user u ON u.id = r.user_id "

static int load_request(job *j, ferry_err *err)
{
    fdb_param p[] = {fdb_str(j->claim->id), fdb_str(j->claim->owner), fdb_i64(j->claim->attempt)};
    int rc = fdb_query(j->db,
                       j->completed ? REQUEST_COLUMNS "WHERE r.id = ? AND r.status = 'completed'"
                                    : REQUEST_COLUMNS
                           "WHERE r.id = ? AND r.ferry_lease_owner = ? AND r.ferry_attempt = ? "
                           "AND r.status = 'processing'",
                       p, j->completed ? 1 : 3, &j->req, err);
    if (rc)
        return rc;
    if (j->req->nrows == 0 && j->completed)
        return ferry_err_set(err, FERRY_ERR_DATA, "request %s is no longer completed",
                             j->claim->id);
    if (j->req->nrows == 0)
        return ferry_err_set(err, FERRY_ERR_CANCEL,
                             "request %s: not held by this claim (lease lost or cancelled)",
                             j->claim->id);
    return 0;
}

/* The template, and whether the request's user may use it. */
static int load_template(job *j, ferry_err *err)
{
    const char *tid = col(j->req, R_TEMPLATE);
    if (!tid)
        return 0;
    fdb_param p[] = {fdb_i64(j->claim->user_id), fdb_str(tid)};
    int rc = fdb_query(j->db,
                       "SELECT t.user_id, t.is_public, t.format, t.field_configuration, "
                       "t.default_filters, t.layout_settings, "
                       "EXISTS (SELECT 1 FROM export_templates_shared_with s "
                       "WHERE s.exporttemplate_id = t.id AND s.user_id = ?) "
                       "FROM export_templates t WHERE t.id = ?",
                       p, 2, &j->tpl, err);
    if (rc)
        return rc;
    if (j->tpl->nrows == 0) {
        /* The template was deleted (the FK is SET NULL in Django's model). */
        fdb_rows_free(j->tpl);
        j->tpl = NULL;
        return 0;
    }
    int owner = atoll(col(j->tpl, 0)) == j->claim->user_id;
    int pub = atoi(col(j->tpl, 1)) != 0;
    int shared = atoi(col(j->tpl, 6)) != 0;
    if (!owner && !pub && !shared)
        return ferry_err_set(err, FERRY_ERR_DENIED,
                             "request %s: template %s is not the user's, not shared with them "
                             "and not public",
                             j->claim->id, tid);
    return 0;
}

static int load_schedule(job *j, ferry_err *err)
{
    const char *sid = col(j->req, R_SCHEDULE);
    if (!sid)
        return 0;
    fdb_param p[] = {fdb_str(sid)};
    int rc = fdb_query(j->db,
                       "SELECT email_recipients, include_download_link, attach_file, timezone, "
                       "user_id FROM export_schedules WHERE id = ?",
                       p, 1, &j->sched, err);
    if (!rc && j->sched->nrows == 0) {
        fdb_rows_free(j->sched);
        j->sched = NULL;
    }
    /* Its recipients get the user's rows: another user's schedule is denied. */
    if (!rc && j->sched && (!col(j->sched, 4) || atoll(col(j->sched, 4)) != j->claim->user_id))
        return ferry_err_set(err, FERRY_ERR_DENIED, "request %s: schedule %s is not the user's",
                             j->claim->id, sid);
    return rc;
}

/* A JSON object's string member, or NULL. `json` may be NULL. */
static char *json_member_string(const char *json, const char *key)
{
    if (!json)
        return NULL;
    json_t *root = json_loads(json, JSON_DECODE_ANY, NULL);
    char *r = NULL;
    json_t *v = root && json_is_object(root) ? json_object_get(root, key) : NULL;
    if (v && json_is_string(v))
        r = strdup(json_string_value(v));
    json_decref(root);
    return r;
}

/* layout_settings keys that name an option of the format plugin become
 * that option ("title", "sheet_name", "orientation", …). */
static int apply_layout(job *j, ferry_pipeline *p, const char *format_plugin, ferry_err *err)
{
    const char *layout = j->tpl ? col(j->tpl, 5) : NULL;
    if (!layout || !*layout)
        return 0;
    json_t *root = json_loads(layout, JSON_DECODE_ANY, NULL);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "template layout_settings must be a JSON object");
    }
    ferry_site *site = j->svc->site;
    ferry_plugin *plug = NULL;
    int rc = ferry_plugin_find(&plug, site->plugin_path, site->nplugin_path, format_plugin, err);
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (rc)
            break;
        const ferry_option *o = plug->desc->options;
        while (o && o->name && strcmp(o->name, key))
            o++;
        if (!o || !o->name)
            continue; /* not this format's: the web app's own, or another format's */
        char text[1024], label[256], path[160];
        if (json_is_string(v))
            snprintf(text, sizeof text, "%s", json_string_value(v));
        else if (json_is_integer(v))
            snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v))
            snprintf(text, sizeof text, "%g", json_real_value(v));
        else if (json_is_boolean(v))
            snprintf(text, sizeof text, "%s", json_is_true(v) ? "true" : "false");
        else if (json_is_array(v)) {
            size_t used = 0;
            text[0] = '\0';
            for (size_t i = 0; i < json_array_size(v) && used < sizeof text; i++)
                used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", i ? "," : "",
                                         json_string_value(json_array_get(v, i))
                                             ? json_string_value(json_array_get(v, i))
                                             : "");
        } else
            continue;
        snprintf(label, sizeof label, "template layout_settings.%s", key);
        snprintf(path, sizeof path, "format.%s", key);
        rc = ferry_template_option_check(site, p, format_plugin, o, col(j->req, R_TEMPLATE), text,
                                         err);
        if (!rc)
            rc = ferry_pipeline_set(p, path, text, label, err);
    }
    ferry_plugin_close(plug);
    json_decref(root);
    return rc;
}

/*
 * The time zone a calendar-date column is read in: the schedule's (a
 * scheduled request's window was resolved there), else the template's
 * field_configuration timezone, else the pipeline's fields.timezone, else UTC.
 */
static char *range_timezone(const job *j, const ferry_pipeline *p)
{
    if (j->sched && col(j->sched, 3) && *col(j->sched, 3))
        return strdup(col(j->sched, 3));
    char *t = j->tpl ? json_member_string(col(j->tpl, 3), "timezone") : NULL;
    if (t)
        return t;
    return strdup(p->fields.timezone ? p->fields.timezone : "UTC");
}

/* A UTC "YYYY-MM-DD HH:MM:SS[.f]" as wall-clock time in `tzname`. */
static int to_local(const char *utc, const char *tzname, char *out, size_t len, ferry_err *err)
{
    ferry_tz *tz = NULL;
    int64_t t;
    int rc = ferry_tz_load(&tz, tzname, err);
    if (!rc)
        rc = ferry_time_parse(utc, NULL, &t, err);
    if (!rc)
        ferry_time_format(t, ferry_tz_offset(tz, t, NULL), out, len);
    ferry_tz_free(tz);
    return rc ? ferry_err_prefix(err, "date range") : 0;
}

static void progress_cb(void *payload, uint64_t rows, int64_t total, int estimated)
{
    job *j = payload;
    (void)estimated; /* an estimate is good enough for a percentage capped at 99 */
    if (total <= 0)
        return;
    double now = ferry_monotonic();
    if (now - j->last_progress < 1.0)
        return;
    j->last_progress = now;
    int64_t pct = (int64_t)(rows * 100 / (uint64_t)total);
    if (pct > 99)
        pct = 99;
    fdb_param p[] = {fdb_i64(pct), fdb_str(j->claim->id), fdb_str(j->claim->owner),
                     fdb_i64(j->claim->attempt)};
    ferry_err e = FERRY_ERR_INIT;
    fdb_exec(j->db,
             "UPDATE export_requests SET progress_percentage = ?, updated_at = NOW(6) "
             "WHERE id = ? AND ferry_lease_owner = ? AND ferry_attempt = ?",
             p, 4, NULL, &e);
}

/* The name offered to users: the title, made safe for a file name. */
static void display_base(const char *title, char *out, size_t len)
{
    size_t k = 0;
    for (const unsigned char *c = (const unsigned char *)(title ? title : ""); *c && k + 1 < len;
         c++) {
        if (*c < 0x20 || *c == '/' || *c == '\\' || *c == '"' || *c == 0x7f)
            out[k++] = '_';
        else
            out[k++] = (char)*c;
    }
    out[k] = '\0';
    /* Keep UTF-8 whole when the cut fell inside a sequence. */
    while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
        k--;
    if (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0xC0)
        out[--k] = '\0';
    if (k == 0 || !strcmp(out, ".") || !strcmp(out, ".."))
        snprintf(out, len, "export");
    for (size_t i = 0; out[i]; i++)
        if (out[i] == '.' && i == 0)
            out[i] = '_';
}

/* The fenced UPDATE that completes the claimed request; *affected 0: the
 * lease was lost. */
static int mark_completed(job *j, const char *rel, const ferry_run_result *r,
                          int64_t retention_days, uint64_t *affected, ferry_err *err)
{
    const ferry_claim *c = j->claim;
    fdb_param u[] = {fdb_str(rel),
                     fdb_i64((int64_t)r->size),
                     fdb_str(r->download_url ? r->download_url : ""),
                     fdb_i64(retention_days),
                     fdb_i64((int64_t)r->rows),
                     fdb_i64((int64_t)r->warnings),
                     fdb_str(r->sha256),
                     fdb_str(r->name),
                     fdb_str(r->content_type),
                     fdb_str(c->id),
                     fdb_str(c->owner),
                     fdb_i64(c->attempt)};
    return fdb_exec(j->db,
                    "UPDATE export_requests SET status = 'completed', completed_at = NOW(6), "
                    "progress_percentage = 100, file_path = ?, file_size = ?, "
                    "download_url = ?, expires_at = NOW(6) + INTERVAL ? DAY, "
                    "ferry_row_count = ?, ferry_warning_count = ?, ferry_checksum = ?, "
                    "ferry_file_name = ?, "
                    "ferry_content_type = ?, error_message = '', ferry_lease_owner = '', "
                    "ferry_lease_expires_at = NULL, updated_at = NOW(6) "
                    "WHERE id = ? AND ferry_lease_owner = ? AND ferry_attempt = ? "
                    "AND status = 'processing'",
                    u, 12, affected, err);
}

/* What the completion writes into file_path: the object, else the file's
 * name in the store. */
static const char *artifact_rel(const job *j, const ferry_run_result *r)
{
    if (j->object)
        return j->object;
    return strrchr(r->path, '/') ? strrchr(r->path, '/') + 1 : r->path;
}

/* *unsure is set when the COMMIT itself failed: the server may have
 * committed it all the same (its answer lost with the connection). */
static int complete(job *j, ferry_pipeline *p, ferry_run_result *r, int64_t retention_days,
                    int *unsure, ferry_err *err)
{
    const ferry_claim *c = j->claim;
    const char *rel = artifact_rel(j, r);
    int rc = fdb_begin(j->db, err);
    if (rc)
        return rc;
    uint64_t affected = 0;
    rc = mark_completed(j, rel, r, retention_days, &affected, err);
    if (!rc && affected == 0) {
        fdb_rollback(j->db);
        return ferry_err_set(err, FERRY_ERR_CANCEL,
                             "request %s attempt %d: lease lost before completion; its file was "
                             "removed",
                             c->id, c->attempt);
    }
    const char *ua = j->svc->user_agent;
    /* jansson, not snprintf: a '"' in a pipeline or file name stays valid JSON. */
    json_t *ej = json_pack("{s:i, s:I, s:I, s:I, s:s, s:s, s:s}", "attempt", c->attempt, "rows",
                           (json_int_t)r->rows, "bytes", (json_int_t)r->size, "warnings",
                           (json_int_t)r->warnings, "sha256", r->sha256, "file", rel, "pipeline",
                           p->name ? p->name : "");
    char *extra = ej ? json_dumps(ej, JSON_PRESERVE_ORDER) : NULL;
    json_decref(ej);
    if (!rc && !extra)
        rc = ferry_err_set(err, FERRY_ERR,
                           "request %s: cannot build its audit record (pipeline "
                           "or file name not UTF-8?)",
                           c->id);
    if (!rc)
        rc = ferry_audit_write(j->db, c->id, c->user_id, "completed", "", ua, extra, err);
    free(extra);
    if (!rc)
        rc = ferry_usage_add(j->db, c->user_id, NULL, j->format, 0, r->rows, r->size, c->id, err);
    if (!rc && j->tpl) {
        fdb_param tu[] = {fdb_str(col(j->req, R_TEMPLATE))};
        rc = fdb_exec(j->db,
                      "UPDATE export_templates SET usage_count = usage_count + 1, "
                      "last_used = NOW(6) WHERE id = ?",
                      tu, 1, NULL, err);
    }
    if (!rc && (rc = fdb_commit(j->db, err)) != 0)
        *unsure = 1;
    if (rc)
        fdb_rollback(j->db);
    return rc;
}

static int settle_connect(void *arg, unsigned i, ferry_err *err)
{
    job *j = arg;
    (void)i;
    return fdb_connect_url(&j->own_db, j->svc->site->database_url, 60, err);
}

/*
 * After a COMMIT that failed: asks a new connection (retried with backoff
 * for some 30 s, the database may be restarting) whether this attempt's
 * completion is in the database. *known 0: it could not tell. On success
 * the job goes on with the new connection.
 */
static void settle_commit(job *j, const char *rel, int *committed, int *known)
{
    *committed = *known = 0;
    ferry_backoff b;
    ferry_backoff_init(&b, 250, 8000);
    ferry_retry_ops ops = {settle_connect, NULL, j};
    ferry_err e = FERRY_ERR_INIT;
    if (ferry_retry(&b, 8, NULL, &ops, &e))
        return;
    fdb_param p[] = {fdb_str(j->claim->id), fdb_i64(j->claim->attempt), fdb_str(rel)};
    fdb_rows *r = NULL;
    if (fdb_query(j->own_db,
                  "SELECT 1 FROM export_requests WHERE id = ? AND status = 'completed' "
                  "AND ferry_attempt = ? AND file_path = ?",
                  p, 3, &r, &e) == 0) {
        *known = 1;
        *committed = r->nrows == 1;
        j->db = j->own_db;
    }
    fdb_rows_free(r);
}

/* The format plugin: the request's format, else the template's. */
static int resolve_format(job *j, const char **plugin, ferry_err *err)
{
    const char *format = col(j->req, R_FORMAT);
    if (!format || !*format)
        format = j->tpl ? col(j->tpl, 2) : NULL;
    *plugin = ferry_format_plugin(format);
    if (!*plugin)
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "request %s: unknown format \"%s\" (csv, json, pdf, excel)",
                             j->claim->id, format ? format : "");
    snprintf(j->format, sizeof j->format, "%s", format);
    return 0;
}

/* The pipeline file into j->path: one the template names, else the
 * site's request pipeline. */
static int resolve_pipeline_path(job *j, ferry_err *err)
{
    const ferry_site *site = j->svc->site;
    char *named = j->tpl ? json_member_string(col(j->tpl, 5), "pipeline") : NULL;
    int rc = 0;
    if (named) {
        j->path = ferry_site_pipeline(site, named);
        if (!j->path)
            rc = ferry_err_set(err, FERRY_ERR_CONFIG,
                               "request %s: template names pipeline \"%s\", which ferry.conf "
                               "requests.pipelines does not define",
                               j->claim->id, named);
        free(named);
        return rc;
    }
    if (!site->request_pipeline) {
        j->stage = STAGE_PIPELINE; /* the site's to fix (fault_of) */
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "ferry.conf names no requests.pipeline to serve export requests");
    }
    j->path = strdup(site->request_pipeline);
    return j->path ? 0 : ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
}

/* The request's, template's and schedule's rows: reads only, before any
 * export starts, so a connection lost meanwhile (fdb_errno_unavailable)
 * is FERRY_ERR_UNAVAILABLE: nothing was done, the worker retries later
 * without counting the attempt. */
static int load_rows(job *j, ferry_err *err)
{
    int rc = load_request(j, err);
    if (!rc)
        rc = load_template(j, err);
    if (!rc)
        rc = load_schedule(j, err);
    if (rc == FERRY_ERR_DB && fdb_errno_unavailable(fdb_errno(j->db)))
        rc = err->code = FERRY_ERR_UNAVAILABLE;
    return rc;
}

/* Request over template over pipeline: the built pipeline, its fields
 * selected. *out: ferry_pipeline_free, also on failure. */
static int resolve(job *j, ferry_pipeline **out, ferry_err *err)
{
    ferry_site *site = j->svc->site;
    const char *plugin = NULL;
    int rc;
    j->stage = STAGE_ROWS;
    if ((rc = load_rows(j, err)) || (rc = resolve_format(j, &plugin, err)) ||
        (rc = resolve_pipeline_path(j, err)))
        return rc;
    j->plugin = plugin;
    j->stage = STAGE_PIPELINE;
    ferry_pipeline *p = NULL;
    if (!(rc = ferry_pipeline_parse(&p, j->path, err)) &&
        !(rc = ferry_pipeline_use_format(p, plugin, err)) &&
        !(rc = apply_layout(j, p, plugin, err)) &&
        !(rc = ferry_pipeline_add_sinks(p, config_lookup(&site->cfg, "requests.sinks"), err)) &&
        !(rc = ferry_pipeline_build(p, site, NULL, j->svc->log, err)) &&
        !(rc = ferry_fields_apply_template(&p->fields, j->tpl ? col(j->tpl, 3) : NULL, err)))
        rc = ferry_fields_select_json(&p->fields, col(j->req, R_SELECTED), err);
    *out = p;
    return rc;
}

/*
 * The site's pipeline by itself: parsed, with the request's format,
 * ferry.conf's requests.sinks, built, with an owner column and (when the
 * run failed: `columns`) its fields against the columns its source's query
 * gives — nothing of the request or its template. FERRY_ERR_CONFIG or
 * FERRY_ERR_PLUGIN: it fails so for any request, which is the site's
 * mistake; 0: it builds, so the request's own settings broke it.
 */
static int site_check(const job *j, int columns, ferry_err *err)
{
    const ferry_site *site = j->svc->site;
    ferry_pipeline *p = NULL;
    int rc, checked = 0;
    if (j->done) /* before it is read: a change from now on is a new version */
        ferry_file_stamp_of(j->path, &j->done->stamp);
    if (!(rc = ferry_pipeline_parse(&p, j->path, err)) &&
        !(rc = ferry_pipeline_use_format(p, j->plugin, err)) &&
        !(rc = ferry_pipeline_add_sinks(p, config_lookup(&site->cfg, "requests.sinks"), err)) &&
        !(rc = ferry_pipeline_build(p, site, NULL, j->svc->log, err)) && !p->fields.owner_column)
        rc = ferry_err_set(err, FERRY_ERR_CONFIG,
                           "pipeline %s has no fields.owner_column: it cannot serve requests",
                           p->path);
    if (!rc && columns)
        rc = ferry_pipeline_check_columns(p, &checked, err);
    ferry_pipeline_free(p);
    return rc;
}

/*
 * Whose the error `rc` is. A config or plugin error once the site's
 * pipeline file is involved is the site's when that file fails by itself
 * (site_check; *err becomes its message, file:line), else the request's.
 * Errors before it (an unknown format, a template not allowed, a template
 * naming a pipeline ferry.conf does not define) are the request's.
 */
static ferry_request_fault fault_of(const job *j, int rc, ferry_err *err)
{
    int config = rc == FERRY_ERR_CONFIG || rc == FERRY_ERR_PLUGIN;
    if (!config && rc != FERRY_ERR_DENIED && rc != FERRY_ERR_LIMIT && rc != FERRY_ERR_DATA)
        return FERRY_FAULT_NONE;
    if (!config || j->stage == STAGE_ROWS)
        return FERRY_FAULT_REQUEST;
    if (!j->path) /* ferry.conf names no requests.pipeline */
        return FERRY_FAULT_SITE;
    ferry_err site = FERRY_ERR_INIT;
    int src = site_check(j, j->stage == STAGE_RUN, &site);
    if (src != FERRY_ERR_CONFIG && src != FERRY_ERR_PLUGIN)
        return FERRY_FAULT_REQUEST;
    *err = site;
    return FERRY_FAULT_SITE;
}

/* The template's default filters, where the request says nothing of a field. */
static int add_template_filters(const job *j, ferry_pipeline *p, ferry_predset *preds,
                                ferry_err *err)
{
    static const char *const meta_keys[] = {"date_range", "pipeline", NULL};
    const char *rf = col(j->req, R_FILTERS);
    const char *tf = j->tpl ? col(j->tpl, 4) : NULL;
    if (!tf || !*tf)
        return 0;
    json_t *req_json = rf ? json_loads(rf, JSON_DECODE_ANY, NULL) : NULL;
    json_t *tpl_json = json_loads(tf, JSON_DECODE_ANY, NULL);
    int rc = 0;
    if (tpl_json && json_is_object(tpl_json)) {
        /* Drop template keys the request sets itself. */
        const char *k;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(tpl_json, tmp, k, v)
        {
            if (req_json && json_is_object(req_json) && json_object_get(req_json, k))
                json_object_del(tpl_json, k);
        }
        char *text = json_dumps(tpl_json, 0);
        rc = ferry_filters_parse(preds, &p->fields, text, "template default_filters", meta_keys,
                                 err);
        free(text);
    } else if (tpl_json || strcmp(tf, "{}")) {
        rc = ferry_err_set(err, FERRY_ERR_CONFIG, "template default_filters must be a JSON object");
    }
    json_decref(req_json);
    json_decref(tpl_json);
    return rc;
}

/*
 * The date range as predicates on fields.date_column. A calendar-date
 * column compares with the range as local wall-clock time, so "previous
 * week" in Los Angeles starts on Monday's date, not at Monday 08:00 UTC
 * (which a DATE would fall before).
 */
static int add_date_range(const job *j, ferry_pipeline *p, ferry_predset *preds, ferry_err *err)
{
    const char *start = col(j->req, R_START), *end = col(j->req, R_END);
    if (!start && !end)
        return 0;
    /* Both are DATE_FORMAT(…, '%Y-%m-%d %H:%i:%s.%f'): text order is time order. */
    if (start && end && strcmp(start, end) > 0)
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "request %s: date range starts (%s) after it ends (%s)", j->claim->id,
                             start, end);
    if (!p->fields.date_column)
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "request %s has a date range but pipeline %s has no "
                             "fields.date_column",
                             j->claim->id, p->path);
    char lstart[40], lend[40];
    int rc = 0;
    if (p->fields.date_is_calendar) {
        char *tzname = range_timezone(j, p);
        if (!tzname)
            rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        if (!rc && start && !(rc = to_local(start, tzname, lstart, sizeof lstart, err)))
            start = lstart;
        if (!rc && end && !(rc = to_local(end, tzname, lend, sizeof lend, err)))
            end = lend;
        free(tzname);
    }
    ferry_value dv;
    if (!rc && start) {
        ferry_value_set_ref(&dv, FERRY_TYPE_STRING, start, (uint32_t)strlen(start));
        rc = ferry_predset_add(preds, p->fields.date_column, FERRY_OP_GTE, &dv, err);
    }
    if (!rc && end) {
        ferry_value_set_ref(&dv, FERRY_TYPE_STRING, end, (uint32_t)strlen(end));
        rc = ferry_predset_add(preds, p->fields.date_column, FERRY_OP_LT, &dv, err);
    }
    return rc;
}

/* Owner scoping, always and first; then filters; then the date range. */
static int build_predicates(const job *j, ferry_pipeline *p, ferry_predset *preds, ferry_err *err)
{
    if (!p->fields.owner_column)
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "pipeline %s has no fields.owner_column: it cannot serve requests",
                             p->path);
    ferry_value owner;
    ferry_value_set_i64(&owner, FERRY_TYPE_INT64, j->claim->user_id);
    int rc;
    if ((rc = ferry_predset_add(preds, p->fields.owner_column, FERRY_OP_EQ, &owner, err)) ||
        (rc = add_template_filters(j, p, preds, err)) ||
        (rc = ferry_filters_parse(preds, &p->fields, col(j->req, R_FILTERS), "request filters",
                                  NULL, err)))
        return rc;
    return add_date_range(j, p, preds, err);
}

/* When the artifact of a request completed now expires, and when a link
 * made now does: download.token_ttl_seconds, never past the artifact. */
static void expiries(const job *j, int64_t artifact_exp, int64_t *link_exp)
{
    int64_t now = (int64_t)time(NULL);
    int64_t ttl = ferry_site_int(j->svc->site, "download.token_ttl_seconds",
                                 ferry_site_int(j->svc->site, "store.retention_days", 7) * 86400);
    *link_exp = ferry_token_expiry(now, ttl, artifact_exp);
}

/* A signed download URL for the request expiring at `exp`, or NULL
 * (logged). Free. */
static char *signed_url(const job *j, int64_t exp)
{
    const ferry_site *site = j->svc->site;
    char *url = NULL;
    if (!site->secret)
        return NULL;
    ferry_err te = FERRY_ERR_INIT;
    if (ferry_download_url(site->base_url, site->secret, j->claim->id, exp, &url, &te))
        ferry_logf(j->svc->log, FERRY_LOG_WARN, NULL, "no download URL: %s", te.msg);
    return url;
}

static void iso_time(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Texts the sinks' metadata borrows. */
typedef struct meta_text {
    char expires[64], link_expires[64], attempt[16], uid[32], file_base[80], display[200];
} meta_text;

enum { META_MAX = 12 };

/* Request metadata for sinks (email and others); `meta` has room for
 * META_MAX, one left for "delivery_target". */
static size_t request_meta(const job *j, int64_t artifact_exp, int64_t link_exp, meta_text *t,
                           ferry_kv *meta)
{
    const ferry_claim *claim = j->claim;
    iso_time(artifact_exp, t->expires, sizeof t->expires);
    iso_time(link_exp, t->link_expires, sizeof t->link_expires);
    snprintf(t->attempt, sizeof t->attempt, "%d", claim->attempt);
    snprintf(t->uid, sizeof t->uid, "%lld", (long long)claim->user_id);
    const char *recipients = j->sched ? col(j->sched, 0) : NULL;
    const char *title = col(j->req, R_TITLE), *email = col(j->req, R_EMAIL);
    ferry_kv m[] = {
        {"request_id", claim->id},
        {"title", title ? title : ""},
        {"user_id", t->uid},
        {"user_email", email ? email : ""},
        {"format", j->format},
        {"attempt", t->attempt},
        {"expires_at", t->expires},
        {"link_expires_at", t->link_expires},
        {"email_recipients", recipients ? recipients : "[]"},
        {"include_download_link", j->sched && col(j->sched, 1) ? col(j->sched, 1) : "1"},
        {"attach_file", j->sched && col(j->sched, 2) ? col(j->sched, 2) : "0"},
    };
    memcpy(meta, m, sizeof m);
    return sizeof m / sizeof m[0];
}

/* The after-commit sink named `sink` that names targets, or -1. */
static long targeted_sink(const ferry_pipeline *p, const char *sink)
{
    for (size_t i = 0; i < p->nsinks; i++) {
        const ferry_plugin_descriptor *d = p->sinks[i].plugin->desc;
        if ((d->flags & FERRY_SINK_AFTER_COMMIT) && d->sink->targets && !strcmp(d->name, sink))
            return (long)i;
    }
    return -1;
}

/* Sends delivery `d` through the pipeline's sink: the request metadata
 * with "delivery_target" added. The plugin's code. */
static int send_one(ferry_pipeline *p, ferry_run_opts *o, const ferry_run_result *r,
                    const ferry_delivery *d, ferry_err *err)
{
    long i = targeted_sink(p, d->sink);
    if (i < 0)
        return ferry_err_set(err, FERRY_ERR_DATA, "the pipeline has no sink %s any more", d->sink);
    ferry_kv *meta = (ferry_kv *)o->meta;
    size_t n = o->nmeta;
    meta[n] = (ferry_kv){"delivery_target", d->recipient};
    o->nmeta = n + 1;
    int rc = ferry_pipeline_sink_deliver(p, (size_t)i, o, r, err);
    o->nmeta = n;
    return rc;
}

/* Claims and sends this request's due deliveries, one by one. */
static void drain(job *j, ferry_pipeline *p, ferry_run_opts *o, const ferry_run_result *r)
{
    for (;;) {
        ferry_delivery d;
        int got = 0;
        ferry_err e = FERRY_ERR_INIT;
        if (ferry_delivery_claim(j->svc, j->db, j->claim->id, &d, &got, &e) || !got) {
            if (e.code)
                ferry_logf(j->svc->log, FERRY_LOG_WARN, NULL,
                           "request %s: deliveries left to the workers: %s", j->claim->id, e.msg);
            return;
        }
        ferry_err se = FERRY_ERR_INIT;
        int sent = send_one(p, o, r, &d, &se);
        if (ferry_delivery_finish(j->svc, j->db, &d, sent, se.msg, &e))
            ferry_logf(j->svc->log, FERRY_LOG_WARN, NULL, "request %s: %s", j->claim->id, e.msg);
        ferry_delivery_free(&d);
    }
}

/* After the commit: a delivery row per target of each sink that names
 * them, then one try of each now; the workers retry the rest. */
static void deliver_targets(job *j, ferry_pipeline *p, ferry_run_opts *o, const ferry_run_result *r)
{
    int recorded = 0;
    for (size_t i = 0; i < p->nsinks; i++) {
        ferry_buf b = {0};
        int has = 0;
        ferry_err e = FERRY_ERR_INIT;
        int rc = ferry_pipeline_sink_targets(p, i, o, r, &b, &has, &e);
        if (!rc && has) {
            rc = ferry_delivery_record(j->db, j->claim->id, p->sinks[i].plugin->desc->name, b.data,
                                       b.len, &e);
            recorded = 1; /* even on failure: some rows may be there */
        }
        if (rc)
            ferry_logf(j->svc->log, FERRY_LOG_ERROR, NULL, "request %s: no deliveries recorded: %s",
                       j->claim->id, e.msg);
        ferry_buf_free(&b);
    }
    /* No targets, no rows of this request to claim (the workers' idle
     * step sends anyone else's). */
    if (recorded)
        drain(j, p, o, r);
}

/* Runs into the store under a name of this attempt's own, then commits
 * the outcome; after the commit, email and other notifications, at least
 * once. */
static int run_and_complete(job *j, ferry_pipeline *p, const ferry_predset *preds,
                            atomic_int *cancel, ferry_err *err)
{
    const ferry_claim *claim = j->claim;
    int64_t retention = ferry_site_int(j->svc->site, "store.retention_days", 7);
    meta_text t;
    ferry_kv meta[META_MAX];
    int64_t artifact_exp = (int64_t)time(NULL) + retention * 86400, link_exp;
    expiries(j, artifact_exp, &link_exp);
    snprintf(t.file_base, sizeof t.file_base, "%s-%d", claim->id, claim->attempt);
    display_base(col(j->req, R_TITLE), t.display, sizeof t.display);
    ferry_query q = {0, (uint32_t)preds->n, NULL, preds->preds};
    ferry_run_opts o;
    memset(&o, 0, sizeof o);
    o.query = &q;
    o.out_dir = j->svc->site->store_path;
    o.file_base = t.file_base;
    o.display_base = t.display;
    o.meta = meta;
    o.nmeta = request_meta(j, artifact_exp, link_exp, &t, meta);
    o.download_url = signed_url(j, link_exp);
    o.cancel = cancel;
    o.progress = progress_cb;
    o.payload = j;
    /* The first progress update comes a second in: a request done sooner
     * writes no progress row at all (its completion says 100). */
    j->last_progress = ferry_monotonic();
    o.skip_after_commit = 1;
    o.note = j->svc->note;
    o.no_sweep = j->svc->store_swept;
    ferry_run_result r;
    int rc = ferry_pipeline_run(p, &o, &r, err);
    free((char *)o.download_url);
    if (rc)
        return rc;
    char *object = NULL;
    rc = ferry_objects_publish(j->svc->site, r.path, r.content_type, &object, err);
    j->object = object;
    int unsure = 0, committed = 0, known = 1;
    if (!rc)
        rc = complete(j, p, &r, retention, &unsure, err);
    if (rc && unsure) {
        settle_commit(j, artifact_rel(j, &r), &committed, &known);
        if (committed) {
            ferry_logf(j->svc->log, FERRY_LOG_WARN, NULL,
                       "request %s: the answer to the completion's commit was lost; the "
                       "database has it",
                       j->claim->id);
            rc = 0;
        } else if (!known) {
            /* It may be the request's artifact: `ferry expire` sweeps it
             * as an orphan if it is not. */
            ferry_logf(j->svc->log, FERRY_LOG_WARN, NULL,
                       "request %s: the completion's commit is in doubt; %s left for expiry",
                       j->claim->id, object ? object : r.path);
            if (object)
                unlink(r.path); /* the staging copy of an uploaded artifact */
            j->object = NULL;
            free(object);
            ferry_run_result_free(&r);
            return rc;
        }
    }
    if (rc) {
        /* Not the request's artifact: an attempt's file nobody names. */
        unlink(r.path);
        ferry_err oe = FERRY_ERR_INIT;
        if (object && ferry_objects_delete(j->svc->site, object, &oe))
            ferry_logf(j->svc->log, FERRY_LOG_WARN, NULL, "%s left for expiry: %s", object, oe.msg);
        j->object = NULL;
        free(object);
        ferry_run_result_free(&r);
        return rc;
    }
    if (j->done) {
        j->done->rows = (int64_t)r.rows;
        j->done->bytes = (int64_t)r.size;
    }
    char f[400];
    ferry_request_fields(f, sizeof f, claim->id, claim->user_id, j->format, claim->attempt);
    /* The caller logs the completion itself (once, with its duration). */
    ferry_logf(j->svc->log, FERRY_LOG_DEBUG, f, "artifact committed: %llu rows, %llu bytes, %s",
               (unsigned long long)r.rows, (unsigned long long)r.size, r.path);
    ferry_err se = FERRY_ERR_INIT;
    o.targets_apart = 1;
    if (ferry_pipeline_after_commit(p, &o, &r, &se))
        ferry_logf(j->svc->log, FERRY_LOG_ERROR, f, "delivery failed: %s", se.msg);
    deliver_targets(j, p, &o, &r);
    if (object)
        unlink(r.path); /* the staging copy of an uploaded artifact */
    j->object = NULL;
    free(object);
    ferry_run_result_free(&r);
    return 0;
}

int ferry_request_execute(const ferry_service *svc, ferry_db *db, const ferry_claim *claim,
                          atomic_int *cancel, ferry_request_done *done, ferry_err *err)
{
    job j;
    memset(&j, 0, sizeof j);
    if (done)
        memset(done, 0, sizeof *done);
    j.done = done;
    j.svc = svc;
    j.db = db;
    j.claim = claim;
    ferry_pipeline *p = NULL;
    ferry_predset preds = {0};
    int rc = resolve(&j, &p, err);
    if (!rc)
        rc = build_predicates(&j, p, &preds, err);
    if (!rc) {
        j.stage = STAGE_RUN;
        rc = run_and_complete(&j, p, &preds, cancel, err);
    }
    ferry_predset_free(&preds);
    ferry_pipeline_free(p);
    if (done) {
        done->fault = rc ? fault_of(&j, rc, err) : FERRY_FAULT_NONE;
        snprintf(done->pipeline, sizeof done->pipeline, "%s", j.path ? j.path : "");
    }
    free(j.path);
    fdb_rows_free(j.req);
    fdb_rows_free(j.tpl);
    fdb_rows_free(j.sched);
    fdb_close(j.own_db);
    return rc;
}

/* The row's file_path as a path in the store (malloc'd), re-confined as
 * `ferry serve` does: the database may name a file outside it. */
static int store_file(const job *j, const char *path, char **full, ferry_err *err)
{
    const char *store = j->svc->site->store_path;
    char rel[4096], *real = realpath(store, NULL);
    int outside = ferry_store_relpath(store, real, path, rel, sizeof rel);
    free(real);
    if (outside)
        return ferry_err_set(err, FERRY_ERR_DATA,
                             "request %s: its file_path \"%s\" is not beneath the store",
                             j->claim->id, path);
    if (asprintf(full, "%s/%s", store, rel) < 0)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    return 0;
}

/* The completed request's artifact as the sinks saw it, from its row. */
static int artifact_of_row(const job *j, const fdb_rows *row, ferry_run_result *r, ferry_err *err)
{
    const char *path = fdb_get(row, 0, 2) ? fdb_get(row, 0, 2) : "";
    char *full = NULL;
    if (!strncmp(path, "s3://", 5))
        full = strdup(path); /* an object has no local copy to attach any more */
    else if (store_file(j, path, &full, err))
        return err->code;
    r->path = full;
    r->name = strdup(fdb_get(row, 0, 3) ? fdb_get(row, 0, 3) : "");
    r->content_type = strdup(fdb_get(row, 0, 4) ? fdb_get(row, 0, 4) : "");
    snprintf(r->sha256, sizeof r->sha256, "%s", fdb_get(row, 0, 5) ? fdb_get(row, 0, 5) : "");
    r->size = fdb_get(row, 0, 6) ? (uint64_t)atoll(fdb_get(row, 0, 6)) : 0;
    r->rows = fdb_get(row, 0, 7) ? (uint64_t)atoll(fdb_get(row, 0, 7)) : 0;
    if (!r->path || !r->name || !r->content_type)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    return 0;
}

/* Sends `d` for the completed request `j` describes, with a fresh link. */
static int redeliver_job(job *j, const fdb_rows *row, const ferry_delivery *d, ferry_err *err)
{
    ferry_pipeline *p = NULL;
    ferry_run_result r;
    memset(&r, 0, sizeof r);
    int rc = resolve(j, &p, err);
    if (!rc)
        rc = artifact_of_row(j, row, &r, err);
    if (!rc) {
        meta_text t;
        ferry_kv meta[META_MAX];
        int64_t artifact_exp = fdb_get(row, 0, 8) ? atoll(fdb_get(row, 0, 8)) : 0, link_exp;
        expiries(j, artifact_exp, &link_exp);
        ferry_run_opts o;
        memset(&o, 0, sizeof o);
        o.meta = meta;
        o.nmeta = request_meta(j, artifact_exp, link_exp, &t, meta);
        r.download_url = signed_url(j, link_exp);
        rc = send_one(p, &o, &r, d, err);
    }
    ferry_run_result_free(&r);
    ferry_pipeline_free(p);
    return rc;
}

int ferry_request_redeliver(const ferry_service *svc, ferry_db *db, const ferry_delivery *d,
                            ferry_err *err)
{
    fdb_rows *row = NULL;
    fdb_param p[] = {fdb_str(d->request_id)};
    int rc = fdb_query(db,
                       "SELECT user_id, ferry_attempt, file_path, ferry_file_name, "
                       "ferry_content_type, ferry_checksum, file_size, ferry_row_count, "
                       "UNIX_TIMESTAMP(expires_at) FROM export_requests "
                       "WHERE id = ? AND status = 'completed'",
                       p, 1, &row, err);
    if (!rc && row->nrows == 0)
        rc = ferry_err_set(err, FERRY_ERR_DATA,
                           "request %s is no longer completed (expired or deleted)", d->request_id);
    if (!rc) {
        ferry_claim c;
        memset(&c, 0, sizeof c);
        snprintf(c.id, sizeof c.id, "%s", d->request_id);
        c.user_id = atoll(fdb_get(row, 0, 0));
        c.attempt = atoi(fdb_get(row, 0, 1));
        c.wait_us = -1; /* not a claim: no wait */
        job j;
        memset(&j, 0, sizeof j);
        j.svc = svc;
        j.db = db;
        j.claim = &c;
        j.completed = 1;
        rc = redeliver_job(&j, row, d, err);
        free(j.path);
        fdb_rows_free(j.req);
        fdb_rows_free(j.tpl);
        fdb_rows_free(j.sched);
    }
    fdb_rows_free(row);
    return rc;
}

int ferry_request_fail(const ferry_service *svc, ferry_db *db, const ferry_claim *c,
                       const char *message, int *changed, ferry_err *err)
{
    *changed = 0;
    int rc = fdb_begin(db, err);
    if (rc)
        return rc;
    uint64_t affected = 0;
    fdb_param p[] = {fdb_str(message), fdb_str(c->id), fdb_str(c->owner), fdb_i64(c->attempt)};
    rc = fdb_exec(db,
                  "UPDATE export_requests SET status = 'failed', error_message = ?, "
                  "completed_at = NOW(6), ferry_lease_owner = '', ferry_lease_expires_at = NULL, "
                  "updated_at = NOW(6) "
                  "WHERE id = ? AND ferry_lease_owner = ? AND ferry_attempt = ? "
                  "AND status = 'processing'",
                  p, 4, &affected, err);
    if (!rc && affected) {
        const char *ua = svc->user_agent;
        json_t *extra = json_pack("{s:s, s:i}", "error", message, "attempt", c->attempt);
        char *text = extra ? json_dumps(extra, 0) : NULL;
        rc = ferry_audit_write(db, c->id, c->user_id, "failed", "", ua, text, err);
        free(text);
        json_decref(extra);
        /* The usage day is the database's, as completed_at's. */
        if (!rc)
            rc = ferry_usage_add(db, c->user_id, NULL, "", 1, 0, 0, NULL, err);
    }
    if (!rc)
        rc = fdb_commit(db, err);
    if (rc) {
        fdb_rollback(db);
        return rc;
    }
    *changed = affected != 0;
    return 0;
}
