/*
 * error.h — the core's error value: a code (ferry_error) and a one-line
 * message. Functions take a `ferry_err *` last and return 0 or the code.
 */
#ifndef FERRY_CORE_ERROR_H
#define FERRY_CORE_ERROR_H

#include "ferry/plugin.h"

typedef struct ferry_err {
    int code;       /* 0 or a negative ferry_error */
    char msg[1024]; /* one line, no trailing newline */
} ferry_err;

#define FERRY_ERR_INIT                                                                             \
    {                                                                                              \
        0,                                                                                         \
        {                                                                                          \
            0                                                                                      \
        }                                                                                          \
    }

/* Sets code and message (printf-style) unless `e` is NULL; returns `code`. */
int ferry_err_set(ferry_err *e, int code, const char *fmt, ...) FERRY_PRINTF(3, 4);
/* Prefixes the existing message: "prefix: old message". Returns e->code. */
int ferry_err_prefix(ferry_err *e, const char *fmt, ...) FERRY_PRINTF(2, 3);
void ferry_err_clear(ferry_err *e);

/* Process exit codes, documented in `ferry --help` and the README. */
enum {
    FERRY_EXIT_OK = 0,
    FERRY_EXIT_FAILED = 1,   /* the export or command failed */
    FERRY_EXIT_USAGE = 2,    /* bad command line */
    FERRY_EXIT_CONFIG = 3,   /* bad config, option, field or filter */
    FERRY_EXIT_PLUGIN = 4,   /* plugin missing, wrong ABI, unsafe permissions; a
                              * plugin that broke the contract (exit(), a value
                              * of the wrong type: engine/calls.h, run.c) */
    FERRY_EXIT_DB = 5,       /* database unreachable, failing or not migrated */
    FERRY_EXIT_NOTFOUND = 6, /* no such request, template or schedule */
    FERRY_EXIT_DENIED = 7,   /* not allowed (template access) */
    FERRY_EXIT_LIMIT = 8,    /* a configured limit (row cap) */
    FERRY_EXIT_INTERRUPTED = 130
};

/* The exit code for an error code. */
int ferry_err_exit_code(int code);

/* Extra codes the core uses beside ferry_error. */
#define FERRY_ERR_PLUGIN   (-20) /* loading a plugin failed */
#define FERRY_ERR_NOTFOUND (-21) /* no such row */
#define FERRY_ERR_USAGE    (-22) /* bad command line */
/* FERRY_ERR_UNAVAILABLE (-11, ferry/plugin.h, ABI 1.4) is the core's too:
 * the database could not be reached (refused, too many connections, lost)
 * before a request's export started; nothing was done, waiting can help. */

#endif
