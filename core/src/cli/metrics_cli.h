/*
 * metrics_cli.h — `--metrics-listen ADDR` for the long-running commands
 * without an HTTP server of their own (worker, scheduler, daemon).
 */
#ifndef FERRY_CORE_METRICS_CLI_H
#define FERRY_CORE_METRICS_CLI_H

#include "app.h"
#include "metrics_http.h"

/* Starts the /metrics endpoint on `flag` (the option's value, may be NULL)
 * or else the setting `key` when set; *out stays NULL when neither is, or
 * when `ferry daemon` started this process (it serves our metrics). */
int ferry_app_metrics_listen(ferry_app *app, const char *flag, const char *key,
                             ferry_metrics_http **out, ferry_err *err);

/* `ferry daemon`: when `flag` or daemon.metrics_listen is set, makes
 * app->metrics a shared registry, names its descriptor in
 * $FERRY_METRICS_FD for the children to count into, and serves it. */
int ferry_daemon_metrics_listen(ferry_app *app, const char *flag, ferry_metrics_http **out,
                                ferry_err *err);

#endif
