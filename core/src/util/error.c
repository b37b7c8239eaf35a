/* error.c — ferry_err: set, prefix, map to exit codes. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ferry_err_set(ferry_err *e, int code, const char *fmt, ...)
{
    if (!e)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    /* One line: fold any newline a library put in its message. */
    for (char *p = e->msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    e->code = code;
    return code;
}

int ferry_err_prefix(ferry_err *e, const char *fmt, ...)
{
    if (!e)
        return FERRY_ERR;
    char prefix[512], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    snprintf(e->msg, sizeof e->msg, "%s: %s", prefix, old);
    return e->code;
}

void ferry_err_clear(ferry_err *e)
{
    if (e) {
        e->code = 0;
        e->msg[0] = '\0';
    }
}

int ferry_err_exit_code(int code)
{
    switch (code) {
    case FERRY_OK:
        return FERRY_EXIT_OK;
    case FERRY_ERR_CONFIG:
        return FERRY_EXIT_CONFIG;
    case FERRY_ERR_PLUGIN:
        return FERRY_EXIT_PLUGIN;
    case FERRY_ERR_DB:
    case FERRY_ERR_UNAVAILABLE:
        return FERRY_EXIT_DB;
    case FERRY_ERR_NOTFOUND:
        return FERRY_EXIT_NOTFOUND;
    case FERRY_ERR_DENIED:
        return FERRY_EXIT_DENIED;
    case FERRY_ERR_LIMIT:
        return FERRY_EXIT_LIMIT;
    case FERRY_ERR_USAGE:
        return FERRY_EXIT_USAGE;
    case FERRY_ERR_CANCEL:
        return FERRY_EXIT_INTERRUPTED;
    default:
        return FERRY_EXIT_FAILED;
    }
}
