/* app.c — the state every command shares: site config, log, user agent. */
#include "app.h"

#include "migrate.h"
#include "schema_check.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int ferry_app_site(ferry_app *app, ferry_site **out, ferry_err *err)
{
    if (!app->site) {
        int rc = ferry_site_load(&app->site, app->config_path, err);
        if (rc)
            return rc;
    }
    *out = app->site;
    return 0;
}

int ferry_app_fail(ferry_app *app, const ferry_err *err)
{
    const char *msg = err->msg[0] ? err->msg : "failed";
    int code = ferry_err_exit_code(err->code ? err->code : FERRY_ERR);
    if (app->log.json) { /* a log shipper reads stderr: the last line is JSON too */
        char fields[32];
        snprintf(fields, sizeof fields, "exit_code=%d", code);
        ferry_logf(&app->log, FERRY_LOG_ERROR, fields, "%s", msg);
    } else {
        fprintf(stderr, "ferry: %s\n", msg);
    }
    return code;
}

int ferry_app_service(ferry_app *app, ferry_service *svc, ferry_err *err)
{
    ferry_site *site;
    int rc = ferry_app_site(app, &site, err);
    if (!rc)
        rc = ferry_app_metrics(app, err);
    if (!rc) {
        ferry_service_init(svc, site, &app->log, app->stop);
        svc->metrics = app->metrics;
    }
    return rc;
}

void ferry_app_user_agent(const ferry_app *app, char *buf, size_t len)
{
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    snprintf(buf, len, "ferry-%s/%s (%s)", app->log.command ? app->log.command : "cli",
             FERRY_VERSION, host);
}

int ferry_app_database_url(ferry_app *app, const char **url, ferry_err *err)
{
    ferry_site *site;
    int rc = ferry_app_site(app, &site, err);
    if (rc)
        return rc;
    if (!site->database_url || !*site->database_url)
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "no database configured (database.url in %s, or FERRY_DATABASE_URL)",
                             site->path);
    *url = site->database_url;
    return 0;
}

int ferry_app_connect(ferry_app *app, ferry_db **db, unsigned rw_timeout, int allow_pending,
                      ferry_err *err)
{
    *db = NULL;
    ferry_site *site;
    int rc = ferry_app_site(app, &site, err);
    if (!rc)
        rc = fdb_connect_site(db, site, rw_timeout, err);
    if (!rc && !allow_pending)
        rc = ferry_migrate_require(app->site, *db, err);
    if (!rc && !allow_pending)
        rc = ferry_schema_require(*db, err);
    if (rc) {
        fdb_close(*db);
        *db = NULL;
    }
    return rc;
}

int ferry_app_metrics(ferry_app *app, ferry_err *err)
{
    return app->metrics ? 0 : ferry_metrics_open(&app->metrics, err);
}
