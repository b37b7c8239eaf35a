/* cmd_queue.c — `ferry queue pause|resume|status`: the switch every worker
 * on every host reads before it claims (ferry_queue_state, claim.c), and a
 * look at the queue. Running requests finish; nothing new starts. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "commands.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: ferry queue pause|resume|status [--reason TEXT] [--json]\n\n"
               "pause: every worker, on every host, stops claiming requests (those running\n"
               "finish); resume: they claim again; status: paused or not, requests by status,\n"
               "the oldest pending one's age. The switch is in the database\n"
               "(ferry_queue_state).\n");
}

static int set_paused(ferry_app *app, ferry_db *db, int paused, const char *reason)
{
    char by[320];
    ferry_app_user_agent(app, by, sizeof by);
    fdb_param p[] = {fdb_i64(paused), fdb_str(reason ? reason : ""), fdb_str(by)};
    ferry_err err = FERRY_ERR_INIT;
    if (fdb_exec(db,
                 "INSERT INTO ferry_queue_state (id, paused, reason, changed_by, changed_at) "
                 "VALUES (1, ?, ?, ?, UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE "
                 "paused = VALUES(paused), reason = VALUES(reason), "
                 "changed_by = VALUES(changed_by), changed_at = VALUES(changed_at)",
                 p, 3, NULL, &err))
        return ferry_app_fail(app, &err);
    ferry_logf(&app->log, FERRY_LOG_INFO, NULL, "queue %s%s%s", paused ? "paused" : "resumed",
               reason && *reason ? ": " : "", reason ? reason : "");
    printf("queue %s\n", paused ? "paused: workers stop claiming" : "resumed");
    return FERRY_EXIT_OK;
}

static int status(ferry_app *app, ferry_db *db, int json)
{
    ferry_err err = FERRY_ERR_INIT;
    fdb_rows *r = NULL;
    if (fdb_query(db,
                  "SELECT COALESCE(MAX(paused), 0), COALESCE(MAX(reason), ''), "
                  "COALESCE(MAX(changed_by), ''), "
                  "COALESCE(DATE_FORMAT(MAX(changed_at), '%Y-%m-%dT%H:%i:%sZ'), ''), "
                  "(SELECT COUNT(*) FROM export_requests WHERE status = 'pending'), "
                  "(SELECT COUNT(*) FROM export_requests WHERE status = 'processing'), "
                  "COALESCE(TIMESTAMPDIFF(SECOND, (SELECT MIN(created_at) FROM export_requests "
                  "WHERE status = 'pending'), UTC_TIMESTAMP()), 0) "
                  "FROM ferry_queue_state WHERE id = 1",
                  NULL, 0, &r, &err))
        return ferry_app_fail(app, &err);
    const char *v[7];
    for (int i = 0; i < 7; i++)
        v[i] = fdb_get(r, 0, (size_t)i) ? fdb_get(r, 0, (size_t)i) : "";
    int paused = atoi(v[0]);
    if (json) {
        json_t *o = json_pack("{s:b, s:s, s:s, s:s, s:I, s:I, s:I}", "paused", paused, "reason",
                              v[1], "changed_by", v[2], "changed_at", v[3], "pending",
                              (json_int_t)atoll(v[4]), "processing", (json_int_t)atoll(v[5]),
                              "oldest_pending_seconds", (json_int_t)atoll(v[6]));
        char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
        printf("%s\n", t ? t : "{}");
        free(t);
        json_decref(o);
    } else
        printf("queue:      %s%s%s\nchanged:    %s by %s\npending:    %s (oldest %s s)\n"
               "processing: %s\n",
               paused ? "paused" : "running", *v[1] ? " — " : "", v[1], *v[3] ? v[3] : "never",
               *v[2] ? v[2] : "-", v[4], v[6], v[5]);
    fdb_rows_free(r);
    return FERRY_EXIT_OK;
}

int ferry_cmd_queue(ferry_app *app, int argc, char **argv)
{
    static const struct option opts[] = {{"reason", required_argument, 0, 'r'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *reason = NULL;
    int json = 0, c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r')
            reason = optarg;
        else if (c == 'j')
            json = 1;
        else {
            usage(c == 'h' ? stdout : stderr);
            return c == 'h' ? FERRY_EXIT_OK : FERRY_EXIT_USAGE;
        }
    }
    const char *verb = optind < argc ? argv[optind] : NULL;
    if (!verb || optind + 1 < argc) {
        usage(stderr);
        return FERRY_EXIT_USAGE;
    }
    ferry_err err = FERRY_ERR_INIT;
    ferry_db *db = NULL;
    if (ferry_app_connect(app, &db, 30, 0, &err))
        return ferry_app_fail(app, &err);
    int rc = FERRY_EXIT_USAGE;
    if (strcmp(verb, "pause") == 0 || strcmp(verb, "resume") == 0)
        rc = set_paused(app, db, strcmp(verb, "pause") == 0, reason);
    else if (strcmp(verb, "status") == 0)
        rc = status(app, db, json);
    else
        fprintf(stderr, "ferry: unknown queue verb \"%s\" (pause, resume, status)\n", verb);
    fdb_close(db);
    return rc;
}
