/*
 * admin_driver.c — runs ferry_request_admin as `ferry request` would
 * (admin_driver request VERB …), so the operator verbs are tested through
 * their real code before and independently of cmd_request.c's dispatch.
 */
#include <stdatomic.h>
#include <signal.h>
#include <string.h>

#include "app.h"
#include "cmd_request_admin.h"

int main(int argc, char **argv)
{
    static atomic_int stop;
    ferry_app app;
    memset(&app, 0, sizeof app);
    app.log.level = FERRY_LOG_INFO;
    app.log.command = "request";
    app.argv0 = argv[0];
    app.stop = &stop;
    int rc = ferry_request_admin(&app, argc - 1, argv + 1);
    ferry_site_free(app.site);
    return rc;
}
