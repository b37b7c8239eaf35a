/* app.c — the state every command shares: site config, log, user agent. */
#include "app.h"

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
    (void)app;
    fprintf(stderr, "ferry: %s\n", err->msg[0] ? err->msg : "failed");
    return ferry_err_exit_code(err->code ? err->code : FERRY_ERR);
}

void ferry_app_user_agent(const ferry_app *app, char *buf, size_t len)
{
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    snprintf(buf, len, "ferry-%s/%s (%s)", app->log.command ? app->log.command : "cli",
             FERRY_VERSION, host);
}
