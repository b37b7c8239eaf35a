/* log.c — logfmt to stderr, one write(2) per line. */
#include "log.h"

#include "log_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *level_name(int level)
{
    switch (level) {
    case FERRY_LOG_ERROR:
        return "error";
    case FERRY_LOG_WARN:
        return "warn";
    case FERRY_LOG_INFO:
        return "info";
    default:
        return "debug";
    }
}

void ferry_vlogf(const ferry_log *log, int level, const char *fields, const char *fmt, va_list ap)
{
    if (log && level > log->level)
        return;
    char msg[2048], line[4096];
    vsnprintf(msg, sizeof msg, fmt, ap);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    if (log && log->json) {
        char t[40];
        snprintf(t, sizeof t, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int)(tv.tv_usec / 1000));
        size_t jn =
            ferry_log_json_line(line, sizeof line, t, level_name(level), log->command, msg, fields);
        ssize_t jw = write(STDERR_FILENO, line, jn);
        (void)jw;
        return;
    }
    size_t n =
        (size_t)snprintf(line, sizeof line, "time=%04d-%02d-%02dT%02d:%02d:%02d.%03dZ level=%s",
                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                         tm.tm_sec, (int)(tv.tv_usec / 1000), level_name(level));
    if (log && log->command && n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, " cmd=%s", log->command);
    /* msg="…" with quotes, backslashes and control characters escaped. */
    if (n < sizeof line - 8) {
        memcpy(line + n, " msg=\"", 6);
        n += 6;
        for (const char *p = msg; *p && n < sizeof line - 8; p++) {
            unsigned char c = (unsigned char)*p;
            if (c == '"' || c == '\\') {
                line[n++] = '\\';
                line[n++] = (char)c;
            } else if (c == '\n') {
                line[n++] = '\\';
                line[n++] = 'n';
            } else if (c < 0x20) {
                line[n++] = ' ';
            } else {
                line[n++] = (char)c;
            }
        }
        line[n++] = '"';
    }
    if (fields && *fields && n < sizeof line - 2)
        n += (size_t)snprintf(line + n, sizeof line - n, " %s", fields);
    if (n > sizeof line - 2)
        n = sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}

void ferry_logf(const ferry_log *log, int level, const char *fields, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ferry_vlogf(log, level, fields, fmt, ap);
    va_end(ap);
}
