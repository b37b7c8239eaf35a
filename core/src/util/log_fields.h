/*
 * log_fields.h — the logfmt fields every log line about an export request
 * carries, in one place so that every command writes them alike.
 */
#ifndef FERRY_CORE_LOG_FIELDS_H
#define FERRY_CORE_LOG_FIELDS_H

#include <stddef.h>
#include <stdint.h>

/* Writes `v` as a logfmt value into buf: bare when it is printable and has
 * no space, quote, backslash or '=', else quoted with \" \\ and \n
 * escaped and other control characters as spaces ("-" for NULL or "").
 * Values from the database (a request's format) cannot add keys or lines.
 * Returns the length written. */
size_t ferry_log_value(char *buf, size_t len, const char *v);

/* "request_id=ID attempt=A user_id=N format=F" (format "-" when unknown,
 * attempt left out when 0), each value through ferry_log_value. */
void ferry_request_fields(char *buf, size_t len, const char *id, int64_t user_id,
                          const char *format, int attempt);

#endif
