/*
 * cmd_schedule_admin.h — the operator verbs of `ferry schedule` (list,
 * show, pause, resume, run-now) over export_schedules and recurring
 * requests; `ferry schedule next` stays in cmd_scheduler.c.
 */
#ifndef FERRY_CORE_CMD_SCHEDULE_ADMIN_H
#define FERRY_CORE_CMD_SCHEDULE_ADMIN_H

#include "app.h"

/* verb: list|show|pause|resume|run-now; id NULL for list. Exit code. */
int ferry_schedule_admin(ferry_app *app, const char *verb, const char *id, int json);

#endif
