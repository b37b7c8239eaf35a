/* cmd_db.c — `ferry db`. Not yet written. */
#include <stdio.h>

#include "commands.h"

int ferry_cmd_db(ferry_app *app, int argc, char **argv)
{
    (void)app;
    (void)argc;
    fprintf(stderr, "ferry: %s is not implemented yet\n", argv[0]);
    return FERRY_EXIT_FAILED;
}
