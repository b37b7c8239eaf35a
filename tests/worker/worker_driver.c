/*
 * worker_driver.c — the real worker engine (worker.c, claim.c) with a
 * stand-in for request execution, so the worker's mechanics — leases,
 * renewal, fencing, SIGKILL/SIGSTOP/SIGTERM, database restarts, retries —
 * are tested on their own, fast, and independently of the pipelines.
 *
 *   worker_driver [--concurrency N] [--once]
 *
 * The stand-in honours request.h's contract the way request.c does: it
 * works for STUB_WORK_MS (default 50) polling `cancel`, stages the artifact
 * as a hidden file in the store, renames it to <id>-<attempt>.txt, then
 * commits the completion conditioned on the claim (with the 'completed'
 * audit row and usage stats); if that changes no row it deletes its file and
 * returns FERRY_ERR_CANCEL. STUB_FAIL=transient|permanent makes it fail;
 * STUB_IGNORE_CANCEL=1 makes it run to its (fenced) completion regardless.
 */
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "audit.h"
#include "request.h"
#include "metrics.h"
#include "worker.h"

static atomic_int stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int complete(ferry_db *db, const ferry_claim *c, const char *path, long size,
                    uint64_t *changed, ferry_err *err)
{
    int rc = fdb_begin(db, err);
    if (rc)
        return rc;
    fdb_param p[] = {fdb_str(path), fdb_i64(size), fdb_str(c->id), fdb_str(c->owner),
                     fdb_i64(c->attempt)};
    rc = fdb_exec(db,
                  "UPDATE export_requests SET status = 'completed', completed_at = NOW(6), "
                  "progress_percentage = 100, file_path = ?, file_size = ?, error_message = '', "
                  "ferry_lease_owner = '', ferry_lease_expires_at = NULL, updated_at = NOW(6) "
                  "WHERE id = ? AND ferry_lease_owner = ? AND ferry_attempt = ? "
                  "AND status = 'processing'",
                  p, 5, changed, err);
    if (!rc && *changed == 1)
        rc = ferry_audit_write(db, c->id, c->user_id, "completed", "", "ferry-test", NULL, err);
    fdb_rows *r = NULL;
    if (!rc && *changed == 1)
        rc = fdb_query(db, "SELECT DATE_FORMAT(NOW(6), '%Y-%m-%d %H:%i:%s.%f')", NULL, 0, &r, err);
    if (!rc && *changed == 1)
        rc = ferry_usage_add(db, c->user_id, fdb_get(r, 0, 0), "csv", 0, 1, (uint64_t)size, c->id,
                             err);
    fdb_rows_free(r);
    if (!rc && *changed == 1)
        return fdb_commit(db, err);
    fdb_rollback(db);
    return rc;
}

int ferry_request_execute(const ferry_service *svc, ferry_db *db, const ferry_claim *claim,
                          atomic_int *cancel, ferry_request_done *done, ferry_err *err)
{
    const char *ms_s = getenv("STUB_WORK_MS");
    long ms = ms_s ? atol(ms_s) : 50;
    const char *mode = getenv("STUB_FAIL");
    if (done)
        memset(done, 0, sizeof *done);
    for (long t = 0; t < ms; t += 10) {
        if (*cancel && !getenv("STUB_IGNORE_CANCEL"))
            return ferry_err_set(err, FERRY_ERR_CANCEL, "cancelled");
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (mode && strcmp(mode, "permanent") == 0) {
        if (done)
            done->fault = FERRY_FAULT_REQUEST;
        return ferry_err_set(err, FERRY_ERR_CONFIG, "stub: unknown field \"nope\"");
    }
    if (mode && strcmp(mode, "transient") == 0)
        return ferry_err_set(err, FERRY_ERR_IO, "stub: source unreachable");

    char stage[4096], final[4096];
    snprintf(stage, sizeof stage, "%s/.%s-%d.txt.tmp", svc->site->store_path, claim->id,
             claim->attempt);
    snprintf(final, sizeof final, "%s/%s-%d.txt", svc->site->store_path, claim->id, claim->attempt);
    FILE *f = fopen(stage, "w");
    if (!f)
        return ferry_err_set(err, FERRY_ERR_IO, "stub: %s: %s", stage, strerror(errno));
    fprintf(f, "%s %d\n", claim->id, claim->attempt);
    long size = ftell(f);
    fflush(f);
    fsync(fileno(f));
    fclose(f);
    if (rename(stage, final) != 0)
        return ferry_err_set(err, FERRY_ERR_IO, "stub: rename: %s", strerror(errno));
    uint64_t changed = 0;
    int rc = complete(db, claim, final, size, &changed, err);
    if (rc || changed != 1) {
        unlink(final);
        if (!rc)
            rc = ferry_err_set(err, FERRY_ERR_CANCEL, "lease lost before completion");
        return rc;
    }
    if (done) {
        done->rows = 1;
        done->bytes = size;
    }
    return 0;
}

/* The stubbed requests send no mail: nothing is ever redelivered. */
int ferry_request_redeliver(const ferry_service *svc, ferry_db *db, const ferry_delivery *d,
                            ferry_err *err)
{
    (void)svc;
    (void)db;
    return ferry_err_set(err, FERRY_ERR_DATA, "stub: request %s sends no mail", d->request_id);
}

int ferry_request_fail(const ferry_service *svc, ferry_db *db, const ferry_claim *claim,
                       const char *message, int *changed, ferry_err *err)
{
    (void)svc;
    *changed = 0;
    int rc = fdb_begin(db, err);
    if (rc)
        return rc;
    uint64_t n = 0;
    fdb_param p[] = {fdb_str(message), fdb_str(claim->id), fdb_str(claim->owner),
                     fdb_i64(claim->attempt)};
    rc = fdb_exec(db,
                  "UPDATE export_requests SET status = 'failed', error_message = ?, "
                  "completed_at = NOW(6), ferry_lease_owner = '', ferry_lease_expires_at = NULL "
                  "WHERE id = ? AND ferry_lease_owner = ? AND ferry_attempt = ? "
                  "AND status = 'processing'",
                  p, 4, &n, err);
    if (!rc && n == 1)
        rc =
            ferry_audit_write(db, claim->id, claim->user_id, "failed", "", "ferry-test", NULL, err);
    if (!rc && n == 1)
        rc = ferry_usage_add(db, claim->user_id, "2000-01-01 00:00:00", "csv", 1, 0, 0, NULL, err);
    if (!rc) {
        *changed = n == 1;
        return fdb_commit(db, err);
    }
    fdb_rollback(db);
    return rc;
}

int main(int argc, char **argv)
{
    ferry_app app;
    memset(&app, 0, sizeof app);
    app.log.level = getenv("STUB_DEBUG") ? FERRY_LOG_DEBUG : FERRY_LOG_INFO;
    app.log.command = "worker";
    app.argv0 = argv[0];
    app.stop = &stop_flag;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    ferry_err err = FERRY_ERR_INIT;
    ferry_service svc;
    if (ferry_app_service(&app, &svc, &err))
        return ferry_app_fail(&app, &err);
    ferry_worker_opts o;
    ferry_worker_opts_from_site(&o, svc.site);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--once") == 0)
            o.once = 1;
        else if (strcmp(argv[i], "--concurrency") == 0 && i + 1 < argc)
            o.concurrency = atoi(argv[++i]);
    }
    ferry_worker *w = NULL;
    int rc = ferry_worker_open(&w, &svc, &o, &err) || ferry_worker_run(w, &err)
                 ? ferry_app_fail(&app, &err)
                 : 0;
    ferry_worker_close(w);
    ferry_metrics_free(app.metrics);
    ferry_site_free(app.site);
    return rc;
}
