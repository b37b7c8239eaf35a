/*
 * cron.c — parsing five-field cron patterns into bit sets, and finding fire
 * times: walk the matching local wall-clock minutes (jumping by field, not
 * minute by minute) and map each to an instant with the DST policy of
 * cron.h through tzif.h's resolver.
 */
#include "cron.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct field_def {
    const char *name;
    int lo, hi;
    const char *const *names; /* index 0 is value `names_base` */
    int names_base, nnames;
} field_def;

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const dow_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static const field_def fields[5] = {
    {"minute", 0, 59, NULL, 0, 0},          {"hour", 0, 23, NULL, 0, 0},
    {"day-of-month", 1, 31, NULL, 0, 0},    {"month", 1, 12, month_names, 1, 12},
    {"day-of-week", 0, 7, dow_names, 0, 7},
};

typedef struct parse_ctx {
    const char *pattern;
    ferry_err *err;
} parse_ctx;

static int fail(const parse_ctx *ctx, int field, size_t pos, const char *fmt, const char *a, int lo,
                int hi)
{
    char what[256];
    snprintf(what, sizeof what, fmt, a, lo, hi);
    return ferry_err_set(ctx->err, FERRY_ERR_CONFIG,
                         "cron pattern \"%s\": %s field at position %zu: %s", ctx->pattern,
                         fields[field].name, pos + 1, what);
}

/* A number or a name at s[*i] (within [0, end)). */
static int parse_value(const parse_ctx *ctx, int field, const char *s, size_t *i, size_t end,
                       int *out)
{
    const field_def *f = &fields[field];
    size_t start = *i;
    if (*i < end && isdigit((unsigned char)s[*i])) {
        long v = 0;
        while (*i < end && isdigit((unsigned char)s[*i])) {
            if (v < 100000)
                v = v * 10 + (s[*i] - '0');
            (*i)++;
        }
        if (v < f->lo || v > f->hi) {
            char num[32];
            snprintf(num, sizeof num, "%ld", v);
            return fail(ctx, field, start, "%s is out of range %d-%d", num, f->lo, f->hi);
        }
        *out = (int)v;
        return 0;
    }
    if (*i < end && isalpha((unsigned char)s[*i])) {
        size_t n = 0;
        while (*i + n < end && isalpha((unsigned char)s[*i + n]))
            n++;
        char word[16];
        snprintf(word, sizeof word, "%.*s", (int)(n < 15 ? n : 15), s + *i);
        for (int k = 0; f->names && k < f->nnames; k++) {
            if (n == 3 && strncasecmp(s + *i, f->names[k], 3) == 0) {
                *out = f->names_base + k;
                *i += n;
                return 0;
            }
        }
        return fail(ctx, field, start, f->names ? "unknown name \"%s\"" : "\"%s\" is not a number",
                    word, 0, 0);
    }
    char got[8];
    if (*i < end)
        snprintf(got, sizeof got, "'%c'", s[*i]);
    else
        snprintf(got, sizeof got, "end");
    return fail(ctx, field, start, "expected a number, got %s", got, 0, 0);
}

/* Parses one field s[begin, end) into *bits (values lo..hi as bit numbers). */
static int parse_field(const parse_ctx *ctx, int field, const char *s, size_t begin, size_t end,
                       uint64_t *bits)
{
    const field_def *f = &fields[field];
    *bits = 0;
    size_t i = begin;
    for (;;) {
        size_t item = i;
        int lo, hi, step = 1, rc;
        if (i < end && s[i] == '*') {
            lo = f->lo;
            hi = f->hi;
            i++;
        } else {
            if ((rc = parse_value(ctx, field, s, &i, end, &lo)))
                return rc;
            hi = lo;
            if (i < end && s[i] == '-') {
                i++;
                if ((rc = parse_value(ctx, field, s, &i, end, &hi)))
                    return rc;
                if (hi < lo) {
                    char r[32];
                    snprintf(r, sizeof r, "%d-%d", lo, hi);
                    return fail(ctx, field, item, "range %s runs backwards", r, 0, 0);
                }
            } else if (i < end && s[i] == '/') {
                hi = f->hi; /* "a/n": from a to the end */
            }
        }
        if (i < end && s[i] == '/') {
            size_t at = ++i;
            if (i >= end || !isdigit((unsigned char)s[i]))
                return fail(ctx, field, at, "expected a step number after '/'%s", "", 0, 0);
            long v = 0;
            while (i < end && isdigit((unsigned char)s[i])) {
                if (v < 100000)
                    v = v * 10 + (s[i] - '0');
                i++;
            }
            if (v < 1 || v > f->hi) {
                char num[32];
                snprintf(num, sizeof num, "%ld", v);
                return fail(ctx, field, at, "step %s is out of range %d-%d", num, 1, f->hi);
            }
            step = (int)v;
        }
        for (int v = lo; v <= hi; v += step)
            *bits |= (uint64_t)1 << v;
        if (i == end)
            return 0;
        if (s[i] != ',') {
            char c[8];
            snprintf(c, sizeof c, "'%c'", s[i]);
            return fail(ctx, field, i, "unexpected %s", c, 0, 0);
        }
        i++;
        if (i == end)
            return fail(ctx, field, i, "expected a value after ','%s", "", 0, 0);
    }
}

static const struct {
    const char *name, *pattern;
} macros[] = {{"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
              {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
              {"@hourly", "0 * * * *"}};

static int can_fire(const ferry_cron *c)
{
    if (!(c->flags & (FERRY_CRON_DOM_STAR | FERRY_CRON_DOW_STAR)))
        return 1; /* either day field may match: some weekday always does */
    static const int maxd[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; m++)
        for (int d = 1; d <= maxd[m]; d++)
            if ((c->month >> m & 1) && (c->dom >> d & 1))
                return 1;
    return 0;
}

int ferry_cron_parse(ferry_cron *out, const char *pattern, ferry_err *err)
{
    memset(out, 0, sizeof *out);
    parse_ctx ctx = {pattern ? pattern : "", err};
    const char *s = ctx.pattern;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '@') {
        size_t n = strcspn(s, " \t");
        for (size_t k = 0; k < sizeof macros / sizeof macros[0]; k++) {
            if (strlen(macros[k].name) == n && strncasecmp(s, macros[k].name, n) == 0 &&
                s[n + strspn(s + n, " \t")] == '\0')
                return ferry_cron_parse(out, macros[k].pattern, err);
        }
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "cron pattern \"%s\": unknown macro (use @yearly, @monthly, "
                             "@weekly, @daily or @hourly)",
                             ctx.pattern);
    }
    size_t begin[6], end[6];
    int n = 0;
    size_t i = (size_t)(s - ctx.pattern);
    const char *p = ctx.pattern;
    while (p[i]) {
        while (p[i] == ' ' || p[i] == '\t')
            i++;
        if (!p[i])
            break;
        if (n == 5) {
            n++;
            break;
        }
        begin[n] = i;
        while (p[i] && p[i] != ' ' && p[i] != '\t')
            i++;
        end[n++] = i;
    }
    if (n != 5)
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "cron pattern \"%s\": expected 5 fields (minute hour day-of-month "
                             "month day-of-week), got %s%d",
                             ctx.pattern, n > 5 ? "more than " : "", n > 5 ? 5 : n);
    uint64_t bits[5];
    for (int f = 0; f < 5; f++) {
        int rc = parse_field(&ctx, f, p, begin[f], end[f], &bits[f]);
        if (rc)
            return rc;
    }
    out->minute = bits[0];
    out->hour = (uint32_t)bits[1];
    out->dom = (uint32_t)bits[2];
    out->month = (uint16_t)bits[3];
    out->dow = (uint8_t)((bits[4] | bits[4] >> 7) & 0x7f); /* 7 is Sunday */
    if (p[begin[2]] == '*')
        out->flags |= FERRY_CRON_DOM_STAR;
    if (p[begin[4]] == '*')
        out->flags |= FERRY_CRON_DOW_STAR;
    if (p[begin[0]] != '*' && p[begin[1]] != '*')
        out->flags |= FERRY_CRON_FIXED;
    if (!can_fire(out))
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "cron pattern \"%s\": day-of-month field at position %zu: no such "
                             "day in the selected months, the pattern never fires",
                             ctx.pattern, begin[2] + 1);
    return 0;
}

static int day_matches(const ferry_cron *c, int64_t days, unsigned mday)
{
    int dom = (int)(c->dom >> mday & 1);
    int dow = c->dow >> ferry_weekday_from_days(days) & 1;
    if (c->flags & (FERRY_CRON_DOM_STAR | FERRY_CRON_DOW_STAR))
        return dom && dow;
    return dom || dow;
}

int ferry_cron_matches_local(const ferry_cron *c, int64_t local)
{
    int64_t days = ferry_floor_div(local, 86400), sod = local - days * 86400, y;
    unsigned m, d;
    ferry_civil_from_days(days, &y, &m, &d);
    return (c->month >> m & 1) && day_matches(c, days, d) && (c->hour >> (sod / 3600) & 1) &&
           (c->minute >> (sod / 60 % 60) & 1);
}

/* Lowest set bit >= from in bits, or -1. */
static int next_bit(uint64_t bits, int from, int max)
{
    for (int v = from; v <= max; v++)
        if (bits >> v & 1)
            return v;
    return -1;
}

/* The first matching local minute >= local, or -1 past `limit`. */
static int next_local(const ferry_cron *c, int64_t local, int64_t limit, int64_t *out)
{
    int64_t t = ferry_floor_div(local + 59, 60) * 60;
    while (t <= limit) {
        int64_t days = ferry_floor_div(t, 86400), sod = t - days * 86400, y;
        unsigned m, d;
        ferry_civil_from_days(days, &y, &m, &d);
        if (!(c->month >> m & 1)) {
            if (++m > 12) {
                m = 1;
                y++;
            }
            t = ferry_days_from_civil(y, m, 1) * 86400;
            continue;
        }
        if (!day_matches(c, days, d)) {
            t = (days + 1) * 86400;
            continue;
        }
        int hh = (int)(sod / 3600), mm = (int)(sod / 60 % 60);
        int h2 = next_bit(c->hour, hh, 23);
        if (h2 < 0) {
            t = (days + 1) * 86400;
            continue;
        }
        if (h2 != hh) {
            t = days * 86400 + h2 * 3600;
            continue;
        }
        int m2 = next_bit(c->minute, mm, 59);
        if (m2 < 0) {
            t = days * 86400 + (hh + 1) * 3600;
            continue;
        }
        *out = days * 86400 + hh * 3600 + m2 * 60;
        return 0;
    }
    return -1;
}

/* Feb 29 on a given weekday can be 40 years away (2100 is not leap). */
#define SEARCH_LIMIT ((int64_t)41 * 366 * 86400)

int ferry_cron_next_tz(const ferry_cron *c, const ferry_tz *tz, time_t after, time_t *next,
                       ferry_err *err)
{
    /* A local time L fires at or before L - (smallest offset around), so no
     * candidate below after + omin can fire after `after`. */
    int64_t a = (int64_t)after;
    int32_t omin = ferry_tz_offset(tz, a, NULL), o;
    if ((o = ferry_tz_offset(tz, a - 93600, NULL)) < omin)
        omin = o;
    if ((o = ferry_tz_offset(tz, a + 93600, NULL)) < omin)
        omin = o;
    int64_t local = a + omin + 1, limit = a + SEARCH_LIMIT, cand;
    for (;;) {
        if (next_local(c, local, limit, &cand))
            return ferry_err_set(err, FERRY_ERR_CONFIG,
                                 "cron pattern never fires in the next 40 years");
        int64_t t;
        int kind = ferry_tz_resolve(tz, cand, &t);
        if ((kind != FERRY_TZ_GAP || (c->flags & FERRY_CRON_FIXED)) && t > a) {
            *next = (time_t)t;
            return 0;
        }
        local = cand + 60;
    }
}

int ferry_cron_next(const ferry_cron *c, const char *tz, time_t after, time_t *next, ferry_err *err)
{
    ferry_tz *z = NULL;
    int rc = ferry_tz_load(&z, tz, err);
    if (rc == 0)
        rc = ferry_cron_next_tz(c, z, after, next, err);
    ferry_tz_free(z);
    return rc;
}

int ferry_cron_latest(const ferry_cron *c, const ferry_tz *tz, time_t from, time_t upto,
                      time_t *fire, ferry_err *err)
{
    /* Look back over growing windows so a minutely job walks an hour of
     * ticks, not the whole outage. */
    static const int64_t windows[] = {3600, 86400, 32 * 86400, 367 * 86400, 0};
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
        int64_t start = (int64_t)from - 1;
        if (windows[w] && (int64_t)upto - windows[w] > start)
            start = (int64_t)upto - windows[w];
        time_t t;
        int rc = ferry_cron_next_tz(c, tz, (time_t)start, &t, err);
        if (rc)
            return rc;
        if (t > upto) {
            if (start <= (int64_t)from - 1)
                break; /* the window already reached `from`: none */
            continue;
        }
        for (;;) {
            time_t n;
            if ((rc = ferry_cron_next_tz(c, tz, t, &n, err)))
                return rc;
            if (n > upto)
                break;
            t = n;
        }
        *fire = t;
        return 0;
    }
    return ferry_err_set(err, FERRY_ERR_NOTFOUND, "no fire time in the interval");
}
