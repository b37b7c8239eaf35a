/* recurring_cli.c — one pass over recurring requests (recurring_cli.h). */
#include "recurring_cli.h"

#include <stdio.h>

#include "recurring.h"

int ferry_recurring_pass(ferry_app *app, ferry_db *db, const char *user_agent, int64_t now,
                         ferry_err *err)
{
    ferry_site *site;
    int rc = ferry_app_site(app, &site, err);
    if (rc)
        return rc;
    ferry_tz *tz = NULL;
    if ((rc = ferry_tz_load(&tz, ferry_site_string(site, "scheduler.timezone", "UTC"), err)))
        return rc;
    ferry_recurring r = {db, &app->log, user_agent, tz};
    unsigned created = 0, failed = 0;
    rc = ferry_recurring_tick(&r, now, &created, &failed, err);
    ferry_tz_free(tz);
    ferry_metrics_add(app->metrics, FM_SCHEDULER_FIRES, "recurring", NULL, created);
    ferry_metrics_add(app->metrics, FM_SCHEDULER_FAILS, "recurring", NULL, failed);
    return rc;
}
