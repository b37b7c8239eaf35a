/*
 * recurring_cli.h — the scheduler's pass over the seed's recurring
 * requests (recurring.h), in the site's zone (scheduler.timezone), counted
 * in the process's metrics.
 */
#ifndef FERRY_CORE_RECURRING_CLI_H
#define FERRY_CORE_RECURRING_CLI_H

#include <stdint.h>

#include "app.h"

int ferry_recurring_pass(ferry_app *app, ferry_db *db, const char *user_agent, int64_t now,
                         ferry_err *err);

#endif
