/* recurring.c — firing the seed's recurring requests (recurring.h). */
#include "recurring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "cron.h"
#include "daterange.h"
#include "log_fields.h"

#define ORIGIN                                                                                     \
    "is_scheduled = 1 AND schedule_pattern <> '' AND next_run IS NOT NULL "                        \
    "AND ferry_schedule_id IS NULL AND ferry_origin_id IS NULL"

typedef struct origin {
    const char *id, *pattern, *filters, *format;
    int64_t user_id, next_run;
} origin;

static void fmt_time(char *buf, size_t len, int64_t t)
{
    ferry_time_format(t, 0, buf, len);
}

/* filters without date_range, and the range it names resolved at `fire`. */
static int resolve_range(const ferry_recurring *r, const origin *o, time_t fire, char **filters,
                         char start[32], char end[32], ferry_err *err)
{
    json_error_t je;
    json_t *f = json_loads(o->filters ? o->filters : "{}", 0, &je);
    if (!json_is_object(f)) {
        json_decref(f);
        return ferry_err_set(err, FERRY_ERR_CONFIG, "filters is not a JSON object");
    }
    int rc = 0;
    json_t *range = json_object_get(f, "date_range");
    start[0] = end[0] = '\0';
    if (json_is_string(range)) {
        time_t s = 0, e = 0;
        rc = ferry_daterange_resolve(json_string_value(range), r->tz, fire, &s, &e, err);
        if (!rc) {
            fmt_time(start, 32, s);
            fmt_time(end, 32, e);
            json_object_del(f, "date_range");
        }
    }
    *filters = rc ? NULL : json_dumps(f, JSON_COMPACT);
    json_decref(f);
    if (!rc && !*filters)
        rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    return rc;
}

/* Inserts the copy of origin `o` fired at `fire`, and its audit row. */
static int make_request(const ferry_recurring *r, const origin *o, time_t fire, char id[33],
                        ferry_err *err)
{
    char *filters = NULL, start[32], end[32];
    int rc = resolve_range(r, o, fire, &filters, start, end, err);
    if (rc)
        return rc;
    fdb_uuid_hex(id);
    fdb_param p[] = {fdb_str(id), fdb_str(filters), *start ? fdb_str(start) : fdb_null(),
                     *end ? fdb_str(end) : fdb_null(), fdb_str(o->id)};
    rc = fdb_exec(r->db,
                  "INSERT INTO export_requests (id, title, description, format, filters, "
                  "date_range_start, date_range_end, selected_fields, status, "
                  "progress_percentage, error_message, file_path, file_size, download_url, "
                  "download_count, is_scheduled, schedule_pattern, next_run, created_at, "
                  "updated_at, template_id, user_id, ferry_origin_id) "
                  "SELECT ?, title, description, format, ?, "
                  "COALESCE(?, date_range_start), COALESCE(?, date_range_end), selected_fields, "
                  "'pending', 0, '', '', NULL, '', 0, 0, '', NULL, UTC_TIMESTAMP(6), "
                  "UTC_TIMESTAMP(6), template_id, user_id, id FROM export_requests WHERE id = ?",
                  p, 5, NULL, err);
    free(filters);
    if (rc)
        return rc;
    char extra[160];
    snprintf(extra, sizeof extra, "{\"source\": \"recurring\", \"origin_id\": \"%s\"}", o->id);
    return ferry_audit_write(r->db, id, o->user_id, "created", "", r->user_agent, extra, err);
}

/* What a fire made: said (logged, counted) only once it is committed. */
typedef struct fired {
    char id[33]; /* the new request's; "" when none was made */
    char next_s[32];
} fired;

/* Fires (or, with an invalid pattern, stops) one locked origin; what it
 * made in *made. */
static int fire_origin(const ferry_recurring *r, const origin *o, int64_t now, unsigned *failed,
                       fired *made, ferry_err *err)
{
    char f[320], id[33] = "";
    ferry_request_fields(f, sizeof f, o->id, o->user_id, o->format, 0);
    ferry_cron cron;
    ferry_err why = FERRY_ERR_INIT;
    time_t fire = 0, next = 0;
    int bad = ferry_cron_parse(&cron, o->pattern, &why);
    if (!bad && ferry_cron_latest(&cron, r->tz, (time_t)o->next_run, (time_t)now, &fire, &why))
        bad = why.code != FERRY_ERR_NOTFOUND; /* none in [next_run, now]: move next_run only */
    if (!bad)
        bad = ferry_cron_next_tz(&cron, r->tz, (time_t)now, &next, &why);
    if (bad) {
        ferry_logf(r->log, FERRY_LOG_ERROR, f, "recurring request stopped: %s", why.msg);
        (*failed)++;
        fdb_param p[] = {fdb_str(o->id)};
        return fdb_exec(r->db, "UPDATE export_requests SET next_run = NULL WHERE id = ?", p, 1,
                        NULL, err);
    }
    int rc = fire ? make_request(r, o, fire, id, err) : 0;
    if (rc)
        return rc;
    fmt_time(made->next_s, sizeof made->next_s, next);
    fdb_param p[] = {fdb_str(made->next_s), fdb_str(o->id)};
    rc = fdb_exec(r->db, "UPDATE export_requests SET next_run = ? WHERE id = ?", p, 2, NULL, err);
    if (!rc && fire)
        memcpy(made->id, id, sizeof id);
    return rc;
}

static void say_fired(const ferry_recurring *r, const origin *o, const fired *made)
{
    char f[320], g[400];
    ferry_request_fields(f, sizeof f, o->id, o->user_id, o->format, 0);
    snprintf(g, sizeof g, "%s new_request_id=%s next_run=\"%s\"", f, made->id, made->next_s);
    ferry_logf(r->log, FERRY_LOG_INFO, g, "recurring request fired");
}

static int one(const ferry_recurring *r, const char *id, int64_t now, unsigned *created,
               unsigned *failed, ferry_err *err)
{
    int rc = fdb_begin(r->db, err);
    if (rc)
        return rc;
    fdb_rows *q = NULL;
    fdb_param p[] = {fdb_str(id), fdb_i64(now)};
    rc = fdb_query(r->db,
                   "SELECT id, user_id, schedule_pattern, filters, format, "
                   "UNIX_TIMESTAMP(next_run) FROM export_requests WHERE id = ? AND " ORIGIN
                   " AND next_run <= FROM_UNIXTIME(?) FOR UPDATE SKIP LOCKED",
                   p, 2, &q, err);
    fired made = {"", ""};
    origin o = {0};
    if (!rc && q->nrows == 1) {
        o = (origin){fdb_get(q, 0, 0),
                     fdb_get(q, 0, 2),
                     fdb_get(q, 0, 3),
                     fdb_get(q, 0, 4),
                     strtoll(fdb_get(q, 0, 1), NULL, 10),
                     strtoll(fdb_get(q, 0, 5), NULL, 10)};
        rc = fire_origin(r, &o, now, failed, &made, err);
    }
    rc = rc ? rc : fdb_commit(r->db, err);
    if (rc) {
        fdb_rollback(r->db);
    } else if (made.id[0]) {
        (*created)++;
        say_fired(r, &o, &made);
    }
    fdb_rows_free(q);
    return rc;
}

int ferry_recurring_tick(const ferry_recurring *r, int64_t now, unsigned *created, unsigned *failed,
                         ferry_err *err)
{
    fdb_rows *due = NULL;
    fdb_param p[] = {fdb_i64(now)};
    int rc = fdb_query(r->db,
                       "SELECT id, IF(? < 0, UNIX_TIMESTAMP(UTC_TIMESTAMP()), ?) FROM "
                       "export_requests WHERE next_run <= IF(? < 0, UTC_TIMESTAMP(6), "
                       "FROM_UNIXTIME(?)) AND " ORIGIN " ORDER BY next_run LIMIT 500",
                       (fdb_param[]){p[0], p[0], p[0], p[0]}, 4, &due, err);
    for (size_t i = 0; !rc && i < due->nrows; i++)
        rc =
            one(r, fdb_get(due, i, 0), strtoll(fdb_get(due, i, 1), NULL, 10), created, failed, err);
    fdb_rows_free(due);
    return rc;
}

int ferry_recurring_run_now(const ferry_recurring *r, const char *id, char made[33], ferry_err *err)
{
    int rc = fdb_begin(r->db, err);
    if (rc)
        return rc;
    fdb_rows *q = NULL;
    fdb_param p[] = {fdb_str(id)};
    rc = fdb_query(r->db,
                   "SELECT id, user_id, schedule_pattern, filters, format, "
                   "UNIX_TIMESTAMP(UTC_TIMESTAMP()) FROM export_requests WHERE id = ? "
                   "AND schedule_pattern <> '' AND ferry_schedule_id IS NULL "
                   "AND ferry_origin_id IS NULL FOR UPDATE",
                   p, 1, &q, err);
    if (!rc && q->nrows != 1)
        rc = ferry_err_set(err, FERRY_ERR_NOTFOUND, "no recurring request %s", id);
    if (!rc) {
        origin o = {fdb_get(q, 0, 0),
                    fdb_get(q, 0, 2),
                    fdb_get(q, 0, 3),
                    fdb_get(q, 0, 4),
                    strtoll(fdb_get(q, 0, 1), NULL, 10),
                    0};
        rc = make_request(r, &o, (time_t)strtoll(fdb_get(q, 0, 5), NULL, 10), made, err);
    }
    fdb_rows_free(q);
    rc = rc ? rc : fdb_commit(r->db, err);
    if (rc)
        fdb_rollback(r->db);
    return rc;
}
