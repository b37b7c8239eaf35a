/*
 * cmd_request.c — `ferry request run ID` runs one export request now,
 * through the same path as the worker; list, show, cancel, retry and
 * delete are request_admin.c's.
 */
#include <stdio.h>
#include <string.h>

#include "claim.h"
#include "commands.h"
#include "migrate.h"
#include "request.h"
#include "cmd_request_admin.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: ferry request run ID\n"
               "       ferry request list [--status S] [--user ID] [--limit N] [--json]\n"
               "       ferry request show ID [--json]\n"
               "       ferry request cancel|retry|delete ID\n\n"
               "run: claims the pending request ID and runs it now (pending → processing → "
               "completed or failed; pending again, exit 3, when the site's pipeline file is "
               "broken).\n"
               "Exit codes: 0 completed, 1 failed, 3 bad config/field/filter, 5 database, "
               "6 no such request, 7 template not allowed, 8 row cap.\n");
}

/* A request whose run failed: failed, or, when the site's configuration is
 * to blame (request.h), given back as pending for the operator's fix. */
static void settle_failure(const ferry_service *svc, ferry_db *db, const ferry_claim *claim,
                           const ferry_request_done *done, ferry_err *err)
{
    ferry_err fe = FERRY_ERR_INIT;
    int changed = 0;
    if (done->fault == FERRY_FAULT_SITE) {
        if (ferry_claim_release(db, claim, &fe))
            fprintf(stderr, "ferry: could not give the request back: %s\n", fe.msg);
        else
            ferry_err_prefix(err, "the site's configuration is broken; the request stays pending");
        return;
    }
    if (ferry_request_fail(svc, db, claim, err->msg, &changed, &fe))
        fprintf(stderr, "ferry: could not record the failure: %s\n", fe.msg);
}

static int run_one(ferry_app *app, const char *id)
{
    ferry_err err = FERRY_ERR_INIT;
    ferry_service svc;
    ferry_db *db = NULL;
    int rc = ferry_app_service(app, &svc, &err);
    if (!rc)
        rc = ferry_app_connect(app, &db, 0, 0, &err);
    if (rc)
        return ferry_app_fail(app, &err);
    const ferry_site *site = svc.site;
    const char *ua = svc.user_agent;
    ferry_claim claim;
    char owner[129];
    ferry_claim_owner(owner, 0);
    unsigned lease = (unsigned)ferry_site_int(site, "worker.lease_seconds", 30);
    /* `request run` holds no renewal thread: its lease covers a long run. */
    rc = ferry_claim_by_id(db, id, owner, lease > 3600 ? lease : 86400, ua, &claim, &err);
    if (rc) {
        fdb_close(db);
        return ferry_app_fail(app, &err);
    }
    ferry_request_done done;
    rc = ferry_request_execute(&svc, db, &claim, app->stop, &done, &err);
    if (rc) {
        settle_failure(&svc, db, &claim, &done, &err);
        fdb_close(db);
        return ferry_app_fail(app, &err);
    }
    fdb_rows *r = NULL;
    fdb_param p[] = {fdb_str(claim.id)};
    if (fdb_query(db,
                  "SELECT file_path, file_size, ferry_row_count, download_url FROM "
                  "export_requests WHERE id = ?",
                  p, 1, &r, &err) == 0 &&
        r->nrows) {
        const char *store = site->store_path;
        if (app->stdout_tty)
            printf("request %s completed\n  %s/%s\n  %s rows, %s bytes\n  %s\n", claim.id, store,
                   fdb_get(r, 0, 0), fdb_get(r, 0, 2) ? fdb_get(r, 0, 2) : "0",
                   fdb_get(r, 0, 1) ? fdb_get(r, 0, 1) : "0",
                   fdb_get(r, 0, 3) ? fdb_get(r, 0, 3) : "");
        else
            printf("%s/%s\n", store, fdb_get(r, 0, 0));
    }
    fdb_rows_free(r);
    fdb_close(db);
    return 0;
}

int ferry_cmd_request(ferry_app *app, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? FERRY_EXIT_USAGE : 0;
    }
    if (!strcmp(argv[1], "run")) {
        if (argc != 3) {
            usage(stderr);
            return FERRY_EXIT_USAGE;
        }
        char id[33];
        if (ferry_request_norm_id(argv[2], id) != 0) {
            fprintf(stderr, "ferry: \"%s\" is not a request ID (32 hex digits, dashes allowed)\n",
                    argv[2]);
            return FERRY_EXIT_USAGE;
        }
        return run_one(app, argv[2]);
    }
    return ferry_request_admin(app, argc, argv);
}
