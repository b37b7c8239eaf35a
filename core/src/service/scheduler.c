/*
 * scheduler.c — one scheduler tick: due export_schedules rows become
 * export requests, exactly once per fire time (see scheduler.h).
 */
#include "scheduler.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cron.h"
#include "daterange.h"

#define FMT_TIME(buf, t) ferry_time_format((int64_t)(t), 0, buf, sizeof buf)
#define SCHED_COLS       "id, user_id, name, template_id, cron_pattern, timezone, next_run"

typedef struct sched_row {
    const char *id;
    int64_t user_id;
    const char *name, *template_id, *pattern, *timezone;
    int64_t next_run;
} sched_row;

/* What the template turns into. */
typedef struct req_fields {
    char *format;
    char *filters;  /* JSON text, malloc'd */
    char *selected; /* JSON text, malloc'd */
    int has_range;
    time_t range_start, range_end;
} req_fields;

static void req_fields_free(req_fields *f)
{
    free(f->format);
    free(f->filters);
    free(f->selected);
}

static int parse_db_time(const char *s, int64_t *out, ferry_err *err)
{
    if (!s)
        return ferry_err_set(err, FERRY_ERR_DATA, "unexpected NULL datetime");
    return ferry_time_parse(s, NULL, out, err);
}

/*
 * Reads the template's format, default_filters and field_configuration.
 * A problem here is the template's (FERRY_ERR_CONFIG), or the database's.
 */
static int template_fields(ferry_db *db, const char *template_id, const ferry_tz *tz, time_t fire,
                           req_fields *out, ferry_err *err)
{
    memset(out, 0, sizeof *out);
    fdb_rows *r = NULL;
    fdb_param p[] = {fdb_str(template_id)};
    int rc = fdb_query(db,
                       "SELECT format, default_filters, field_configuration FROM export_templates "
                       "WHERE id = ?",
                       p, 1, &r, err);
    if (rc)
        return rc;
    if (r->nrows == 0) {
        fdb_rows_free(r);
        return ferry_err_set(err, FERRY_ERR_CONFIG, "template %s does not exist", template_id);
    }
    json_error_t je;
    json_t *filters = json_loads(fdb_get(r, 0, 1) ? fdb_get(r, 0, 1) : "{}", 0, &je);
    json_t *fields = json_loads(fdb_get(r, 0, 2) ? fdb_get(r, 0, 2) : "{}", 0, &je);
    out->format = strdup(fdb_get(r, 0, 0) ? fdb_get(r, 0, 0) : "");
    fdb_rows_free(r);
    rc = 0;
    if (!out->format) {
        rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    } else if (!json_is_object(filters)) {
        rc = ferry_err_set(err, FERRY_ERR_CONFIG,
                           "template %s: default_filters is not a JSON object", template_id);
    } else if (!json_is_object(fields)) {
        rc = ferry_err_set(err, FERRY_ERR_CONFIG,
                           "template %s: field_configuration is not a JSON object", template_id);
    }
    json_t *range = rc ? NULL : json_object_get(filters, "date_range");
    if (range) {
        if (!json_is_string(range)) {
            rc = ferry_err_set(err, FERRY_ERR_CONFIG,
                               "template %s: default_filters.date_range must be a string such as "
                               "\"previous_week\"",
                               template_id);
        } else if ((rc = ferry_daterange_resolve(json_string_value(range), tz, fire,
                                                 &out->range_start, &out->range_end, err)) == 0) {
            out->has_range = 1;
            json_object_del(filters, "date_range");
        } else {
            ferry_err_prefix(err, "template %s", template_id);
        }
    }
    json_t *list = rc ? NULL : json_object_get(fields, "fields");
    if (!rc && list && !json_is_array(list))
        rc = ferry_err_set(err, FERRY_ERR_CONFIG,
                           "template %s: field_configuration.fields is not a JSON array",
                           template_id);
    if (!rc) {
        out->filters = json_dumps(filters, JSON_COMPACT);
        out->selected = list ? json_dumps(list, JSON_COMPACT) : strdup("[]");
        if (!out->filters || !out->selected)
            rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    }
    json_decref(filters);
    json_decref(fields);
    if (rc)
        req_fields_free(out);
    return rc;
}

/* "<name> (YYYY-MM-DD HH:MM ABBR)", within 255 bytes, cut on a UTF-8 boundary. */
static void make_title(char *buf, size_t len, const char *name, const ferry_tz *tz, time_t fire)
{
    const char *abbr;
    int32_t off = ferry_tz_offset(tz, fire, &abbr);
    char when[32], suffix[80];
    ferry_time_format(fire, off, when, sizeof when);
    when[16] = '\0'; /* minutes */
    snprintf(suffix, sizeof suffix, " (%s %s)", when, abbr);
    size_t room = len - 1 - strlen(suffix), n = strlen(name);
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80)
            n--;
    }
    snprintf(buf, len, "%.*s%s", (int)n, name, suffix);
}

static void fields_for(char *buf, size_t len, const char *sid, const char *extra)
{
    snprintf(buf, len, "schedule_id=%s%s%s", sid, extra ? " " : "", extra ? extra : "");
}

/* Counts a failure; `invalid` also marks the row until it is edited, else
 * next_run moves past now so the tick is skipped. */
static int count_failure(const ferry_scheduler *s, const sched_row *row, int invalid,
                         const char *next_run, ferry_err *err)
{
    if (invalid) {
        fdb_param p[] = {fdb_str(row->id)};
        return fdb_exec(s->db,
                        "UPDATE export_schedules SET failure_count = failure_count + 1, "
                        "ferry_invalid_at = GREATEST(NOW(6), updated_at) WHERE id = ?",
                        p, 1, NULL, err);
    }
    fdb_param p[] = {fdb_str(next_run), fdb_str(row->id)};
    return fdb_exec(s->db,
                    "UPDATE export_schedules SET failure_count = failure_count + 1, "
                    "next_run = ? WHERE id = ?",
                    p, 2, NULL, err);
}

/* One fire of one schedule: what the request is made from. */
typedef struct fire_spec {
    const sched_row *row;
    const ferry_tz *tz;
    time_t fire;
    const char *next_s; /* the schedule's next_run afterwards */
    const char *now_s;
    const char *source; /* the audit row's additional_data.source */
} fire_spec;

/* The ferry_schedule_runs row; *inserted 0: that (schedule, fire) exists. */
static int insert_run(const ferry_scheduler *s, const fire_spec *f, const char *req_id,
                      uint64_t *inserted, ferry_err *err)
{
    char fire_s[32];
    FMT_TIME(fire_s, f->fire);
    fdb_param run[] = {fdb_str(f->row->id), fdb_str(fire_s), fdb_str(req_id), fdb_str(f->now_s)};
    return fdb_exec(s->db,
                    "INSERT IGNORE INTO ferry_schedule_runs (schedule_id, fire_time, request_id, "
                    "created_at) VALUES (?, ?, ?, ?)",
                    run, 4, inserted, err);
}

static int insert_request(const ferry_scheduler *s, const fire_spec *f, const req_fields *rf,
                          const char *req_id, ferry_err *err)
{
    char title[256], start_s[32], end_s[32];
    make_title(title, sizeof title, f->row->name, f->tz, f->fire);
    FMT_TIME(start_s, rf->range_start);
    FMT_TIME(end_s, rf->range_end);
    fdb_param p[] = {fdb_str(req_id),
                     fdb_i64(f->row->user_id),
                     fdb_str(title),
                     fdb_str(rf->format),
                     fdb_str(f->row->template_id),
                     fdb_str(rf->filters),
                     rf->has_range ? fdb_str(start_s) : fdb_null(),
                     rf->has_range ? fdb_str(end_s) : fdb_null(),
                     fdb_str(rf->selected),
                     fdb_str(f->row->pattern),
                     fdb_str(f->next_s),
                     fdb_str(f->now_s),
                     fdb_str(f->now_s),
                     fdb_str(f->row->id)};
    return fdb_exec(s->db,
                    "INSERT INTO export_requests (id, user_id, title, description, format, "
                    "template_id, filters, date_range_start, date_range_end, selected_fields, "
                    "status, progress_percentage, error_message, file_path, file_size, "
                    "download_url, download_count, is_scheduled, schedule_pattern, next_run, "
                    "created_at, updated_at, ferry_schedule_id) "
                    "VALUES (?, ?, ?, '', ?, ?, ?, ?, ?, ?, 'pending', 0, '', '', NULL, '', 0, "
                    "1, ?, ?, ?, ?, ?)",
                    p, sizeof p / sizeof p[0], NULL, err);
}

/* The request, its 'created' audit row and the schedule's last_run,
 * run_count and next_run, once the run row is in. */
static int make_request(const ferry_scheduler *s, const fire_spec *f, const req_fields *rf,
                        const char *req_id, ferry_err *err)
{
    char fire_s[32];
    FMT_TIME(fire_s, f->fire);
    int rc = insert_request(s, f, rf, req_id, err);
    if (rc == 0) {
        json_t *extra = json_pack("{s:s, s:s, s:s}", "source", f->source, "schedule_id", f->row->id,
                                  "fire_time", fire_s);
        char *extra_s = extra ? json_dumps(extra, JSON_COMPACT) : NULL;
        json_decref(extra);
        rc = ferry_audit_write(s->db, req_id, f->row->user_id, "created", "", s->user_agent,
                               extra_s, err);
        free(extra_s);
    }
    if (rc == 0) {
        fdb_param p[] = {fdb_str(fire_s), fdb_str(f->next_s), fdb_str(f->row->id)};
        rc = fdb_exec(s->db,
                      "UPDATE export_schedules SET last_run = ?, run_count = run_count + 1, "
                      "next_run = ? WHERE id = ?",
                      p, 3, NULL, err);
    }
    return rc;
}

/* What a fire made: said (logged, counted) only once it is committed. */
typedef struct fired {
    char req_id[33]; /* "" when nothing was made */
    char fire_s[32], next_s[32];
} fired;

static void say_fired(const ferry_scheduler *s, const char *sid, const fired *made,
                      ferry_sched_stats *st)
{
    char log_fields[256];
    snprintf(log_fields, sizeof log_fields,
             "schedule_id=%s request_id=%s fire_time=\"%s\" next_run=\"%s\"", sid, made->req_id,
             made->fire_s, made->next_s);
    ferry_logf(s->log, FERRY_LOG_INFO, log_fields, "schedule fired");
    st->created++;
}

/* Makes the request for one fire time, inside the open transaction; what
 * it made in *made. */
static int fire_one(const ferry_scheduler *s, const sched_row *row, const ferry_tz *tz, time_t fire,
                    time_t next, const char *now_s, ferry_sched_stats *st, fired *made,
                    ferry_err *err)
{
    char log_fields[256];
    FMT_TIME(made->fire_s, fire);
    FMT_TIME(made->next_s, next);
    fire_spec f = {row, tz, fire, made->next_s, now_s, "scheduler"};
    req_fields rf;
    int rc = template_fields(s->db, row->template_id, tz, fire, &rf, err);
    if (rc == FERRY_ERR_CONFIG) {
        fields_for(log_fields, sizeof log_fields, row->id, NULL);
        ferry_logf(s->log, FERRY_LOG_ERROR, log_fields, "schedule skipped a run: %s", err->msg);
        st->failed++;
        return count_failure(s, row, 0, made->next_s, err);
    }
    if (rc)
        return rc;

    char req_id[33];
    fdb_uuid_hex(req_id);
    uint64_t inserted = 0;
    rc = insert_run(s, &f, req_id, &inserted, err);
    if (rc == 0 && inserted == 0) {
        /* Another scheduler made this tick's request: just move on. */
        snprintf(log_fields, sizeof log_fields, "schedule_id=%s fire_time=\"%s\"", row->id,
                 made->fire_s);
        ferry_logf(s->log, FERRY_LOG_INFO, log_fields, "schedule tick already run");
        st->duplicate++;
        fdb_param p[] = {fdb_str(made->next_s), fdb_str(row->id)};
        rc = fdb_exec(s->db, "UPDATE export_schedules SET next_run = ? WHERE id = ?", p, 2, NULL,
                      err);
        req_fields_free(&rf);
        return rc;
    }
    if (rc == 0)
        rc = make_request(s, &f, &rf, req_id, err);
    if (rc == 0)
        memcpy(made->req_id, req_id, sizeof req_id);
    req_fields_free(&rf);
    return rc;
}

/* The first row of SCHED_COLS into *row (borrowing r's strings). */
static int read_row(const fdb_rows *r, sched_row *row, ferry_err *err)
{
    const char *v[6];
    for (size_t c = 0; c < 6; c++)
        v[c] = fdb_get(r, 0, c) ? fdb_get(r, 0, c) : "";
    *row = (sched_row){v[0], strtoll(v[1], NULL, 10), v[2], v[3], v[4], v[5], 0};
    return parse_db_time(fdb_get(r, 0, 6), &row->next_run, err);
}

/* Handles one due schedule in its own transaction. Errors returned are the
 * database's; a schedule's own problems are counted and logged here. */
static int handle_one(const ferry_scheduler *s, const char *id, int64_t now, const char *now_s,
                      ferry_sched_stats *st, ferry_err *err)
{
    int rc = fdb_begin(s->db, err);
    if (rc)
        return rc;
    fdb_rows *r = NULL;
    fdb_param p[] = {fdb_str(id), fdb_str(now_s)};
    rc = fdb_query(s->db,
                   "SELECT " SCHED_COLS
                   " FROM export_schedules WHERE id = ? AND is_active = 1 AND next_run <= ? AND "
                   "(ferry_invalid_at IS NULL OR updated_at > ferry_invalid_at) "
                   "FOR UPDATE SKIP LOCKED",
                   p, 2, &r, err);
    if (rc) {
        fdb_rollback(s->db);
        return rc;
    }
    if (r->nrows == 0) { /* another scheduler holds or handled it */
        fdb_rows_free(r);
        fdb_rollback(s->db);
        st->skipped++;
        return 0;
    }
    sched_row row;
    rc = read_row(r, &row, err);

    char log_fields[256];
    fields_for(log_fields, sizeof log_fields, id, NULL);
    ferry_cron cron;
    ferry_tz *tz = NULL;
    ferry_err why = FERRY_ERR_INIT;
    fired made = {"", "", ""};
    if (rc == 0 &&
        (ferry_cron_parse(&cron, row.pattern, &why) || ferry_tz_load(&tz, row.timezone, &why))) {
        ferry_logf(s->log, FERRY_LOG_ERROR, log_fields,
                   "schedule is invalid, skipped until its row changes: %s", why.msg);
        st->failed++;
        rc = count_failure(s, &row, 1, NULL, err);
    } else if (rc == 0) {
        time_t fire = 0, next = 0;
        int found = ferry_cron_latest(&cron, tz, (time_t)row.next_run, (time_t)now, &fire, &why);
        int nrc = ferry_cron_next_tz(&cron, tz, (time_t)now, &next, &why);
        if ((found && found != FERRY_ERR_NOTFOUND) || nrc) {
            /* A pattern that parses but never fires again. */
            ferry_logf(s->log, FERRY_LOG_ERROR, log_fields,
                       "schedule is invalid, skipped until its row changes: %s", why.msg);
            st->failed++;
            rc = count_failure(s, &row, 1, NULL, err);
        } else if (found == FERRY_ERR_NOTFOUND) {
            /* next_run was not one of the pattern's times: catch up silently. */
            char next_s[32];
            FMT_TIME(next_s, next);
            ferry_logf(s->log, FERRY_LOG_INFO, log_fields,
                       "no fire time since next_run, moved to %s", next_s);
            st->skipped++;
            fdb_param q[] = {fdb_str(next_s), fdb_str(row.id)};
            rc = fdb_exec(s->db, "UPDATE export_schedules SET next_run = ? WHERE id = ?", q, 2,
                          NULL, err);
        } else {
            rc = fire_one(s, &row, tz, fire, next, now_s, st, &made, err);
        }
    }
    ferry_tz_free(tz);
    fdb_rows_free(r);
    if (rc == 0)
        rc = fdb_commit(s->db, err);
    if (rc)
        fdb_rollback(s->db);
    else if (made.req_id[0])
        say_fired(s, id, &made, st);
    return rc;
}

/* A connection-level failure, judged from the connection or the message
 * (the statement's error number survives only in the message). */
static int connection_lost(ferry_db *db, const ferry_err *err)
{
    if (fdb_is_connection_error(db))
        return 1;
    static const char *const codes[] = {
        "error 2006:", "error 2013:", "error 2055:", "error 1927:", "error 4031:", "error 1053:"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strstr(err->msg, codes[i]))
            return 1;
    return 0;
}

/* The database's clock, UTC: whole seconds, and its own text. */
static int db_now(ferry_db *db, int64_t *now, char *now_s, size_t len, ferry_err *err)
{
    fdb_rows *r = NULL;
    int rc = fdb_query(db, "SELECT UTC_TIMESTAMP(6)", NULL, 0, &r, err);
    if (rc)
        return rc;
    snprintf(now_s, len, "%s", r->nrows ? fdb_get(r, 0, 0) : "");
    fdb_rows_free(r);
    return parse_db_time(now_s, now, err);
}

int ferry_scheduler_tick(const ferry_scheduler *s, int64_t now, ferry_sched_stats *st,
                         ferry_err *err)
{
    ferry_sched_stats local;
    if (!st) {
        memset(&local, 0, sizeof local);
        st = &local;
    }
    char now_s[40];
    int rc = 0;
    if (now < 0)
        rc = db_now(s->db, &now, now_s, sizeof now_s, err);
    else
        FMT_TIME(now_s, now);
    if (rc)
        return rc;
    fdb_param p[] = {fdb_str(now_s), fdb_i64(s->batch ? s->batch : 500)};
    fdb_rows *due = NULL;
    rc = fdb_query(s->db,
                   "SELECT id FROM export_schedules WHERE is_active = 1 AND next_run <= ? "
                   "AND (ferry_invalid_at IS NULL OR updated_at > ferry_invalid_at) "
                   "ORDER BY next_run, id LIMIT ?",
                   p, 2, &due, err);
    if (rc)
        return rc;
    st->due += (unsigned)due->nrows;
    for (size_t i = 0; i < due->nrows; i++) {
        ferry_err one = FERRY_ERR_INIT;
        const char *id = fdb_get(due, i, 0);
        if (handle_one(s, id, now, now_s, st, &one) == 0)
            continue;
        if (connection_lost(s->db, &one)) {
            *err = one;
            fdb_rows_free(due);
            return one.code ? one.code : FERRY_ERR_DB;
        }
        char log_fields[128];
        fields_for(log_fields, sizeof log_fields, id, NULL);
        ferry_logf(s->log, FERRY_LOG_ERROR, log_fields, "schedule not handled: %s", one.msg);
    }
    fdb_rows_free(due);
    return 0;
}

/* run-now's fire, inside the open transaction holding the row. */
static int run_now_locked(const ferry_scheduler *s, const sched_row *row, int64_t now,
                          const char *now_s, char made[33], ferry_err *err)
{
    char next_s[32], fire_s[32];
    FMT_TIME(next_s, row->next_run);
    FMT_TIME(fire_s, now);
    ferry_tz *tz = NULL;
    int rc = ferry_tz_load(&tz, row->timezone, err);
    if (rc)
        return ferry_err_prefix(err, "schedule %s", row->id);
    fire_spec f = {row, tz, (time_t)now, next_s, now_s, "run-now"};
    req_fields rf;
    rc = template_fields(s->db, row->template_id, tz, f.fire, &rf, err);
    if (rc) {
        ferry_tz_free(tz);
        return rc;
    }
    fdb_uuid_hex(made);
    uint64_t inserted = 0;
    rc = insert_run(s, &f, made, &inserted, err);
    if (rc == 0 && inserted == 0)
        rc = ferry_err_set(err, FERRY_ERR, "schedule %s already has a run at %s", row->id, fire_s);
    if (rc == 0)
        rc = make_request(s, &f, &rf, made, err);
    req_fields_free(&rf);
    ferry_tz_free(tz);
    return rc;
}

int ferry_scheduler_run_now(const ferry_scheduler *s, const char *id, char made[33], ferry_err *err)
{
    int64_t now;
    char now_s[40];
    int rc = db_now(s->db, &now, now_s, sizeof now_s, err);
    if (!rc)
        rc = fdb_begin(s->db, err);
    if (rc)
        return rc;
    fdb_rows *r = NULL;
    fdb_param p[] = {fdb_str(id)};
    rc = fdb_query(s->db, "SELECT " SCHED_COLS " FROM export_schedules WHERE id = ? FOR UPDATE", p,
                   1, &r, err);
    if (!rc && r->nrows == 0)
        rc = ferry_err_set(err, FERRY_ERR_NOTFOUND, "no schedule %s", id);
    sched_row row;
    if (!rc)
        rc = read_row(r, &row, err);
    if (!rc)
        rc = run_now_locked(s, &row, now, now_s, made, err);
    fdb_rows_free(r);
    if (!rc)
        rc = fdb_commit(s->db, err);
    if (rc) {
        fdb_rollback(s->db);
        return rc;
    }
    char log_fields[256], fire_s[32];
    FMT_TIME(fire_s, now);
    snprintf(log_fields, sizeof log_fields, "schedule_id=%s request_id=%s fire_time=\"%s\"", id,
             made, fire_s);
    ferry_logf(s->log, FERRY_LOG_INFO, log_fields, "schedule run now");
    return 0;
}
