/*
 * log_fields.h — the logfmt fields every log line about an export request
 * carries, in one place so that every command writes them alike.
 */
#ifndef FERRY_CORE_LOG_FIELDS_H
#define FERRY_CORE_LOG_FIELDS_H

#include <stddef.h>
#include <stdint.h>

/* "request_id=ID attempt=A user_id=N format=F" (format "-" when unknown,
 * attempt left out when 0). */
void ferry_request_fields(char *buf, size_t len, const char *id, int64_t user_id,
                          const char *format, int attempt);

#endif
