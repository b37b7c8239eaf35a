/* cmd_expire.c — `ferry expire [--dry-run]`: one expiry pass (expire.h),
 * then a one-line summary on stdout. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "db.h"
#include "expire.h"
#include "s3.h"
#include "migrate.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: ferry expire [--dry-run]\n\n"
               "Deletes the artifacts of completed exports whose expires_at has passed, sets\n"
               "them 'expired' with an audit row, then removes orphan files (no request names\n"
               "them) and stale staging files older than store.orphan_grace_seconds.\n"
               "Never touches a file outside the file store (store.path).\n\n"
               "  --dry-run  report what would be done, change nothing\n");
}

int ferry_cmd_expire(ferry_app *app, int argc, char **argv)
{
    static const struct option opts[] = {
        {"dry-run", no_argument, 0, 'n'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int dry_run = 0, c;
    while ((c = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            dry_run = 1;
            break;
        case 'h':
            usage(stdout);
            return FERRY_EXIT_OK;
        default:
            usage(stderr);
            return FERRY_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return FERRY_EXIT_USAGE;
    }
    ferry_err err = FERRY_ERR_INIT;
    ferry_site *site;
    ferry_db *db = NULL;
    if (ferry_app_site(app, &site, &err) || ferry_app_connect(app, &db, 60, 0, &err))
        return ferry_app_fail(app, &err);
    char ua[512];
    ferry_app_user_agent(app, ua, sizeof ua);
    ferry_expire_opts o = {site->store_path,
                           ferry_site_int(site, "store.orphan_grace_seconds", 3600),
                           dry_run,
                           ua,
                           &app->log,
                           app->stop,
                           NULL};
    ferry_s3 *s3 = NULL;
    if (ferry_s3_open(&s3, site, &err)) {
        fdb_close(db);
        return ferry_app_fail(app, &err);
    }
    o.s3 = s3;
    ferry_expire_stats st;
    int rc = ferry_expire_run(db, &o, &st, &err);
    ferry_s3_free(s3);
    fdb_close(db);
    printf("%sexpired %" PRIu64 " request%s (%" PRIu64 " file%s deleted), removed %" PRIu64
           " orphan%s and %" PRIu64 " staging file%s (%" PRIu64 " bytes), %" PRIu64 " error%s\n",
           dry_run ? "dry run: would have " : "", st.expired, st.expired == 1 ? "" : "s",
           st.files_deleted, st.files_deleted == 1 ? "" : "s", st.orphans,
           st.orphans == 1 ? "" : "s", st.staging, st.staging == 1 ? "" : "s", st.orphan_bytes,
           st.errors, st.errors == 1 ? "" : "s");
    fflush(stdout);
    if (rc)
        return ferry_app_fail(app, &err);
    if (app->stop && *app->stop)
        return FERRY_EXIT_INTERRUPTED;
    return st.errors ? FERRY_EXIT_FAILED : FERRY_EXIT_OK;
}
