/*
 * worker.c — `ferry worker`'s engine (worker.h).
 *
 * Each slot is a thread with its own database connection that loops:
 * claim (ferry_claim_next) → ferry_request_execute in a child process
 * (child.c: a plugin's crash or hang ends that request only; it counts as
 * an attempt; worker.request_timeout_seconds kills a hung one) → fail or
 * retry on error. Beside it a renewal thread with a connection of its own renews the
 * held lease every lease_seconds/3; when a renewal changes no row the lease
 * is lost and the slot's cancel flag is set (the execution's completion is
 * fenced anyway, so a lost lease never changes the request).
 *
 * Decisions (docs/operations.md repeats them):
 * - Errors: an error that is the request's own (execute says so:
 *   FERRY_FAULT_REQUEST) fails the request now (ferry_request_fail). Any
 *   other error (but the two kinds below) fails it when this was
 *   the last attempt of its round (claim.c; "gave up after N attempts:
 *   …"), else gives it back as
 *   pending with its error_message and a retry delay: ferry_lease_expires_at
 *   is set to NOW(6) + retry_delay_seconds and claim_next leaves a pending
 *   row alone until then. The delay keeps a failing source from burning all
 *   attempts within a second.
 * - The database unavailable to the request's child (it cannot connect:
 *   too many connections, refused, shutting down; or its connection is
 *   lost while it reads the request's rows, before the pipeline starts),
 *   or to the pipeline's source when it opens (a plugin of ABI 1.4 or
 *   later returning it from open, before any row; engine/run.c lets the
 *   code out from nowhere else): FERRY_ERR_UNAVAILABLE. The request was
 *   not at fault and nothing was exported, so it is given back as pending
 *   with the retry delay its attempt would get and ferry_attempt - 1 in
 *   the same fenced statement (pending_again): the attempt is not counted
 *   and never gives the request up. The slot then backs off (250 ms …
 *   30 s, reset by any other outcome) before it claims again, so a
 *   database that stays short is not spun on. Once the source has opened
 *   (or failed otherwise), every error is classed as above.
 * - The site's own configuration broken (request.h, FERRY_FAULT_SITE: the
 *   pipeline file fails by itself, with nothing of the request, or
 *   ferry.conf names no requests.pipeline): the request is not to blame,
 *   and an operator fixes it in a minute. It is given back as pending, its
 *   attempt not counted (pending_again), error_message
 *   FERRY_SITE_WAIT_PREFIX and the file's error, claimable again after
 *   SITE_RECHECK_SECONDS or as soon as the broken file changes: the main
 *   thread stats it every second (site_faults.h) and then makes every
 *   waiting request claimable (wake_waiting), as it does at start (a fix
 *   of ferry.conf needs a restart). A file still broken makes them wait
 *   again. The error is logged once per file (site_faults.h), not per
 *   request and try; a waiting request's claims are logged at debug level.
 *   The slot does not back off: it goes on with other requests.
 * - A worker that dies holds its lease until it runs out; another worker
 *   then claims the request again (claim.c gives up after max_attempts).
 * - SIGTERM/SIGINT: stop claiming; let held requests finish for up to
 *   stop_grace_seconds, then cancel them, release them (pending, lease
 *   cleared; they are claimed again at once by another worker) and exit 0.
 * - The database going away: every statement error that
 *   fdb_is_connection_error recognises closes the connection; the slot
 *   reconnects with exponential backoff (250 ms … 30 s) and never uses the
 *   connector's auto-reconnect. A request held across the outage is
 *   resolved after reconnecting (completed by execute if it could, else
 *   failed or retried as above); if even that cannot be done its lease runs
 *   out and it is claimed again: nothing is lost.
 */
#include "worker.h"

#include <stdatomic.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "child.h"
#include "claim.h"
#include "clock.h"
#include "db.h"
#include "migrate.h"
#include "delivery.h"
#include "request.h"
#include "jitter.h"
#include "retry.h"
#include "site_faults.h"
#include "worker_metrics.h"

typedef struct ferry_worker worker;

typedef struct slot {
    worker *w;
    int index;
    char owner[129];
    ferry_claim_state claim_state; /* when to look for expired leases (slot thread only) */
    pthread_t thread, renewer;
    int have_thread, have_renewer;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    int active;        /* a claim is held (under mu) */
    ferry_claim claim; /* the held claim (under mu) */
    char fields[400];  /* its log fields (under mu) */
    unsigned gen;      /* bumped for every claim (under mu) */
    int lost;          /* the renewer found the lease lost (under mu) */
    int quit;          /* the renewer should exit (under mu) */
    atomic_int cancel; /* polled by ferry_request_execute */
    atomic_int done;   /* the slot thread has finished */
    ferry_err failed;  /* --once: why the slot gave up (slot thread, read after join) */
} slot;

struct ferry_worker {
    const ferry_service *svc; /* borrowed */
    ferry_worker_opts opts;
    const ferry_worker_opts *o; /* &opts */
    const char *url;
    atomic_int cancel_all;         /* the stop grace ran out */
    _Atomic int64_t last_claim_ms; /* ferry_monotonic_ms() of the last claim or outcome, 0: none */
    slot *slots;                   /* [o->concurrency]; owned */
    ferry_child_preload *preload;  /* owned */
    ferry_child_server *server;    /* owned */
    ferry_site_faults faults;      /* the site's errors requests waited on */
};

/* Stopping: asked to, or the fork server is gone (child.h). */
static int stopping(const worker *w)
{
    return ferry_service_stopping(w->svc) || ferry_child_server_gone(w->server);
}

static void fields(char *buf, size_t len, const slot *s)
{
    snprintf(buf, len, "slot=%d", s->index);
}

/* Sleeps `ms`, waking early when the worker stops (unless `ignore_stop`). */
static void nap(const worker *w, unsigned ms, int ignore_stop)
{
    ferry_nap_ms(ms, ignore_stop ? NULL : w->svc->stop);
}

typedef struct reconnect {
    slot *s;
    ferry_db **db;
    const char *what;
    const char *fields;
} reconnect;

static int reconnect_attempt(void *arg, unsigned i, ferry_err *err)
{
    reconnect *rc = arg;
    worker *w = rc->s->w;
    if (fdb_connect_url(rc->db, w->url, 60, err))
        return err->code ? err->code : FERRY_ERR_DB;
    if (i > 0)
        ferry_logf(w->svc->log, FERRY_LOG_INFO, rc->fields, "%s connection is back", rc->what);
    return 0;
}

static void reconnect_report(void *arg, unsigned i, unsigned delay_ms, const ferry_err *err)
{
    reconnect *rc = arg;
    if (i == 0 || delay_ms >= 30000)
        ferry_logf(rc->s->w->svc->log, FERRY_LOG_WARN, rc->fields,
                   "%s connection failed, retrying: %s", rc->what, err->msg);
}

/* Connects the slot's connection *db, retrying with backoff (250 ms … 30 s)
 * until it succeeds, `tries` tries failed (0: no limit) or (unless
 * `ignore_stop`) the worker stops. 0 when connected. */
static int connect_backoff(slot *s, ferry_db **db, const char *what, int ignore_stop, int tries)
{
    char f[64];
    fields(f, sizeof f, s);
    reconnect ctx = {s, db, what, f};
    ferry_retry_ops ops = {reconnect_attempt, reconnect_report, &ctx};
    ferry_backoff b;
    ferry_backoff_init(&b, 250, 30000);
    ferry_err err = FERRY_ERR_INIT;
    return ferry_retry(&b, (unsigned)tries, ignore_stop ? NULL : s->w->svc->stop, &ops, &err) ? -1
                                                                                              : 0;
}

/* After a failed statement on *db: drops the connection when it is gone. */
static void drop_if_gone(ferry_db **db)
{
    if (*db && fdb_is_connection_error(*db)) {
        fdb_close(*db);
        *db = NULL;
    }
}

/* A cheap liveness check after an execution failed: the error may have come
 * from the connection without our statement seeing it last. */
static void check_alive(ferry_db **db)
{
    if (!*db)
        return;
    fdb_rows *r = NULL;
    ferry_err err = FERRY_ERR_INIT;
    if (fdb_query(*db, "SELECT 1", NULL, 0, &r, &err) != 0) {
        fdb_close(*db); /* whatever failed, a fresh connection is safe */
        *db = NULL;
    }
    fdb_rows_free(r);
}

/* ---- the renewal thread ---- */

static void *renew_main(void *arg)
{
    slot *s = arg;
    worker *w = s->w;
    ferry_db *db = NULL;
    unsigned every = w->o->lease_seconds / 3 ? w->o->lease_seconds / 3 : 1;
    pthread_mutex_lock(&s->mu);
    while (!s->quit) {
        if (!s->active || s->lost) {
            pthread_cond_wait(&s->cv, &s->mu);
            continue;
        }
        ferry_claim c = s->claim;
        char f[400];
        memcpy(f, s->fields, sizeof f);
        unsigned gen = s->gen;
        struct timespec due;
        clock_gettime(CLOCK_MONOTONIC, &due);
        due.tv_sec += every;
        int rc = 0;
        while (!s->quit && s->active && s->gen == gen && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&s->cv, &s->mu, &due);
        if (s->quit || !s->active || s->gen != gen)
            continue;
        pthread_mutex_unlock(&s->mu);

        int held = 1, ok = 0;
        ferry_err err = FERRY_ERR_INIT;
        for (int tries = 0; tries < 2 && !ok; tries++) {
            if (!db && connect_backoff(s, &db, "renewal", 1, 1) != 0)
                break;
            if (ferry_claim_renew(db, &c, w->o->lease_seconds, &held, &err) == 0) {
                ok = 1;
            } else {
                drop_if_gone(&db);
            }
        }
        if (!ok)
            ferry_logf(w->svc->log, FERRY_LOG_WARN, f, "lease renewal failed: %s",
                       err.msg[0] ? err.msg : "no database connection");
        else
            ferry_logf(w->svc->log, FERRY_LOG_DEBUG, f, "lease renewed");
        if (ok && held)
            ferry_metrics_add(w->svc->metrics, FM_LEASE_RENEWALS, NULL, NULL, 1);

        pthread_mutex_lock(&s->mu);
        if (ok && !held && s->active && s->gen == gen) {
            ferry_metrics_add(w->svc->metrics, FM_LEASE_LOSSES, NULL, NULL, 1);
            s->lost = 1;
            s->cancel = 1;
            ferry_logf(w->svc->log, FERRY_LOG_WARN, f,
                       "lease lost (another worker claimed the request): cancelling");
        }
    }
    pthread_mutex_unlock(&s->mu);
    fdb_close(db);
    return NULL;
}

/* ---- resolving a failed execution ---- */

/* Gives the claimed request back as pending after `delay` seconds, with
 * its last error, conditioned on the claim. With `take_back` its attempt
 * goes back too (ferry_attempt - 1, in the same statement): its child could
 * not reach the database before the export started (FERRY_ERR_UNAVAILABLE),
 * or found the site's configuration broken (FERRY_FAULT_SITE), so this was
 * no attempt. The attempt number is used again by the next claim; nothing
 * of this one is left to collide with it: its child has exited leaving
 * nothing (a run that failed removed its staging file; nothing was
 * published), and the statement is fenced on the claim. */
static int pending_again(ferry_db *db, const ferry_claim *c, unsigned delay, const char *message,
                         int take_back, int *changed, ferry_err *err)
{
#define PENDING_AGAIN(attempt)                                                                     \
    "UPDATE export_requests SET status = 'pending', ferry_lease_owner = '', "                      \
    "ferry_lease_expires_at = NOW(6) + INTERVAL ? SECOND, error_message = ?, " attempt             \
    "progress_percentage = 0, updated_at = NOW(6) "                                                \
    "WHERE id = ? AND ferry_lease_owner = ? AND ferry_attempt = ? AND status = 'processing'"
    fdb_param p[] = {fdb_i64((int64_t)delay), fdb_str(message), fdb_str(c->id), fdb_str(c->owner),
                     fdb_i64(c->attempt)};
    uint64_t n = 0;
    int rc = fdb_exec(
        db, take_back ? PENDING_AGAIN("ferry_attempt = ferry_attempt - 1, ") : PENDING_AGAIN(""), p,
        5, &n, err);
#undef PENDING_AGAIN
    *changed = n == 1;
    return rc;
}

/* A request waiting on the site's configuration is claimable again after
 * half to all of this (jittered), or as soon as the broken file changes
 * (wake_waiting): the timer only covers what the worker cannot watch (a
 * file the pipeline @includes, another host's copy). */
enum { SITE_RECHECK_SECONDS = 300 };

/* What to do with a claim whose execution returned an error. */
typedef enum resolution { ON_RELEASE, ON_FAIL, ON_RETRY, ON_DEFER, ON_WAIT } resolution;

/* *changed = 0 when the claim no longer held (release cannot tell: 1). */
static int resolve_once(slot *s, ferry_db *db, const ferry_claim *c, resolution what,
                        const char *msg, int *changed, ferry_err *err)
{
    worker *w = s->w;
    *changed = 1;
    if (what == ON_RELEASE)
        return ferry_claim_release(db, c, err);
    unsigned delay = what == ON_WAIT
                         ? ferry_retry_delay_s(SITE_RECHECK_SECONDS, 1, SITE_RECHECK_SECONDS)
                         : ferry_retry_delay_s(w->o->retry_delay_seconds, c->attempt,
                                               w->o->retry_max_delay_seconds);
    if (what == ON_RETRY || what == ON_DEFER || what == ON_WAIT)
        return pending_again(db, c, delay, msg, what != ON_RETRY, changed, err);
    return ferry_request_fail(w->svc, db, c, msg, changed, err);
}

/* Runs resolve_once, reconnecting once across a lost connection. */
static void resolve(slot *s, ferry_db **db, const ferry_claim *c, const char *f, resolution what,
                    const char *msg)
{
    worker *w = s->w;
    ferry_err err = FERRY_ERR_INIT;
    for (int tries = 0; tries < 2; tries++) {
        /* Reconnect even while stopping: a few tries, then the lease will do. */
        if (!*db && connect_backoff(s, db, "worker", 1, 8) != 0)
            break;
        int changed = 0;
        if (resolve_once(s, *db, c, what, msg, &changed, &err) == 0) {
            static const char *const done[] = {"released", "failed", "will be retried",
                                               "will be retried, the attempt not counted",
                                               "waits, the attempt not counted"};
            /* A request waiting on the site's configuration: the worker
             * logs that configuration's error itself (site_faults.h). */
            int level = what == ON_FAIL   ? FERRY_LOG_ERROR
                        : what == ON_WAIT ? FERRY_LOG_DEBUG
                                          : FERRY_LOG_INFO;
            if (changed)
                ferry_logf(w->svc->log, level, f, "request %s: %s", done[what], msg);
            else
                ferry_logf(w->svc->log, FERRY_LOG_WARN, f,
                           "lease lost meanwhile; the request belongs to another worker now "
                           "(%s)",
                           msg);
            return;
        }
        drop_if_gone(db);
    }
    ferry_logf(w->svc->log, FERRY_LOG_ERROR, f,
               "could not record the outcome (%s); the lease will run out and the request be "
               "claimed again",
               err.msg[0] ? err.msg : "no database connection");
}

/* ---- the slot ---- */

/* What to do with a claim whose execution failed with `rc`; its outcome.
 * `lost`: the renewer found the lease lost meanwhile. */
static ferry_outcome on_error(slot *s, ferry_db **db, const ferry_claim *c, const char *f, int rc,
                              int lost, const ferry_request_done *done, const ferry_err *err)
{
    worker *w = s->w;
    if (!lost) {
        drop_if_gone(db);
        check_alive(db);
    }
    if (lost || (rc == FERRY_ERR_CANCEL && !w->cancel_all)) {
        /* Not cancelled by us: the completion found the lease gone. */
        ferry_logf(w->svc->log, FERRY_LOG_WARN, f,
                   "lease lost; the request belongs to another worker now (%s)", err->msg);
        return FERRY_OUTCOME_LOST;
    }
    if (rc == FERRY_ERR_CANCEL) {
        /* Cancelled at shutdown: give it back (fenced, so a no-op if the
         * lease was lost meanwhile). */
        resolve(s, db, c, f, ON_RELEASE, err->msg[0] ? err->msg : "cancelled");
        return FERRY_OUTCOME_RELEASED;
    }
    if (rc == FERRY_ERR_UNAVAILABLE) {
        /* The child found no database before the export started. */
        resolve(s, db, c, f, ON_DEFER, err->msg);
        return FERRY_OUTCOME_DEFERRED;
    }
    char msg[1100];
    if (done->fault == FERRY_FAULT_SITE) {
        /* The site's pipeline fails by itself: the operator's to fix. Its
         * file is watched from now (after the request is pending: a change
         * seen then wakes it too). */
        snprintf(msg, sizeof msg, FERRY_SITE_WAIT_PREFIX "%.1000s", err->msg);
        resolve(s, db, c, f, ON_WAIT, msg);
        ferry_site_faults_seen(&w->faults, w->svc->log, done->pipeline, &done->stamp, err->msg);
        return FERRY_OUTCOME_DEFERRED_CONFIG;
    }
    if (done->fault == FERRY_FAULT_REQUEST) {
        resolve(s, db, c, f, ON_FAIL, err->msg);
        return FERRY_OUTCOME_FAILED;
    }
    if (c->attempt % w->o->max_attempts == 0) {
        /* The last attempt of its round (claim.c: attempts never repeat). */
        snprintf(msg, sizeof msg, "gave up after %d attempt%s: %.900s", w->o->max_attempts,
                 w->o->max_attempts == 1 ? "" : "s", err->msg);
        resolve(s, db, c, f, ON_FAIL, msg);
        return FERRY_OUTCOME_FAILED;
    }
    resolve(s, db, c, f, ON_RETRY, err->msg);
    return FERRY_OUTCOME_RETRIED;
}

/* Runs a claim's execution and resolves it; returns its outcome. */
static ferry_outcome run_execute(slot *s, ferry_db **db, const ferry_claim *c, const char *f,
                                 ferry_attempt_info *info)
{
    worker *w = s->w;
    pthread_mutex_lock(&s->mu);
    s->claim = *c;
    snprintf(s->fields, sizeof s->fields, "%s", f);
    s->gen++;
    s->active = 1;
    s->lost = 0;
    s->cancel = w->cancel_all;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);

    double t0 = ferry_monotonic();
    ferry_err err = FERRY_ERR_INIT;
    ferry_request_done done;
    int rc = ferry_child_execute(w->server, s->index, c, &s->cancel, w->o->request_timeout_seconds,
                                 &done, &err);
    info->seconds = ferry_monotonic() - t0;
    info->rows = done.rows;
    info->bytes = done.bytes;

    pthread_mutex_lock(&s->mu);
    s->active = 0;
    int lost = s->lost;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);

    if (rc != 0)
        return on_error(s, db, c, f, rc, lost, &done, &err);
    ferry_site_faults_cleared(&w->faults, w->svc->log, done.pipeline);
    return FERRY_OUTCOME_COMPLETED;
}

/* Runs a claim; returns its outcome. */
static ferry_outcome run_claim(slot *s, ferry_db **db, const ferry_claim *c)
{
    worker *w = s->w;
    ferry_attempt_info info;
    ferry_attempt_begin(w->svc, c, &info);
    char f[400];
    snprintf(f, sizeof f, "slot=%d %s", s->index, info.fields);
    /* One that waited on the site's configuration is claimed again at every
     * change of the broken file: its error was logged once (site_faults.h). */
    ferry_logf(w->svc->log, c->waited ? FERRY_LOG_DEBUG : FERRY_LOG_INFO, f, "claimed request");
    ferry_outcome outcome = run_execute(s, db, c, f, &info);
    ferry_attempt_end(w->svc, &info, outcome);
    if (outcome == FERRY_OUTCOME_COMPLETED) {
        char done[560];
        snprintf(done, sizeof done, "%s rows=%lld bytes=%lld duration_ms=%lld", f,
                 (long long)info.rows, (long long)info.bytes, (long long)(info.seconds * 1000));
        ferry_logf(w->svc->log, FERRY_LOG_INFO, done, "request completed");
    }
    return outcome;
}

/*
 * Idle polling: a slot that finds the queue empty naps an eighth of the
 * time since any slot of this worker last claimed a request, at least
 * BUSY_POLL_MS and at most worker.poll_interval_ms. While requests keep
 * coming, one waits some 20 ms for a free slot, not a whole poll interval;
 * a worker that has claimed nothing for 8 poll intervals polls every
 * poll_interval_ms again.
 */
enum { BUSY_POLL_MS = 20 };

/* --once: tries of a claim (or a connection) in a row before the worker
 * gives up with the error (some 4 s of backoff). */
enum { ONCE_TRIES = 5 };

/* How often the worker sweeps store.path's staging leftovers (child.h). */
enum { STORE_SWEEP_SECONDS = 60 };

static unsigned idle_nap_ms(const worker *w)
{
    int64_t last = atomic_load(&w->last_claim_ms);
    int64_t nap = last ? (ferry_monotonic_ms() - last) / 8 : (int64_t)w->o->poll_interval_ms;
    if (nap < BUSY_POLL_MS)
        nap = BUSY_POLL_MS;
    if (nap > (int64_t)w->o->poll_interval_ms)
        nap = w->o->poll_interval_ms;
    return (unsigned)nap;
}

/* How a slot claims again after requests it gave back because their
 * child found no database. */
typedef struct pacing {
    ferry_backoff deferred; /* 250 ms … 30 s */
    int n;                  /* such claims in a row */
} pacing;

/*
 * After a claim's outcome. A request given back because its child found
 * no database (too many connections) makes the slot wait before it claims
 * again, so a database that stays short is not hammered with connections;
 * any other outcome resets that. A request waiting on the site's
 * configuration does not: it is not claimable again until its file changes
 * (or SITE_RECHECK_SECONDS), so the slot goes on with the others. --once:
 * -1 (s->failed set) after ONCE_TRIES deferrals in a row; a wait on the
 * site's configuration is the slot's error too (exit 3), the pass goes on.
 */
static int pace(slot *s, ferry_outcome o, pacing *pc)
{
    worker *w = s->w;
    if (o == FERRY_OUTCOME_DEFERRED_CONFIG && w->o->once)
        ferry_err_set(&s->failed, FERRY_ERR_CONFIG,
                      "requests wait as pending for the site's configuration to be fixed (its "
                      "error is logged above)");
    if (o != FERRY_OUTCOME_DEFERRED) {
        ferry_backoff_reset(&pc->deferred);
        pc->n = 0;
        return 0;
    }
    if (w->o->once && ++pc->n >= ONCE_TRIES) {
        /* One pass: the requests wait as pending for the next run. */
        ferry_err_set(&s->failed, FERRY_ERR_DB,
                      "requests found their database unavailable (%d times in a row); they "
                      "wait as pending",
                      pc->n);
        return -1;
    }
    ferry_backoff_wait(&pc->deferred, w->svc->stop);
    return 0;
}

static void *slot_main(void *arg)
{
    slot *s = arg;
    worker *w = s->w;
    ferry_db *db = NULL;
    char f[64];
    fields(f, sizeof f, s);
    ferry_backoff backoff;
    ferry_backoff_init(&backoff, 250, 30000);
    pacing pc = {.n = 0};
    ferry_backoff_init(&pc.deferred, 250, 30000);
    double mail_t = -86400; /* the last look for due mail: none yet */
    int fails = 0;          /* claims failed in a row */
    while (!stopping(w)) {
        /* --once (cron) tries a connection a few times: the next run retries. */
        if (!db && connect_backoff(s, &db, "worker", 0, w->o->once ? ONCE_TRIES : 0) != 0) {
            if (w->o->once)
                ferry_err_set(&s->failed, FERRY_ERR_DB, "the database connection was lost");
            break;
        }
        ferry_claim c;
        int got = 0;
        ferry_err err = FERRY_ERR_INIT;
        if (ferry_claim_next_limited(db, s->owner, w->o->lease_seconds, w->o->max_attempts,
                                     &w->o->limits, &s->claim_state, w->svc->user_agent, &c, &got,
                                     &err) != 0) {
            int gone = fdb_is_connection_error(db);
            drop_if_gone(&db);
            if (w->o->once && ++fails >= ONCE_TRIES) {
                /* One pass: exit with the error rather than retry for ever
                 * (a deadlock or two is retried). */
                ferry_err_set(&s->failed, FERRY_ERR_DB, "claiming failed: %s", err.msg);
                break;
            }
            ferry_logf(w->svc->log, gone ? FERRY_LOG_WARN : FERRY_LOG_ERROR, f,
                       "claiming failed: %s", err.msg);
            ferry_backoff_wait(&backoff, w->svc->stop);
            continue;
        }
        ferry_backoff_reset(&backoff);
        fails = 0;
        if (!got) {
            /* Idle: finish a due mail of any request (delivery.h), looked
             * for once per poll interval, not at every quick poll. */
            int did = 0;
            if ((ferry_monotonic() - mail_t) * 1000 >= w->o->poll_interval_ms) {
                mail_t = ferry_monotonic();
                if (ferry_delivery_step(w->svc, db, &did, &err) == 0 && did) {
                    mail_t -= 86400; /* more may be due: look again at once */
                    continue;
                }
            }
            if (w->o->once)
                break;
            nap(w, idle_nap_ms(w), 0);
            continue;
        }
        atomic_store(&w->last_claim_ms, ferry_monotonic_ms());
        ferry_outcome outcome = run_claim(s, &db, &c);
        atomic_store(&w->last_claim_ms, ferry_monotonic_ms());
        if (pace(s, outcome, &pc) != 0)
            break;
    }
    fdb_close(db);
    s->done = 1;
    return NULL;
}

/* ---- settings and the whole worker ---- */

static int64_t clamp(int64_t v, int64_t lo, int64_t hi, int64_t dflt)
{
    return v < lo || v > hi ? dflt : v;
}

void ferry_worker_opts_from_site(ferry_worker_opts *o, const ferry_site *site)
{
    memset(o, 0, sizeof *o);
    o->concurrency = (int)clamp(ferry_site_int(site, "worker.concurrency", 2), 1, 256, 2);
    o->lease_seconds =
        (unsigned)clamp(ferry_site_int(site, "worker.lease_seconds", 30), 1, 86400, 30);
    o->max_attempts = (int)clamp(ferry_site_int(site, "worker.max_attempts", 3), 1, 1000, 3);
    o->poll_interval_ms =
        (unsigned)clamp(ferry_site_int(site, "worker.poll_interval_ms", 1000), 10, 600000, 1000);
    o->retry_delay_seconds =
        (unsigned)clamp(ferry_site_int(site, "worker.retry_delay_seconds", 10), 0, 86400, 10);
    o->stop_grace_seconds =
        (unsigned)clamp(ferry_site_int(site, "worker.stop_grace_seconds", 30), 0, 86400, 30);
    o->retry_max_delay_seconds = (unsigned)clamp(
        ferry_site_int(site, "worker.retry_max_delay_seconds", 3600), 0, 604800, 3600);
    o->limits.per_user =
        (int)clamp(ferry_site_int(site, "worker.per_user_concurrency", 0), 0, 10000, 0);
    o->limits.daily_quota =
        (int)clamp(ferry_site_int(site, "requests.daily_quota", 0), 0, 10000000, 0);
    o->request_timeout_seconds = (unsigned)clamp(
        ferry_site_int(site, "worker.request_timeout_seconds", 3600), 0, 604800, 3600);
}

/*
 * Makes the requests that wait on the site's configuration (their
 * error_message starts with FERRY_SITE_WAIT_PREFIX) claimable now: at
 * start, which may follow a fix of ferry.conf, and when a broken pipeline
 * file changed. One that is still broken waits again.
 */
static int wake_waiting(worker *w, ferry_db *db, ferry_err *err)
{
    fdb_param p[] = {fdb_str(FERRY_SITE_WAIT_PREFIX "%")};
    uint64_t n = 0;
    int rc = fdb_exec(db,
                      "UPDATE export_requests SET ferry_lease_expires_at = NULL "
                      "WHERE status = 'pending' AND error_message LIKE ?",
                      p, 1, &n, err);
    if (!rc && n)
        ferry_logf(w->svc->log, FERRY_LOG_INFO, NULL,
                   "requests that waited on the site's configuration are claimable again: %llu",
                   (unsigned long long)n);
    return rc;
}

/* wake_waiting on a connection of its own (the main thread has none):
 * 0 when done, else `tries` + 1 (the first failure is logged). */
static int wake_now(worker *w, int tries)
{
    ferry_db *db = NULL;
    ferry_err err = FERRY_ERR_INIT;
    int rc = fdb_connect_url(&db, w->url, 60, &err);
    if (!rc)
        rc = wake_waiting(w, db, &err);
    fdb_close(db);
    if (rc && !tries)
        ferry_logf(w->svc->log, FERRY_LOG_WARN, NULL,
                   "could not wake the requests that wait on the site's configuration (tried "
                   "again every second): %s",
                   err.msg);
    return rc ? tries + 1 : 0;
}

static int preflight(worker *w, ferry_err *err)
{
    ferry_db *db = NULL;
    int rc = ferry_service_connect(w->svc, &db, 60, err);
    ferry_err we = FERRY_ERR_INIT;
    if (!rc && wake_waiting(w, db, &we)) /* they wait their time instead */
        ferry_logf(w->svc->log, FERRY_LOG_WARN, NULL,
                   "could not wake the requests that wait on the site's configuration: %s", we.msg);
    fdb_close(db);
    return rc;
}

/* Watches for the stop signal and the grace period, sweeps the store now
 * and then, wakes the requests waiting on the site's configuration when a
 * broken pipeline file changed, and returns when no slot runs any more. */
static void watch_slots(worker *w)
{
    double swept = ferry_monotonic(), looked = swept, stop_t0 = 0;
    int stop_seen = 0, wake = 0; /* wake: the waiting requests are to be woken (tries + 1) */
    for (;;) {
        int running = 0;
        for (int i = 0; i < w->o->concurrency; i++)
            running += w->slots[i].have_thread && !w->slots[i].done;
        if (!running)
            break;
        if (stopping(w) && !stop_seen) {
            stop_seen = 1;
            stop_t0 = ferry_monotonic();
            ferry_logf(w->svc->log, FERRY_LOG_INFO, NULL,
                       "stopping: finishing held requests (up to %u s)", w->o->stop_grace_seconds);
        }
        if (stop_seen && !w->cancel_all &&
            ferry_monotonic() - stop_t0 >= w->o->stop_grace_seconds) {
            w->cancel_all = 1;
            ferry_logf(w->svc->log, FERRY_LOG_WARN, NULL,
                       "stop grace over: cancelling and releasing held requests");
            for (int i = 0; i < w->o->concurrency; i++)
                w->slots[i].cancel = 1;
        }
        if (ferry_monotonic() - swept >= STORE_SWEEP_SECONDS) {
            ferry_child_sweep(w->svc); /* the children do not sweep (child.h) */
            swept = ferry_monotonic();
        }
        if (ferry_monotonic() - looked >= 1) {
            /* A broken pipeline file that changed may be fixed. */
            if (ferry_site_faults_changed(&w->faults, w->svc->log) > 0 && !wake)
                wake = 1;
            if (wake)
                wake = wake_now(w, wake - 1);
            looked = ferry_monotonic();
        }
        nap(w, 100, 1);
    }
}

static void join_slots(worker *w)
{
    for (int i = 0; i < w->o->concurrency; i++) {
        slot *s = &w->slots[i];
        if (s->have_thread)
            pthread_join(s->thread, NULL);
        if (s->have_renewer) {
            pthread_mutex_lock(&s->mu);
            s->quit = 1;
            pthread_cond_broadcast(&s->cv);
            pthread_mutex_unlock(&s->mu);
            pthread_join(s->renewer, NULL);
        }
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
    }
}

void ferry_worker_close(ferry_worker *w)
{
    if (!w)
        return;
    ferry_child_server_stop(w->server);
    ferry_child_preload_free(w->preload);
    ferry_site_faults_destroy(&w->faults);
    free(w->slots);
    free(w);
}

int ferry_worker_open(ferry_worker **out, const ferry_service *svc, const ferry_worker_opts *o,
                      ferry_err *err)
{
    *out = NULL;
    worker *w = calloc(1, sizeof *w);
    if (!w)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    ferry_site_faults_init(&w->faults);
    w->svc = svc;
    w->opts = *o;
    w->o = &w->opts;
    w->url = svc->site->database_url;
    int rc = preflight(w, err);
    if (!rc && !(w->slots = calloc((size_t)o->concurrency, sizeof *w->slots)))
        rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    if (rc) {
        ferry_worker_close(w);
        return rc;
    }
    ferry_err perr = FERRY_ERR_INIT;
    w->preload = ferry_child_preload_load(svc, &perr);
    if (perr.code) /* said now, before the first user meets it */
        ferry_site_faults_seen(&w->faults, svc->log, svc->site->request_pipeline, NULL, perr.msg);
    ferry_child_sweep(svc); /* what a killed worker's requests left */
    rc = ferry_child_server_start(&w->server, svc, o->concurrency, err);
    if (rc) {
        ferry_worker_close(w);
        return rc;
    }
    *out = w;
    return 0;
}

/* Starts a slot's renewal and claiming threads; 0 when both run. */
static int start_slot(worker *w, int i)
{
    slot *s = &w->slots[i];
    s->w = w;
    s->index = i;
    ferry_claim_owner(s->owner, i);
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    s->have_renewer = pthread_create(&s->renewer, NULL, renew_main, s) == 0;
    s->have_thread = s->have_renewer && pthread_create(&s->thread, NULL, slot_main, s) == 0;
    if (!s->have_thread)
        s->done = 1;
    return s->have_thread ? 0 : -1;
}

int ferry_worker_run(ferry_worker *w, ferry_err *err)
{
    const ferry_service *svc = w->svc;
    const ferry_worker_opts *o = w->o;
    int rc = 0;
    /* Signals go to the caller's thread, not to the slots. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int started = 0;
    for (int i = 0; i < o->concurrency; i++) {
        if (start_slot(w, i) != 0) {
            rc = ferry_err_set(err, FERRY_ERR, "cannot start worker thread %d", i);
            break;
        }
        started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    ferry_logf(svc->log, FERRY_LOG_INFO, NULL,
               "worker started: %d slots, lease %u s, %d attempts%s", started, o->lease_seconds,
               o->max_attempts, o->once ? ", once" : "");

    watch_slots(w);
    join_slots(w);
    if (!rc && ferry_child_server_gone(w->server))
        rc = ferry_err_set(err, FERRY_ERR,
                           "the worker's fork server is gone (killed?); stopped so that the "
                           "service manager starts a new worker");
    for (int i = 0; !rc && i < o->concurrency; i++)
        if (w->slots[i].failed.code)
            rc = ferry_err_set(err, w->slots[i].failed.code, "%s", w->slots[i].failed.msg);
    ferry_logf(svc->log, rc ? FERRY_LOG_ERROR : FERRY_LOG_INFO, NULL, "worker stopped");
    return rc;
}
