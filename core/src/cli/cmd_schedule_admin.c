/* cmd_schedule_admin.c — `ferry schedule list|show|pause|resume|run-now`
 * over both kinds of schedule: export_schedules rows (kind "schedule") and
 * the seed's recurring requests (kind "recurring": export_requests rows
 * with is_scheduled, schedule_pattern and next_run; see recurring.h).
 * Pausing a recurring request clears is_scheduled (resume sets it again);
 * nothing else of it is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd_schedule_admin.h"
#include "recurring.h"
#include "scheduler.h"

/* Both kinds, one row each: kind, id, user_id, name, pattern, zone, active,
 * next_run, last_run, runs, failures. */
#define BOTH_KINDS                                                                                 \
    "SELECT 'schedule', id, user_id, name, cron_pattern, timezone, is_active, "                    \
    "DATE_FORMAT(next_run, '%Y-%m-%dT%H:%i:%sZ'), "                                                \
    "COALESCE(DATE_FORMAT(last_run, '%Y-%m-%dT%H:%i:%sZ'), ''), run_count, failure_count "         \
    "FROM export_schedules WHERE (? = '' OR id = ?) UNION ALL "                                    \
    "SELECT 'recurring', r.id, r.user_id, r.title, r.schedule_pattern, ?, r.is_scheduled, "        \
    "COALESCE(DATE_FORMAT(r.next_run, '%Y-%m-%dT%H:%i:%sZ'), ''), "                                \
    "COALESCE((SELECT DATE_FORMAT(MAX(c.created_at), '%Y-%m-%dT%H:%i:%sZ') FROM "                  \
    "export_requests c WHERE c.ferry_origin_id = r.id), ''), "                                     \
    "(SELECT COUNT(*) FROM export_requests c WHERE c.ferry_origin_id = r.id), "                    \
    "(SELECT COUNT(*) FROM export_requests c WHERE c.ferry_origin_id = r.id AND "                  \
    "c.status = 'failed') FROM export_requests r WHERE r.schedule_pattern <> '' "                  \
    "AND r.ferry_schedule_id IS NULL AND r.ferry_origin_id IS NULL "                               \
    "AND (r.is_scheduled = 1 OR r.next_run IS NOT NULL) AND (? = '' OR r.id = ?) "                 \
    "ORDER BY 1, 2"

static const char *const cols[] = {"kind",   "id",       "user_id",  "name", "pattern", "timezone",
                                   "active", "next_run", "last_run", "runs", "failures"};
#define NCOLS 11

static int query(ferry_app *app, ferry_db *db, const char *id, fdb_rows **r, ferry_err *err)
{
    ferry_site *site;
    int rc = ferry_app_site(app, &site, err);
    if (rc)
        return rc;
    const char *tz = ferry_site_string(site, "scheduler.timezone", "UTC");
    const char *k = id ? id : "";
    fdb_param p[] = {fdb_str(k), fdb_str(k), fdb_str(tz), fdb_str(k), fdb_str(k)};
    return fdb_query(db, BOTH_KINDS, p, 5, r, err);
}

static void print(const fdb_rows *r, int json)
{
    for (size_t i = 0; i < r->nrows; i++) {
        if (json) {
            json_t *o = json_object();
            for (int c = 0; c < NCOLS; c++) {
                const char *v = fdb_get(r, i, (size_t)c);
                int num = c == 2 || c == 9 || c == 10;
                json_object_set_new(o, cols[c],
                                    c == 6 ? json_boolean(v && atoi(v))
                                    : num  ? json_integer(v ? atoll(v) : 0)
                                           : json_string(v ? v : ""));
            }
            char *t = json_dumps(o, JSON_COMPACT);
            printf("%s\n", t ? t : "{}");
            free(t);
            json_decref(o);
            continue;
        }
        printf("%-9s %s  user %-5s %-8s %-15s %-16s next %-20s runs %s failed %s  %s\n",
               fdb_get(r, i, 0), fdb_get(r, i, 1), fdb_get(r, i, 2),
               atoi(fdb_get(r, i, 6)) ? "active" : "paused", fdb_get(r, i, 4), fdb_get(r, i, 5),
               *fdb_get(r, i, 7) ? fdb_get(r, i, 7) : "-", fdb_get(r, i, 9), fdb_get(r, i, 10),
               fdb_get(r, i, 3));
    }
}

static int set_active(ferry_db *db, const char *kind, const char *id, int on, ferry_err *err)
{
    fdb_param p[] = {fdb_i64(on), fdb_str(id)};
    if (strcmp(kind, "schedule") == 0)
        return fdb_exec(db,
                        "UPDATE export_schedules SET is_active = ?, updated_at = UTC_TIMESTAMP(6) "
                        "WHERE id = ?",
                        p, 2, NULL, err);
    return fdb_exec(db, "UPDATE export_requests SET is_scheduled = ? WHERE id = ?", p, 2, NULL,
                    err);
}

static int run_now_schedule(ferry_app *app, ferry_db *db, const char *id, ferry_err *err)
{
    char ua[256], made[33] = "";
    ferry_app_user_agent(app, ua, sizeof ua);
    ferry_scheduler s = {db, &app->log, ua, 0};
    int rc = ferry_scheduler_run_now(&s, id, made, err);
    if (!rc)
        printf("request %s made from %s\n", made, id);
    return rc;
}

static int run_now(ferry_app *app, ferry_db *db, const char *kind, const char *id, ferry_err *err)
{
    if (strcmp(kind, "recurring") != 0)
        return run_now_schedule(app, db, id, err);
    ferry_site *site;
    ferry_tz *tz = NULL;
    int rc = ferry_app_site(app, &site, err);
    if (!rc)
        rc = ferry_tz_load(&tz, ferry_site_string(site, "scheduler.timezone", "UTC"), err);
    char ua[256], made[33] = "";
    ferry_app_user_agent(app, ua, sizeof ua);
    ferry_recurring r = {db, &app->log, ua, tz};
    if (!rc)
        rc = ferry_recurring_run_now(&r, id, made, err);
    ferry_tz_free(tz);
    if (!rc)
        printf("request %s made from %s\n", made, id);
    return rc;
}

int ferry_schedule_admin(ferry_app *app, const char *verb, const char *id, int json)
{
    ferry_err err = FERRY_ERR_INIT;
    ferry_db *db = NULL;
    fdb_rows *r = NULL;
    int list = strcmp(verb, "list") == 0;
    if (!list && !id) {
        fprintf(stderr, "usage: ferry schedule %s ID\n", verb);
        return FERRY_EXIT_USAGE;
    }
    int rc = ferry_app_connect(app, &db, 30, 0, &err);
    if (!rc)
        rc = query(app, db, list ? NULL : id, &r, &err);
    if (!rc && !list && r->nrows == 0)
        rc = ferry_err_set(&err, FERRY_ERR_NOTFOUND, "no schedule or recurring request %s", id);
    if (!rc && (list || strcmp(verb, "show") == 0))
        print(r, json);
    else if (!rc && (strcmp(verb, "pause") == 0 || strcmp(verb, "resume") == 0))
        rc = set_active(db, fdb_get(r, 0, 0), id, verb[0] == 'r', &err);
    else if (!rc && strcmp(verb, "run-now") == 0)
        rc = run_now(app, db, fdb_get(r, 0, 0), id, &err);
    else if (!rc)
        rc = ferry_err_set(&err, FERRY_ERR_USAGE, "unknown schedule verb \"%s\"", verb);
    fdb_rows_free(r);
    fdb_close(db);
    return rc ? ferry_app_fail(app, &err) : FERRY_EXIT_OK;
}
