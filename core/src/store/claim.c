/*
 * claim.c — claiming export requests and holding their lease (claim.h).
 *
 * Decisions (docs/operations.md repeats them):
 * - A claim runs in one READ COMMITTED transaction (set for that
 *   transaction only) with SELECT … FOR UPDATE SKIP LOCKED, so concurrent
 *   workers never wait on each other's rows and take no gap locks.
 * - Expired leases are looked at first (they are the oldest work), then
 *   pending requests by created_at, within a bound of a second: expired
 *   leases are rare, and looking for them cost every claim a second
 *   SELECT … FOR UPDATE. A caller with a ferry_claim_state (each worker
 *   slot) that found none looks at pending requests first for the next
 *   FERRY_CLAIM_EXPIRED_MS (1 s), and at expired leases only when no
 *   pending request is claimable; while it finds expired leases, they keep
 *   coming first. So a lease that ran out waits at most about a second
 *   more for a slot that is free. A pending request whose
 *   ferry_lease_expires_at lies in the future is waiting for a retry
 *   (the worker's retry delay) and is not claimable yet.
 * - ferry_attempt counts claims and never goes down, not even on an
 *   operator's `ferry request retry`: every claim gets an attempt number of
 *   its own, which names its artifact (<id>-<attempt>) and fences its
 *   updates, so a stalled worker from before a retry can never publish over
 *   a newer attempt's file. The one exception: a claim whose child could
 *   not reach the database before its export started, or found the site's
 *   configuration broken, gives its number back (worker.c, pending_again), in the fenced statement
 * that releases it, once its child has exited having written nothing — no process of that claim is
 * left to use the number, so the next claim may. Attempts are counted in rounds of max_attempts: a
 * retry moves ferry_attempt up to the next multiple of max_attempts, and attempt A is the last of
 * its round when A % max_attempts == 0. A release at shutdown uses up an attempt number too; the
 * give-up rule below only applies to leases that ran out, so a released request is never given up.
 * - The 'started' audit row is written when the claim first sets
 *   started_at (the first attempt; `ferry request retry` clears started_at,
 *   starting a new lifecycle): one per request, not one per attempt (a
 *   re-claim after a lease ran out is logged, not audited).
 * - A lease that ran out on the last attempt of its round is given up: status
 *   failed, error_message "gave up after N attempts: lease expired" (plus
 *   "(last error: …)" when an earlier attempt recorded one), the 'failed'
 *   audit row and the usage failure counter, in the claiming transaction.
 * - A request whose user no longer exists (deleted with foreign key checks
 *   off) is failed once, at claim, with "the request's user N no longer
 *   exists" and without audit row or usage counter (their foreign keys
 *   would refuse the user); it never takes a slot.
 */
#include "claim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "clock.h"
#include "user_limits.h"

void ferry_claim_owner(char out[129], int slot)
{
    char host[256] = "unknown";
    if (gethostname(host, sizeof host - 1) != 0)
        strcpy(host, "unknown");
    host[sizeof host - 1] = '\0';
    /* Keep the pid and slot even for a very long host name. */
    snprintf(out, 129, "%.100s:%ld:%d", host, (long)getpid(), slot);
}

/* The columns every claim query reads, in this order. */
#define CLAIM_COLS                                                                                 \
    "id, user_id, ferry_attempt, status, format, error_message, "                                  \
    "DATE_FORMAT(NOW(6), '%Y-%m-%d %H:%i:%s.%f') AS now6, "                                        \
    "(ferry_lease_expires_at IS NOT NULL AND ferry_lease_expires_at <= NOW(6)) AS lapsed, "        \
    "ferry_lease_owner, ferry_lease_expires_at, started_at IS NULL AS first, "                     \
    "EXISTS (SELECT 1 FROM auth_user u WHERE u.id = user_id) AS has_user, "                        \
    "TIMESTAMPDIFF(MICROSECOND, created_at, COALESCE(started_at, NOW(6))) AS wait_us"

enum {
    C_ID,
    C_USER,
    C_ATTEMPT,
    C_STATUS,
    C_FORMAT,
    C_ERRMSG,
    C_NOW,
    C_LAPSED,
    C_OWNER,
    C_EXPIRES,
    C_FIRST,
    C_HAS_USER,
    C_WAIT
};

static int begin_rc(ferry_db *db, ferry_err *err)
{
    /* Without SESSION: applies to the next transaction only. */
    int rc = fdb_run(db, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", err);
    if (!rc)
        rc = fdb_begin(db, err);
    return rc;
}

int ferry_claim_mark_failed(ferry_db *db, const char *id, const char *msg, ferry_err *err)
{
    fdb_param up[] = {fdb_str(msg), fdb_str(id)};
    return fdb_exec(db,
                    "UPDATE export_requests SET status = 'failed', error_message = ?, "
                    "completed_at = NOW(6), updated_at = NOW(6), ferry_lease_owner = '', "
                    "ferry_lease_expires_at = NULL WHERE id = ?",
                    up, 2, NULL, err);
}

/* Marks the locked row `r` failed after `attempts` attempts, with its audit
 * row and usage counter, inside the open transaction. */
static int give_up(ferry_db *db, const fdb_rows *r, int attempts, const char *user_agent,
                   ferry_err *err)
{
    const char *id = fdb_get(r, 0, C_ID);
    int64_t user_id = strtoll(fdb_get(r, 0, C_USER), NULL, 10);
    const char *last = fdb_get(r, 0, C_ERRMSG);
    char msg[1024];
    if (last && *last)
        snprintf(msg, sizeof msg, "gave up after %d attempts: lease expired (last error: %.800s)",
                 attempts, last);
    else
        snprintf(msg, sizeof msg, "gave up after %d attempts: lease expired", attempts);
    int rc = ferry_claim_mark_failed(db, id, msg, err);
    if (rc)
        return rc;
    char extra[256];
    snprintf(extra, sizeof extra, "{\"attempts\": %d, \"reason\": \"lease expired\"}", attempts);
    rc = ferry_audit_write(db, id, user_id, "failed", "", user_agent, extra, err);
    if (rc)
        return rc;
    return ferry_usage_add(db, user_id, fdb_get(r, 0, C_NOW), fdb_get(r, 0, C_FORMAT), 1, 0, 0,
                           NULL, err);
}

/* Fails the locked row `r`, whose user no longer exists, once and for all,
 * inside the open transaction. No audit row or usage counter: both would
 * name the missing user (their foreign keys refuse it). */
static int orphan(ferry_db *db, const fdb_rows *r, ferry_err *err)
{
    char msg[160];
    snprintf(msg, sizeof msg, "the request's user %.40s no longer exists", fdb_get(r, 0, C_USER));
    return ferry_claim_mark_failed(db, fdb_get(r, 0, C_ID), msg, err);
}

/* Takes the locked row `r` for `owner`, inside the open transaction, and
 * fills *out. */
static int take(ferry_db *db, const fdb_rows *r, const char *owner, unsigned lease_seconds,
                const char *user_agent, ferry_claim *out, ferry_err *err)
{
    const char *id = fdb_get(r, 0, C_ID);
    /* started_at is the claim's NOW(6) as its SELECT read it, so that
     * C_WAIT (created_at to that NOW(6)) is exactly what the row keeps. */
    fdb_param up[] = {fdb_str(fdb_get(r, 0, C_NOW)), fdb_str(owner),
                      fdb_i64((int64_t)lease_seconds), fdb_str(id)};
    uint64_t n = 0;
    int rc = fdb_exec(db,
                      "UPDATE export_requests SET status = 'processing', "
                      "started_at = COALESCE(started_at, CAST(? AS DATETIME(6))), "
                      "ferry_attempt = ferry_attempt + 1, ferry_lease_owner = ?, "
                      "ferry_lease_expires_at = NOW(6) + INTERVAL ? SECOND, "
                      "progress_percentage = 0, updated_at = NOW(6) WHERE id = ?",
                      up, 4, &n, err);
    if (rc)
        return rc;
    if (n != 1)
        return ferry_err_set(err, FERRY_ERR_DB, "claiming request %s changed %llu rows", id,
                             (unsigned long long)n);
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", id);
    out->user_id = strtoll(fdb_get(r, 0, C_USER), NULL, 10);
    out->attempt = atoi(fdb_get(r, 0, C_ATTEMPT)) + 1;
    snprintf(out->owner, sizeof out->owner, "%s", owner);
    const char *fmt = fdb_get(r, 0, C_FORMAT), *wait = fdb_get(r, 0, C_WAIT);
    snprintf(out->format, sizeof out->format, "%s", fmt ? fmt : "");
    int first = atoi(fdb_get(r, 0, C_FIRST)) == 1;
    /* Observed once, at the claim that set started_at (a deferred claim
     * gives its attempt number back: worker.c). */
    out->wait_us = wait && first ? strtoll(wait, NULL, 10) : -1;
    const char *last = fdb_get(r, 0, C_ERRMSG);
    out->waited = last && !strncmp(last, FERRY_SITE_WAIT_PREFIX, strlen(FERRY_SITE_WAIT_PREFIX));
    if (first) {
        char extra[200];
        snprintf(extra, sizeof extra, "{\"attempt\": %d, \"worker\": \"%.128s\"}", out->attempt,
                 owner);
        /* The owner is host:pid:slot; a host name has no quotes or backslashes. */
        rc = ferry_audit_write(db, id, out->user_id, "started", "", user_agent, extra, err);
    }
    return rc;
}

/* Neither query claims while the queue is paused (ferry_queue_state, on
 * every host), nor a recurring request's origin row (a schedule_pattern on
 * a row the web app made, paused or not: the scheduler copies it). */
#define CLAIMABLE                                                                                  \
    "NOT EXISTS (SELECT 1 FROM ferry_queue_state WHERE id = 1 AND paused = 1) "                    \
    "AND NOT (schedule_pattern <> '' AND ferry_schedule_id IS NULL AND ferry_origin_id IS NULL) "

/* Locks the oldest expired lease, if any. */
static int select_expired(ferry_db *db, fdb_rows **r, ferry_err *err)
{
    return fdb_query(db,
                     "SELECT " CLAIM_COLS " FROM export_requests "
                     "WHERE status = 'processing' AND ferry_lease_expires_at < NOW(6) "
                     "AND " CLAIMABLE
                     "ORDER BY ferry_lease_expires_at LIMIT 1 FOR UPDATE SKIP LOCKED",
                     NULL, 0, r, err);
}

/* Locks the oldest claimable pending request, if any: one whose user is
 * under the per-user limit (as committed; ferry_limits_decide makes it
 * sure). */
static int select_pending(ferry_db *db, int per_user, fdb_rows **r, ferry_err *err)
{
    fdb_param p[] = {fdb_i64(per_user), fdb_i64(per_user)};
    return fdb_query(db,
                     "SELECT " CLAIM_COLS " FROM export_requests r "
                     "WHERE status = 'pending' AND (ferry_lease_expires_at IS NULL OR "
                     "ferry_lease_expires_at <= NOW(6)) AND " CLAIMABLE
                     "AND (? = 0 OR (SELECT COUNT(*) FROM export_requests q "
                     "WHERE q.user_id = r.user_id AND q.status = 'processing' "
                     "AND q.ferry_lease_expires_at >= NOW(6)) < ?) "
                     "ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED",
                     p, 2, r, err);
}

/* select_expired, noting in `st` when it found nothing. */
static int look_expired(ferry_db *db, ferry_claim_state *st, fdb_rows **r, ferry_err *err)
{
    int rc = select_expired(db, r, err);
    if (!rc && (*r)->nrows == 0 && st)
        st->expired_next_ms = ferry_monotonic_ms() + FERRY_CLAIM_EXPIRED_MS;
    return rc;
}

/* The next claimable row, locked: an expired lease first when due (see
 * the decisions above), else a pending request, else an expired lease. */
static int select_next(ferry_db *db, int per_user, ferry_claim_state *st, fdb_rows **r,
                       ferry_err *err)
{
    int expired_first = !st || ferry_monotonic_ms() >= st->expired_next_ms;
    int rc = expired_first ? look_expired(db, st, r, err) : select_pending(db, per_user, r, err);
    if (rc || (*r)->nrows)
        return rc;
    fdb_rows_free(*r);
    *r = NULL;
    return expired_first ? select_pending(db, per_user, r, err) : look_expired(db, st, r, err);
}

int ferry_claim_next(ferry_db *db, const char *owner, unsigned lease_seconds, int max_attempts,
                     const char *user_agent, ferry_claim *out, int *got, ferry_err *err)
{
    return ferry_claim_next_limited(db, owner, lease_seconds, max_attempts, NULL, NULL, user_agent,
                                    out, got, err);
}

int ferry_claim_next_limited(ferry_db *db, const char *owner, unsigned lease_seconds,
                             int max_attempts, const ferry_claim_limits *lim, ferry_claim_state *st,
                             const char *user_agent, ferry_claim *out, int *got, ferry_err *err)
{
    *got = 0;
    /* Each round claims one row or gives one up; giving up commits and looks
     * again, a bounded number of times so one call never runs long. */
    for (int round = 0; round < 16; round++) {
        int rc = begin_rc(db, err);
        if (rc)
            return rc;
        fdb_rows *r = NULL;
        rc = select_next(db, lim ? lim->per_user : 0, st, &r, err);
        if (rc) {
            fdb_rollback(db);
            return rc;
        }
        if (r->nrows == 0) {
            fdb_rows_free(r);
            fdb_rollback(db);
            return 0;
        }
        int verdict = FERRY_LIMIT_OK;
        rc = ferry_limits_decide(db, strtoll(fdb_get(r, 0, C_USER), NULL, 10), fdb_get(r, 0, C_ID),
                                 lim, &verdict, err);
        if (rc || verdict == FERRY_LIMIT_BUSY) {
            /* BUSY: another worker took one of the user's requests meanwhile. */
            fdb_rows_free(r);
            fdb_rollback(db);
            if (rc)
                return rc;
            continue;
        }
        if (verdict == FERRY_LIMIT_QUOTA) {
            rc = ferry_limits_refuse(db, fdb_get(r, 0, C_ID),
                                     strtoll(fdb_get(r, 0, C_USER), NULL, 10), lim->daily_quota,
                                     user_agent, err);
            fdb_rows_free(r);
            rc = rc ? rc : fdb_commit(db, err);
            if (rc) {
                fdb_rollback(db);
                return rc;
            }
            continue;
        }
        int expired = strcmp(fdb_get(r, 0, C_STATUS), "processing") == 0;
        int attempts = atoi(fdb_get(r, 0, C_ATTEMPT));
        int gave_up = expired && max_attempts > 0 && attempts > 0 && attempts % max_attempts == 0;
        int orphaned = atoi(fdb_get(r, 0, C_HAS_USER)) == 0;
        if (orphaned)
            rc = orphan(db, r, err);
        else if (gave_up)
            rc = give_up(db, r, max_attempts, user_agent, err);
        else
            rc = take(db, r, owner, lease_seconds, user_agent, out, err);
        fdb_rows_free(r);
        if (!rc)
            rc = fdb_commit(db, err);
        if (rc) {
            fdb_rollback(db);
            return rc;
        }
        if (!gave_up && !orphaned) {
            *got = 1;
            return 0;
        }
    }
    return 0;
}

int ferry_claim_by_id(ferry_db *db, const char *id, const char *owner, unsigned lease_seconds,
                      const char *user_agent, ferry_claim *out, ferry_err *err)
{
    int rc = begin_rc(db, err);
    if (rc)
        return rc;
    fdb_rows *r = NULL;
    fdb_param p[] = {fdb_str(id)};
    rc = fdb_query(db, "SELECT " CLAIM_COLS " FROM export_requests WHERE id = ? FOR UPDATE", p, 1,
                   &r, err);
    if (rc) {
        fdb_rollback(db);
        return rc;
    }
    if (r->nrows == 0) {
        fdb_rows_free(r);
        fdb_rollback(db);
        return ferry_err_set(err, FERRY_ERR_NOTFOUND, "no export request with id %s", id);
    }
    const char *status = fdb_get(r, 0, C_STATUS);
    int lapsed = atoi(fdb_get(r, 0, C_LAPSED));
    if (strcmp(status, "pending") == 0 || (strcmp(status, "processing") == 0 && lapsed)) {
        rc = take(db, r, owner, lease_seconds, user_agent, out, err);
    } else if (strcmp(status, "processing") == 0) {
        const char *who = fdb_get(r, 0, C_OWNER);
        const char *until = fdb_get(r, 0, C_EXPIRES);
        rc = ferry_err_set(err, FERRY_ERR,
                           "request %s is processing (worker %s, lease until %s UTC)", id,
                           who && *who ? who : "unknown", until ? until : "unset");
    } else {
        rc = ferry_err_set(err, FERRY_ERR,
                           "request %s is %s, not pending (use `ferry request retry` to run it "
                           "again)",
                           id, status);
    }
    fdb_rows_free(r);
    if (!rc)
        rc = fdb_commit(db, err);
    if (rc)
        fdb_rollback(db);
    return rc;
}

int ferry_claim_renew(ferry_db *db, const ferry_claim *c, unsigned lease_seconds, int *held,
                      ferry_err *err)
{
    *held = 0;
    fdb_param p[] = {fdb_i64((int64_t)lease_seconds), fdb_str(c->id), fdb_str(c->owner),
                     fdb_i64(c->attempt)};
    uint64_t n = 0;
    int rc = fdb_exec(db,
                      "UPDATE export_requests SET ferry_lease_expires_at = NOW(6) + INTERVAL ? "
                      "SECOND WHERE id = ? AND ferry_lease_owner = ? AND ferry_attempt = ? "
                      "AND status = 'processing'",
                      p, 4, &n, err);
    if (rc)
        return rc;
    *held = n == 1;
    return 0;
}

int ferry_claim_release(ferry_db *db, const ferry_claim *c, ferry_err *err)
{
    fdb_param p[] = {fdb_str(c->id), fdb_str(c->owner), fdb_i64(c->attempt)};
    return fdb_exec(db,
                    "UPDATE export_requests SET status = 'pending', ferry_lease_owner = '', "
                    "ferry_lease_expires_at = NULL, progress_percentage = 0, updated_at = NOW(6) "
                    "WHERE id = ? AND ferry_lease_owner = ? AND ferry_attempt = ? "
                    "AND status = 'processing'",
                    p, 3, NULL, err);
}
