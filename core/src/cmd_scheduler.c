/* cmd_scheduler.c — `ferry scheduler`. Not yet written. */
#include <stdio.h>

#include "commands.h"

int ferry_cmd_scheduler(ferry_app *app, int argc, char **argv)
{
    (void)app;
    (void)argc;
    fprintf(stderr, "ferry: %s is not implemented yet\n", argv[0]);
    return FERRY_EXIT_FAILED;
}

int ferry_cmd_schedule(ferry_app *app, int argc, char **argv)
{
    return ferry_cmd_scheduler(app, argc, argv);
}
