/*
 * log.h — logfmt lines on stderr: time=… level=… msg="…" key=value…
 * Or, with log->json, one JSON object a line (log_json.h).
 * Thread-safe (one write(2) per line). No global mutable state besides the
 * level chosen once at start-up, held in the caller's ferry_log.
 */
#ifndef FERRY_CORE_LOG_H
#define FERRY_CORE_LOG_H

#include "ferry/plugin.h"

typedef struct ferry_log {
    int level;           /* ferry_log_level: lines above it are dropped */
    const char *command; /* "worker", "run", … ; borrowed */
    int json;            /* 1: one JSON object a line (--log-format json) */
} ferry_log;

/* Logs msg (printf-style) with optional key=value pairs already in logfmt in
 * `fields` (may be NULL): e.g. "request_id=abc attempt=2". */
void ferry_logf(const ferry_log *log, int level, const char *fields, const char *fmt, ...)
    FERRY_PRINTF(4, 5);
void ferry_vlogf(const ferry_log *log, int level, const char *fields, const char *fmt, va_list ap);

#endif
