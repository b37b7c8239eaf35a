/*
 * cmd_request_admin.h — the operator's verbs of `ferry request`: list, show,
 * cancel, retry, delete. (`ferry request run` is cmd_request.c's, which
 * dispatches every other verb here.) The semantics of each verb are listed
 * at the top of request_admin.c.
 */
#ifndef FERRY_CORE_REQUEST_ADMIN_H
#define FERRY_CORE_REQUEST_ADMIN_H

#include "app.h"

/*
 * `ferry request list [--status S] [--user ID] [--limit N] | show ID |
 * cancel ID | retry ID | delete ID`: argv[0] is "request", argv[1] the verb.
 * Prints to stdout, errors as one line on stderr; returns an exit code
 * (FERRY_EXIT_NOTFOUND for an unknown ID, FERRY_EXIT_FAILED when the
 * request's status does not allow the verb, FERRY_EXIT_USAGE for a bad
 * command line or an unknown verb).
 */
int ferry_request_admin(ferry_app *app, int argc, char **argv);

/* The 32 lower-case hex digits of a request ID given with or without
 * dashes, into out; -1 when `in` is not one. */
int ferry_request_norm_id(const char *in, char out[33]);

#endif
