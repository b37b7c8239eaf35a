/*
 * delivery.c — per-recipient delivery state in ferry_email_deliveries: record,
 * claim, finish (sent / retry with backoff and jitter / failed and audited),
 * and the worker's step (see delivery.h).
 */
#include "delivery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "request.h"

int ferry_delivery_record(ferry_db *db, const char *request_id, const char *sink,
                          const char *targets, size_t len, ferry_err *err)
{
    int rc = 0;
    for (size_t off = 0; !rc && off < len; off += strlen(targets + off) + 1) {
        fdb_param p[] = {fdb_str(request_id), fdb_str(sink), fdb_str(targets + off)};
        rc = fdb_exec(db,
                      "INSERT IGNORE INTO ferry_email_deliveries (request_id, sink, recipient, "
                      "attempts, last_error, next_try_at, created_at, updated_at) "
                      "VALUES (?, ?, ?, 0, '', NOW(6), NOW(6), NOW(6))",
                      p, 3, NULL, err);
    }
    return rc;
}

static int64_t setting(const ferry_service *svc, const char *key, int64_t dflt)
{
    return ferry_site_int(svc->site, key, dflt);
}

/* Picks and locks one due row; 0 with *got, or an error. In a transaction. */
static int pick(ferry_db *db, const char *request_id, ferry_delivery *d, int *got, ferry_err *err)
{
    fdb_rows *rows = NULL;
    const char *rid = request_id ? request_id : "";
    fdb_param p[] = {fdb_str(rid), fdb_str(rid)};
    int rc = fdb_query(db,
                       "SELECT id, request_id, sink, recipient, attempts "
                       "FROM ferry_email_deliveries "
                       "WHERE sent_at IS NULL AND failed_at IS NULL AND next_try_at <= NOW(6) "
                       "AND (? = '' OR request_id = ?) "
                       "ORDER BY next_try_at LIMIT 1 FOR UPDATE SKIP LOCKED",
                       p, 2, &rows, err);
    if (!rc && rows->nrows) {
        d->id = atoll(fdb_get(rows, 0, 0));
        snprintf(d->request_id, sizeof d->request_id, "%s", fdb_get(rows, 0, 1));
        snprintf(d->sink, sizeof d->sink, "%s", fdb_get(rows, 0, 2));
        d->recipient = strdup(fdb_get(rows, 0, 3));
        d->attempts = atoi(fdb_get(rows, 0, 4)) + 1;
        *got = 1;
        if (!d->recipient)
            rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    }
    fdb_rows_free(rows);
    return rc;
}

int ferry_delivery_claim(const ferry_service *svc, ferry_db *db, const char *request_id,
                         ferry_delivery *d, int *got, ferry_err *err)
{
    memset(d, 0, sizeof *d);
    *got = 0;
    int rc = fdb_run(db, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", err);
    if (!rc)
        rc = fdb_begin(db, err);
    if (rc)
        return rc;
    rc = pick(db, request_id, d, got, err);
    if (!rc && *got) {
        fdb_param p[] = {fdb_i64(setting(svc, "deliveries.lease_seconds", 600)), fdb_i64(d->id)};
        rc = fdb_exec(db,
                      "UPDATE ferry_email_deliveries SET attempts = attempts + 1, "
                      "next_try_at = NOW(6) + INTERVAL ? SECOND, updated_at = NOW(6) "
                      "WHERE id = ?",
                      p, 2, NULL, err);
    }
    if (!rc)
        rc = fdb_commit(db, err);
    if (rc) {
        fdb_rollback(db);
        ferry_delivery_free(d);
        *got = 0;
    }
    return rc;
}

/* The audit row (web app) and the schedule's failure_count, with the
 * row's failed_at, in one transaction. */
static int record_failure(const ferry_service *svc, ferry_db *db, const ferry_delivery *d,
                          const char *error, ferry_err *err)
{
    fdb_rows *req = NULL;
    fdb_param id[] = {fdb_str(d->request_id)};
    int rc = fdb_query(db, "SELECT user_id, ferry_schedule_id FROM export_requests WHERE id = ?",
                       id, 1, &req, err);
    if (!rc && req->nrows) {
        json_t *extra =
            json_pack("{s:s, s:s, s:s, s:s, s:i}", "delivery", "email", "sink", d->sink,
                      "recipient", d->recipient, "error", error, "attempts", d->attempts);
        char *text = extra ? json_dumps(extra, JSON_PRESERVE_ORDER) : NULL;
        json_decref(extra);
        rc = ferry_audit_write(db, d->request_id, atoll(fdb_get(req, 0, 0)), "failed", "",
                               svc->user_agent, text ? text : "{}", err);
        free(text);
        const char *sched = fdb_get(req, 0, 1);
        fdb_param sp[] = {fdb_str(sched ? sched : "")};
        if (!rc && sched)
            rc = fdb_exec(db,
                          "UPDATE export_schedules SET failure_count = failure_count + 1, "
                          "updated_at = NOW(6) WHERE id = ?",
                          sp, 1, NULL, err);
    }
    fdb_rows_free(req);
    return rc;
}

/* The wait before the next try: retry_seconds doubled per attempt, capped. */
static int64_t backoff_seconds(const ferry_service *svc, int attempts)
{
    int64_t base = setting(svc, "deliveries.retry_seconds", 60);
    int64_t cap = setting(svc, "deliveries.max_retry_seconds", 3600);
    int64_t d = base;
    for (int i = 1; i < attempts && d < cap; i++)
        d *= 2;
    return d < cap ? d : cap;
}

static int mark(const ferry_service *svc, ferry_db *db, const ferry_delivery *d, int send_rc,
                int final, const char *error, ferry_err *err)
{
    if (send_rc == 0) {
        fdb_param p[] = {fdb_i64(d->id)};
        return fdb_exec(db,
                        "UPDATE ferry_email_deliveries SET sent_at = NOW(6), last_error = '', "
                        "updated_at = NOW(6) WHERE id = ?",
                        p, 1, NULL, err);
    }
    if (final) {
        fdb_param p[] = {fdb_str(error), fdb_i64(d->id)};
        int rc = fdb_exec(db,
                          "UPDATE ferry_email_deliveries SET failed_at = NOW(6), last_error = ?, "
                          "updated_at = NOW(6) WHERE id = ?",
                          p, 2, NULL, err);
        return rc ? rc : record_failure(svc, db, d, error, err);
    }
    /* Jitter: between half and all of the backoff, drawn by the database. */
    fdb_param p[] = {fdb_str(error), fdb_i64(backoff_seconds(svc, d->attempts) * 1000000),
                     fdb_i64(d->id)};
    return fdb_exec(db,
                    "UPDATE ferry_email_deliveries SET last_error = ?, next_try_at = NOW(6) + "
                    "INTERVAL FLOOR(? * (0.5 + RAND() / 2)) MICROSECOND, updated_at = NOW(6) "
                    "WHERE id = ?",
                    p, 3, NULL, err);
}

int ferry_delivery_finish(const ferry_service *svc, ferry_db *db, const ferry_delivery *d,
                          int send_rc, const char *error, ferry_err *err)
{
    int max = (int)setting(svc, "deliveries.max_attempts", 8);
    int final = send_rc != 0 && (send_rc == FERRY_ERR_DATA || d->attempts >= max);
    char fields[80];
    snprintf(fields, sizeof fields, "request_id=%s", d->request_id);
    if (send_rc == 0)
        ferry_logf(svc->log, FERRY_LOG_INFO, fields, "mail to %s sent (attempt %d)", d->recipient,
                   d->attempts);
    else
        ferry_logf(svc->log, final ? FERRY_LOG_ERROR : FERRY_LOG_WARN, fields,
                   "mail to %s failed (attempt %d of %d)%s: %s", d->recipient, d->attempts, max,
                   final ? ", giving up" : ", will retry", error);
    int rc = fdb_begin(db, err);
    if (!rc)
        rc = mark(svc, db, d, send_rc, final, error, err);
    if (!rc)
        rc = fdb_commit(db, err);
    if (rc)
        fdb_rollback(db);
    else if (send_rc == 0 || final)
        ferry_metrics_add(svc->metrics, FM_EMAILS, send_rc == 0 ? "sent" : "failed", NULL, 1);
    return rc;
}

void ferry_delivery_free(ferry_delivery *d)
{
    free(d->recipient);
    d->recipient = NULL;
}

int ferry_delivery_step(const ferry_service *svc, ferry_db *db, int *did, ferry_err *err)
{
    ferry_delivery d;
    int rc = ferry_delivery_claim(svc, db, NULL, &d, did, err);
    if (rc || !*did)
        return rc;
    ferry_err se = FERRY_ERR_INIT;
    int sent = ferry_request_redeliver(svc, db, &d, &se);
    rc = ferry_delivery_finish(svc, db, &d, sent, se.msg, err);
    ferry_delivery_free(&d);
    return rc;
}
