/* metrics_cli.c — starting a command's /metrics endpoint (metrics_cli.h). */
#include "metrics_cli.h"

#include <stdio.h>
#include <stdlib.h>

int ferry_app_metrics_listen(ferry_app *app, const char *flag, const char *key,
                             ferry_metrics_http **out, ferry_err *err)
{
    *out = NULL;
    ferry_site *site;
    int rc = ferry_app_site(app, &site, err);
    if (!rc)
        rc = ferry_app_metrics(app, err);
    if (rc)
        return rc;
    const char *listen = flag ? flag : ferry_site_string(site, key, NULL);
    if (!listen || !*listen || (!flag && getenv("FERRY_METRICS_FD")))
        return 0;
    return ferry_metrics_http_start(out, listen, app->metrics, site->database_url, &app->log, err);
}

int ferry_daemon_metrics_listen(ferry_app *app, const char *flag, ferry_metrics_http **out,
                                ferry_err *err)
{
    *out = NULL;
    ferry_site *site;
    int rc = ferry_app_site(app, &site, err);
    if (rc)
        return rc;
    const char *listen = flag ? flag : ferry_site_string(site, "daemon.metrics_listen", NULL);
    if (!listen || !*listen)
        return 0;
    int fd = -1;
    ferry_metrics *m = NULL;
    if ((rc = ferry_metrics_new_shared(&m, &fd, err)))
        return rc;
    ferry_metrics_free(app->metrics);
    app->metrics = m;
    char v[16];
    snprintf(v, sizeof v, "%d", fd);
    setenv("FERRY_METRICS_FD", v, 1);
    return ferry_metrics_http_start(out, listen, m, site->database_url, &app->log, err);
}
