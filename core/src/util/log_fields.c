/* log_fields.c — a request's logfmt fields (log_fields.h). */
#include "log_fields.h"

#include <inttypes.h>
#include <stdio.h>

void ferry_request_fields(char *buf, size_t len, const char *id, int64_t user_id,
                          const char *format, int attempt)
{
    int n = snprintf(buf, len, "request_id=%s", id ? id : "-");
    if (attempt > 0 && n > 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, " attempt=%d", attempt);
    if (n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " user_id=%" PRId64 " format=%s", user_id,
                 format && *format ? format : "-");
}
