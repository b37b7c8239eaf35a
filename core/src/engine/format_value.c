/* format_value.c — rendering a value as text by its field style. */
#include "format_value.h"

#include "buf.h"

#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tzif.h"

/* Durations default to h:mm:ss (with microseconds when present): lossless. */
static const ferry_field_style default_style = {"%Y-%m-%d",           NULL, "UTC", "", -1,
                                                FERRY_DURATION_HMMSS, 0,    0};

const ferry_field_style *ferry_default_style(void)
{
    return &default_style;
}

/* NULL, "", "UTC" or "Etc/UTC". Runs per timestamp: a strcmp call only
 * for names starting "Et", not for every Europe/... */
static int is_utc(const char *tz)
{
    if (!tz || !*tz)
        return 1;
    if (tz[0] == 'U')
        return tz[1] == 'T' && tz[2] == 'C' && !tz[3];
    return tz[0] == 'E' && tz[1] == 't' && strcmp(tz, "Etc/UTC") == 0;
}

int ferry_zone_offset(ferry_tz_cache *zones, const char *tz, int64_t utc, int *offset, char *abbr,
                      size_t abbr_len)
{
    if (is_utc(tz)) {
        *offset = 0;
        if (abbr && abbr_len) {
            size_t k = abbr_len > 3 ? 3 : abbr_len - 1;
            memcpy(abbr, "UTC", k);
            abbr[k] = '\0';
        }
        return 0;
    }
    return ferry_tz_cache_offset(zones, tz, utc, offset, abbr, abbr_len);
}

static int put(ferry_buf *b, const char *s, size_t n)
{
    return ferry_buf_append(b, s, n);
}

/* Decimal digits of `u`, right-aligned ending at `end`; returns the start. */
static char *digits(char *end, uint64_t u)
{
    do {
        *--end = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    return end;
}

/* An integer without printf: the hot path of every export. */
static int put_i64(ferry_buf *b, int64_t i)
{
    char tmp[24];
    uint64_t u = i < 0 ? (uint64_t)(-(i + 1)) + 1 : (uint64_t)i;
    char *p = digits(tmp + sizeof tmp, u);
    if (i < 0)
        *--p = '-';
    return put(b, p, (size_t)(tmp + sizeof tmp - p));
}

/* `v` (0..99) as two digits at `p`. */
static char *two(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* YYYY-MM-DD at `p` for a year of 0..9999; returns the end. */
static char *ymd(char *p, int y, unsigned m, unsigned d)
{
    p = two(p, (unsigned)y / 100);
    p = two(p, (unsigned)y % 100);
    *p++ = '-';
    p = two(p, m);
    *p++ = '-';
    return two(p, d);
}

static int putf(ferry_buf *b, const char *fmt, ...) FERRY_PRINTF(2, 3);
static int putf(ferry_buf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return FERRY_ERR;
    return put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static int put_double(ferry_buf *b, double x, int decimals)
{
    if (!isfinite(x))
        return put(b, isnan(x) ? "NaN" : (x > 0 ? "Infinity" : "-Infinity"),
                   isnan(x) ? 3 : (x > 0 ? 8 : 9));
    if (decimals >= 0)
        return putf(b, "%.*f", decimals, x);
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.15g", x);
    if (strtod(tmp, NULL) != x)
        snprintf(tmp, sizeof tmp, "%.17g", x);
    return put(b, tmp, strlen(tmp));
}

/*
 * strftime, with two changes that keep values exact: %Y is always at least
 * four digits ("0099", where glibc writes "99"), and %S is followed by
 * ".ffffff" when `frac` (microseconds) is not zero. The expanded format is
 * built in `fx` first, so strftime never sees either directive.
 */
static int put_tm(ferry_buf *b, const char *fmt, struct tm *tm, int64_t frac)
{
    char fx[256], tmp[512];
    size_t k = 0;
    for (const char *p = fmt; *p; p++) {
        if (k + 16 >= sizeof fx)
            return FERRY_ERR_DATA;
        if (p[0] == '%' && p[1] == 'Y') {
            k += (size_t)snprintf(fx + k, sizeof fx - k, "%04d", tm->tm_year + 1900);
            p++;
        } else if (p[0] == '%' && p[1] == 'S') {
            k += (size_t)snprintf(fx + k, sizeof fx - k, "%%S");
            if (frac)
                k += (size_t)snprintf(fx + k, sizeof fx - k, ".%06d", (int)frac);
            p++;
        } else if (p[0] == '%' && p[1]) {
            fx[k++] = *p++;
            fx[k++] = *p;
        } else {
            fx[k++] = *p;
        }
    }
    fx[k] = '\0';
    size_t n = strftime(tmp, sizeof tmp, fx, tm);
    if (n == 0 && *fx)
        return FERRY_ERR_DATA;
    return put(b, tmp, n);
}

/* The default ISO 8601 rendering, without gmtime or printf, for years
 * 0..9999 (the rest take the general path); returns 1 when it did not. */
static int put_iso(ferry_buf *b, int64_t local, int64_t frac, int off, int *rc)
{
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t sod = local - days * 86400, y;
    unsigned m, d;
    ferry_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return 1;
    char t[40], *p = ymd(t, (int)y, m, d);
    *p++ = 'T';
    p = two(p, (unsigned)(sod / 3600));
    *p++ = ':';
    p = two(p, (unsigned)(sod / 60 % 60));
    *p++ = ':';
    p = two(p, (unsigned)(sod % 60));
    if (frac) {
        *p++ = '.';
        for (int k = 5; k >= 0; k--, frac /= 10)
            p[k] = (char)('0' + frac % 10);
        p += 6;
    }
    unsigned a = (unsigned)(off < 0 ? -off : off);
    *p++ = off < 0 ? '-' : '+';
    p = two(p, a / 3600 % 100);
    *p++ = ':';
    p = two(p, a / 60 % 60);
    *rc = put(b, t, (size_t)(p - t));
    return 0;
}

static int put_timestamp(ferry_buf *b, ferry_tz_cache *zones, const ferry_field_style *st,
                         int64_t us)
{
    int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    int64_t frac = us - secs * 1000000;
    int off = 0;
    char abbr[16] = "UTC";
    if (ferry_zone_offset(zones, st->timezone, secs, &off, st->timestamp_format ? abbr : NULL,
                          sizeof abbr))
        return FERRY_ERR_CONFIG;
    int rc = 0;
    if (!st->timestamp_format && !put_iso(b, secs + off, frac, off, &rc))
        return rc;
    time_t local = (time_t)(secs + off);
    struct tm tm;
    gmtime_r(&local, &tm);
    tm.tm_gmtoff = off;
    tm.tm_zone = abbr;
    if (st->timestamp_format)
        return put_tm(b, st->timestamp_format, &tm, frac);
    /* ISO 8601 with the offset as +HH:MM, microseconds when present. */
    rc = putf(b, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
              tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (!rc && frac)
        rc = putf(b, ".%06" PRId64, frac);
    if (!rc) {
        int a = off < 0 ? -off : off;
        rc = putf(b, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, (a / 60) % 60);
    }
    return rc;
}

static int put_duration(ferry_buf *b, const ferry_field_style *st, int64_t us)
{
    const char *sign = us < 0 ? "-" : "";
    uint64_t a = us < 0 ? (uint64_t)(-(us + 1)) + 1 : (uint64_t)us;
    uint64_t secs = a / 1000000;
    switch (st->duration_style) {
    case FERRY_DURATION_HOURS:
        return put_double(b, (double)us / 3600e6, st->decimals >= 0 ? st->decimals : 2);
    case FERRY_DURATION_SECONDS:
        if (a % 1000000 == 0)
            return putf(b, "%s%" PRIu64, sign, secs);
        return put_double(b, (double)us / 1e6, st->decimals);
    case FERRY_DURATION_HMMSS:
        if (a % 1000000)
            return putf(b, "%s%" PRIu64 ":%02u:%02u.%06u", sign, secs / 3600,
                        (unsigned)((secs / 60) % 60), (unsigned)(secs % 60),
                        (unsigned)(a % 1000000));
        return putf(b, "%s%" PRIu64 ":%02u:%02u", sign, secs / 3600, (unsigned)((secs / 60) % 60),
                    (unsigned)(secs % 60));
    default:
        /* h:mm, minutes rounded half up */
        secs = (a + 30000000) / 60000000 * 60;
        return putf(b, "%s%" PRIu64 ":%02u", sign, secs / 3600, (unsigned)((secs / 60) % 60));
    }
}

int ferry_format_value(ferry_tz_cache *zones, const ferry_column *col, const ferry_value *v,
                       ferry_buf *buf)
{
    const ferry_field_style *st = col && col->style ? col->style : &default_style;
    switch (v->type) {
    case FERRY_TYPE_NULL:
        return put(buf, st->null_text ? st->null_text : "",
                   st->null_text ? strlen(st->null_text) : 0);
    case FERRY_TYPE_BOOL:
        return v->u.i64 ? put(buf, "true", 4) : put(buf, "false", 5);
    case FERRY_TYPE_INT64:
        return put_i64(buf, v->u.i64);
    case FERRY_TYPE_DOUBLE:
        return put_double(buf, v->u.f64, st->decimals);
    case FERRY_TYPE_DECIMAL:
    case FERRY_TYPE_STRING:
        return put(buf, v->u.str, v->len);
    case FERRY_TYPE_DATE: {
        int64_t yy;
        unsigned um, ud;
        ferry_civil_from_days(v->u.i64, &yy, &um, &ud);
        int y = (int)yy, m = (int)um, d = (int)ud;
        if (!st->date_format || strcmp(st->date_format, "%Y-%m-%d") == 0) {
            char t[12];
            if (y >= 0 && y <= 9999)
                return put(buf, t, (size_t)(ymd(t, y, um, ud) - t));
            return putf(buf, "%04d-%02d-%02d", y, m, d);
        }
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        tm.tm_year = y - 1900;
        tm.tm_mon = m - 1;
        tm.tm_mday = d;
        tm.tm_wday = (int)(((v->u.i64 % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
        return put_tm(buf, st->date_format, &tm, 0);
    }
    case FERRY_TYPE_TIMESTAMP:
        return put_timestamp(buf, zones, st, v->u.i64);
    case FERRY_TYPE_DURATION:
        return put_duration(buf, st, v->u.i64);
    default:
        return FERRY_ERR_DATA;
    }
}
