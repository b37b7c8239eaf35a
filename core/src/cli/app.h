/*
 * app.h — what every CLI command gets: the command line's global options,
 * the site config (loaded on first use) and the log.
 *
 * A command is `int ferry_cmd_NAME(ferry_app *app, int argc, char **argv)`
 * with argv[0] the command name; it returns a process exit code
 * (FERRY_EXIT_*), prints errors as one line on stderr, and never calls exit().
 */
#ifndef FERRY_CORE_APP_H
#define FERRY_CORE_APP_H

#include <stdatomic.h>
#include <signal.h>

#include "db.h"
#include "error.h"
#include "log.h"
#include "service.h"
#include "site.h"

typedef struct ferry_app {
    const char *config_path; /* --config, or NULL */
    ferry_site *site;        /* NULL until ferry_app_site */
    ferry_log log;
    int stdout_tty; /* stdout is a terminal: progress lines */
    const char *argv0;
    atomic_int *stop;       /* set by SIGINT/SIGTERM; owned by main */
    ferry_metrics *metrics; /* made by ferry_app_service; owned, freed by main */
} ferry_app;

/* Loads the site config once; prints nothing. */
int ferry_app_site(ferry_app *app, ferry_site **out, ferry_err *err);

/* The site's database URL, or FERRY_ERR_CONFIG saying none is set. */
int ferry_app_database_url(ferry_app *app, const char **url, ferry_err *err);

/* Connects to ferry's own database (rw_timeout seconds, 0: default) and,
 * unless `allow_pending`, refuses a database with pending migrations
 * (ferry_migrate_require) or a schema ferry's statements cannot use
 * (ferry_schema_require). *db owned by the caller: fdb_close. */
int ferry_app_connect(ferry_app *app, ferry_db **db, unsigned rw_timeout, int allow_pending,
                      ferry_err *err);

/* Loads the site config and fills *svc for the service layer (app's log
 * and stop flag, borrowed). */
int ferry_app_service(ferry_app *app, ferry_service *svc, ferry_err *err);

/* Makes app->metrics (shared with `ferry daemon` when it started us) once. */
int ferry_app_metrics(ferry_app *app, ferry_err *err);

/* Prints "ferry: <msg>" on stderr and returns the exit code for err. */
int ferry_app_fail(ferry_app *app, const ferry_err *err);

/* The user agent for ferry's own audit rows: "ferry-<command>/<version> (<host>)". */
void ferry_app_user_agent(const ferry_app *app, char *buf, size_t len);

#endif
