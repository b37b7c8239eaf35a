/*
 * commands.h — the CLI's commands. Each lives in its own cmd_*.c, takes the
 * app and argv (argv[0] is the command name), returns an exit code.
 */
#ifndef FERRY_CORE_COMMANDS_H
#define FERRY_CORE_COMMANDS_H

#include "app.h"

int ferry_cmd_run(ferry_app *app, int argc, char **argv);       /* cmd_run.c */
int ferry_cmd_db(ferry_app *app, int argc, char **argv);        /* cmd_db.c */
int ferry_cmd_request(ferry_app *app, int argc, char **argv);   /* cmd_request.c */
int ferry_cmd_plugins(ferry_app *app, int argc, char **argv);   /* cmd_plugins.c */
int ferry_cmd_worker(ferry_app *app, int argc, char **argv);    /* cmd_worker.c */
int ferry_cmd_scheduler(ferry_app *app, int argc, char **argv); /* cmd_scheduler.c */
int ferry_cmd_schedule(ferry_app *app, int argc, char **argv);  /* cmd_scheduler.c */
int ferry_cmd_expire(ferry_app *app, int argc, char **argv);    /* cmd_expire.c */
int ferry_cmd_serve(ferry_app *app, int argc, char **argv);     /* cmd_serve.c */
int ferry_cmd_daemon(ferry_app *app, int argc, char **argv);    /* cmd_daemon.c */
int ferry_cmd_config(ferry_app *app, int argc, char **argv);    /* cmd_config.c */
int ferry_cmd_queue(ferry_app *app, int argc, char **argv);     /* cmd_queue.c */
int ferry_cmd_stats(ferry_app *app, int argc, char **argv);     /* cmd_stats.c */

#endif
