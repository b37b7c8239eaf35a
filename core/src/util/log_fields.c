/* log_fields.c — a request's logfmt fields (log_fields.h). */
#include "log_fields.h"

#include <inttypes.h>
#include <stdio.h>

size_t ferry_log_value(char *buf, size_t len, const char *v)
{
    if (!len)
        return 0;
    const unsigned char *s = (const unsigned char *)(v && *v ? v : "-");
    int bare = 1;
    for (const unsigned char *p = s; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '"' || *p == '\\' || *p == '=')
            bare = 0;
    size_t o = 0;
    if (!bare && len < 3) { /* no room for both quotes: an opened one took the line */
        buf[0] = '\0';
        return 0;
    }
    if (!bare)
        buf[o++] = '"';
    for (const unsigned char *p = s; *p && o + 3 < len; p++) {
        if (bare) {
            buf[o++] = (char)*p;
        } else if (*p == '"' || *p == '\\' || *p == '\n') {
            buf[o++] = '\\';
            buf[o++] = *p == '\n' ? 'n' : (char)*p;
        } else {
            buf[o++] = *p < 0x20 || *p == 0x7f ? ' ' : (char)*p;
        }
    }
    if (!bare)
        buf[o++] = '"';
    buf[o] = '\0';
    return o;
}

void ferry_request_fields(char *buf, size_t len, const char *id, int64_t user_id,
                          const char *format, int attempt)
{
    char idv[96], fv[96];
    ferry_log_value(idv, sizeof idv, id);
    ferry_log_value(fv, sizeof fv, format);
    int n = snprintf(buf, len, "request_id=%s", idv);
    if (attempt > 0 && n > 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, " attempt=%d", attempt);
    if (n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " user_id=%" PRId64 " format=%s", user_id, fv);
}
