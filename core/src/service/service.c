/* service.c — the service layer's context (service.h). */
#include "service.h"

#include "migrate.h"
#include "schema_check.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void ferry_service_init(ferry_service *svc, ferry_site *site, const ferry_log *log,
                        atomic_int *stop)
{
    memset(svc, 0, sizeof *svc);
    svc->site = site;
    svc->log = log;
    svc->stop = stop;
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    snprintf(svc->user_agent, sizeof svc->user_agent, "ferry-%s/%s (%s)",
             log && log->command ? log->command : "cli", FERRY_VERSION, host);
}

int ferry_service_stopping(const ferry_service *svc)
{
    return svc->stop && atomic_load(svc->stop);
}

int ferry_service_connect(const ferry_service *svc, ferry_db **db, unsigned rw_timeout,
                          ferry_err *err)
{
    *db = NULL;
    int rc = fdb_connect_site(db, svc->site, rw_timeout, err);
    if (!rc && !(rc = ferry_migrate_require(svc->site, *db, err)))
        rc = ferry_schema_require(*db, err);
    if (rc) {
        fdb_close(*db);
        *db = NULL;
    }
    return rc;
}
