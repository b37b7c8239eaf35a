/*
 * tzif.c — a small TZif (RFC 8536) reader: version 2+ 64-bit transition
 * data, local time types, and the footer's POSIX TZ string for instants past
 * the last transition (Debian's "slim"-ready). Leap-second records are
 * skipped (the "right/" zones are not meant for civil time).
 *
 * Chosen over setenv("TZ")+tzset()+localtime_r because those share one
 * process-wide zone: a thread resolving another schedule's zone would race.
 * A loaded ferry_tz is never modified, so threads share it freely.
 */
#include "tzif.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TZ_MAX_FILE (1 << 20)

typedef struct tz_type {
    int32_t off;
    uint8_t isdst;
    uint8_t abbr; /* index into chars */
} tz_type;

/* One POSIX rule date: Jn, n or Mm.w.d, and the local time of day. */
typedef struct tz_date {
    char kind; /* 'J', 'N', 'M' */
    int n, m, w, d;
    int32_t secs;
} tz_date;

typedef struct tz_posix {
    int present;
    int has_dst;
    int32_t std_off, dst_off; /* east of UTC */
    char std_abbr[32], dst_abbr[32];
    tz_date start, end;
} tz_posix;

struct ferry_tz {
    char *name;
    size_t ntrans, ntypes, nchars;
    int64_t *trans;
    uint8_t *idx;
    tz_type *types;
    char *chars;
    tz_posix rule;
};

int64_t ferry_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

int64_t ferry_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = ferry_floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void ferry_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = ferry_floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

unsigned ferry_weekday_from_days(int64_t days)
{
    int64_t w = (days + 4) % 7; /* 1970-01-01 was a Thursday */
    return (unsigned)(w < 0 ? w + 7 : w);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : md[m - 1];
}

/* ---- POSIX TZ strings ------------------------------------------------- */

static const char *parse_abbr(const char *p, char *out, size_t len)
{
    size_t n = 0;
    if (*p == '<') {
        p++;
        while (*p && *p != '>') {
            if (n + 1 < len)
                out[n++] = *p;
            p++;
        }
        if (*p != '>')
            return NULL;
        p++;
    } else {
        while (isalpha((unsigned char)*p)) {
            if (n + 1 < len)
                out[n++] = *p;
            p++;
        }
    }
    out[n] = '\0';
    return n >= 1 ? p : NULL;
}

/* [+-]h[hh][:mm[:ss]] into seconds; max_h bounds the hours. */
static const char *parse_hms(const char *p, int32_t *out, int max_h)
{
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!isdigit((unsigned char)*p))
        return NULL;
    long h = 0, mi = 0, s = 0;
    while (isdigit((unsigned char)*p) && h <= max_h)
        h = h * 10 + (*p++ - '0');
    if (h > max_h)
        return NULL;
    if (*p == ':') {
        p++;
        if (!isdigit((unsigned char)*p))
            return NULL;
        while (isdigit((unsigned char)*p) && mi < 60)
            mi = mi * 10 + (*p++ - '0');
        if (*p == ':') {
            p++;
            if (!isdigit((unsigned char)*p))
                return NULL;
            while (isdigit((unsigned char)*p) && s < 60)
                s = s * 10 + (*p++ - '0');
        }
    }
    if (mi > 59 || s > 59)
        return NULL;
    *out = (int32_t)(sign * (h * 3600 + mi * 60 + s));
    return p;
}

static const char *parse_num(const char *p, int *out, int lo, int hi)
{
    if (!isdigit((unsigned char)*p))
        return NULL;
    long v = 0;
    while (isdigit((unsigned char)*p) && v <= hi)
        v = v * 10 + (*p++ - '0');
    if (v < lo || v > hi)
        return NULL;
    *out = (int)v;
    return p;
}

static const char *parse_date(const char *p, tz_date *d)
{
    memset(d, 0, sizeof *d);
    if (*p == 'J') {
        d->kind = 'J';
        p = parse_num(p + 1, &d->n, 1, 365);
    } else if (*p == 'M') {
        d->kind = 'M';
        p = parse_num(p + 1, &d->m, 1, 12);
        if (!p || *p++ != '.')
            return NULL;
        p = parse_num(p, &d->w, 1, 5);
        if (!p || *p++ != '.')
            return NULL;
        p = parse_num(p, &d->d, 0, 6);
    } else {
        d->kind = 'N';
        p = parse_num(p, &d->n, 0, 365);
    }
    if (!p)
        return NULL;
    d->secs = 7200;
    if (*p == '/')
        p = parse_hms(p + 1, &d->secs, 167);
    return p;
}

static int parse_posix(const char *s, tz_posix *r)
{
    memset(r, 0, sizeof *r);
    const char *p = parse_abbr(s, r->std_abbr, sizeof r->std_abbr);
    int32_t off;
    if (!p || !(p = parse_hms(p, &off, 24)))
        return -1;
    r->std_off = -off;
    r->present = 1;
    if (!*p)
        return 0;
    if (!(p = parse_abbr(p, r->dst_abbr, sizeof r->dst_abbr)))
        return -1;
    r->has_dst = 1;
    r->dst_off = r->std_off + 3600;
    if (*p && *p != ',') {
        if (!(p = parse_hms(p, &off, 24)))
            return -1;
        r->dst_off = -off;
    }
    if (!*p) { /* no rule: the US rules POSIX implies */
        r->start = (tz_date){'M', 0, 3, 2, 0, 7200};
        r->end = (tz_date){'M', 0, 11, 1, 0, 7200};
        return 0;
    }
    if (*p++ != ',' || !(p = parse_date(p, &r->start)) || *p++ != ',' ||
        !(p = parse_date(p, &r->end)) || *p)
        return -1;
    return 0;
}

/* Seconds from local 00:00 of Jan 1 of year y to the rule date's moment. */
static int64_t rule_secs(const tz_date *d, int64_t y)
{
    int64_t day;
    if (d->kind == 'J') {
        day = d->n - 1 + (is_leap(y) && d->n >= 60);
    } else if (d->kind == 'N') {
        day = d->n;
    } else {
        int64_t first = ferry_days_from_civil(y, (unsigned)d->m, 1);
        unsigned wd = ferry_weekday_from_days(first);
        int64_t mday = ((unsigned)d->d + 7 - wd) % 7 + 1 + (int64_t)(d->w - 1) * 7;
        while (mday > month_days(y, (unsigned)d->m))
            mday -= 7;
        day = first + mday - 1 - ferry_days_from_civil(y, 1, 1);
    }
    return day * 86400 + d->secs;
}

static int posix_is_dst(const tz_posix *r, int64_t t)
{
    if (!r->has_dst)
        return 0;
    int64_t y, local = t + r->std_off;
    unsigned m, d;
    ferry_civil_from_days(ferry_floor_div(local, 86400), &y, &m, &d);
    int64_t y0 = ferry_days_from_civil(y, 1, 1) * 86400;
    int64_t start = y0 + rule_secs(&r->start, y) - r->std_off;
    int64_t end = y0 + rule_secs(&r->end, y) - r->dst_off;
    if (start < end)
        return t >= start && t < end;
    return !(t >= end && t < start);
}

/* ---- TZif ------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct tzif_counts {
    uint32_t isut, isstd, leap, time, type, chars;
} tzif_counts;

static int read_header(const unsigned char *p, size_t left, tzif_counts *c, int *version)
{
    if (left < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    *version = p[4] ? p[4] - '0' : 1;
    c->isut = be32(p + 20);
    c->isstd = be32(p + 24);
    c->leap = be32(p + 28);
    c->time = be32(p + 32);
    c->type = be32(p + 36);
    c->chars = be32(p + 40);
    if (c->type == 0 || c->type > 256 || c->chars > 65536 || c->time > 1000000 ||
        c->leap > 100000 || (c->isut && c->isut != c->type) || (c->isstd && c->isstd != c->type))
        return -1;
    return 0;
}

static size_t block_size(const tzif_counts *c, size_t tsize)
{
    return (size_t)c->time * tsize + c->time + (size_t)c->type * 6 + c->chars +
           (size_t)c->leap * (tsize + 4) + c->isstd + c->isut;
}

static int parse_tzif(ferry_tz *tz, const unsigned char *buf, size_t len, ferry_err *err)
{
    tzif_counts c;
    int version;
    if (read_header(buf, len, &c, &version))
        return ferry_err_set(err, FERRY_ERR_CONFIG, "time zone %s: not a TZif file", tz->name);
    size_t pos = 44, tsize = 4;
    if (version >= 2) {
        pos += block_size(&c, 4);
        if (pos > len || read_header(buf + pos, len - pos, &c, &version))
            return ferry_err_set(err, FERRY_ERR_CONFIG, "time zone %s: bad TZif v2 header",
                                 tz->name);
        pos += 44;
        tsize = 8;
    }
    if (block_size(&c, tsize) > len - pos)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "time zone %s: truncated TZif file", tz->name);
    const unsigned char *p = buf + pos;
    tz->ntrans = c.time;
    tz->ntypes = c.type;
    tz->nchars = c.chars;
    tz->trans = calloc(c.time + 1, sizeof *tz->trans);
    tz->idx = calloc(c.time + 1, 1);
    tz->types = calloc(c.type, sizeof *tz->types);
    tz->chars = calloc(c.chars + 1, 1);
    if (!tz->trans || !tz->idx || !tz->types || !tz->chars)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c.time; i++, p += tsize) {
        tz->trans[i] = tsize == 8 ? be64(p) : (int64_t)(int32_t)be32(p);
        if (i && tz->trans[i] <= tz->trans[i - 1])
            return ferry_err_set(err, FERRY_ERR_CONFIG, "time zone %s: transitions out of order",
                                 tz->name);
    }
    for (size_t i = 0; i < c.time; i++) {
        tz->idx[i] = *p++;
        if (tz->idx[i] >= c.type)
            return ferry_err_set(err, FERRY_ERR_CONFIG, "time zone %s: bad type index", tz->name);
    }
    for (size_t i = 0; i < c.type; i++, p += 6) {
        tz->types[i].off = (int32_t)be32(p);
        tz->types[i].isdst = p[4];
        tz->types[i].abbr = p[5];
        if (p[5] >= c.chars || tz->types[i].off < -26 * 3600 || tz->types[i].off > 26 * 3600)
            return ferry_err_set(err, FERRY_ERR_CONFIG, "time zone %s: bad local time type",
                                 tz->name);
    }
    memcpy(tz->chars, p, c.chars);
    p += block_size(&c, tsize) - ((size_t)c.time * tsize + c.time + (size_t)c.type * 6);
    /* Footer: "\n<POSIX TZ>\n" (version 2+). */
    size_t rest = (size_t)(buf + len - p);
    if (version >= 2 && rest >= 2 && p[0] == '\n') {
        const unsigned char *nl = memchr(p + 1, '\n', rest - 1);
        if (nl && nl > p + 1) {
            char footer[128];
            size_t n = (size_t)(nl - p - 1);
            if (n >= sizeof footer || memchr(p + 1, '\0', n))
                return ferry_err_set(err, FERRY_ERR_CONFIG, "time zone %s: bad TZ footer",
                                     tz->name);
            memcpy(footer, p + 1, n);
            footer[n] = '\0';
            if (parse_posix(footer, &tz->rule))
                return ferry_err_set(err, FERRY_ERR_CONFIG,
                                     "time zone %s: unsupported TZ rule \"%s\"", tz->name, footer);
        }
    }
    return 0;
}

static int valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 200 || name[0] == '/' || strstr(name, "..") || strstr(name, "//"))
        return 0;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_+-.", *p))
            return 0;
    return 1;
}

int ferry_tz_load_file(ferry_tz **out, const char *name, const char *path, ferry_err *err)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "unknown time zone \"%s\" (no %s)", name, path);
    if (!S_ISREG(st.st_mode) || st.st_size > TZ_MAX_FILE)
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "unknown time zone \"%s\" (%s is not a zone file)", name, path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "time zone \"%s\": cannot open %s: %s", name,
                             path, strerror(errno));
    unsigned char *buf = malloc((size_t)st.st_size + 1);
    size_t len = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    ferry_tz *tz = calloc(1, sizeof *tz);
    int rc;
    if (!buf || !tz || !(tz->name = strdup(name))) {
        rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    } else {
        rc = parse_tzif(tz, buf, len, err);
    }
    free(buf);
    if (rc) {
        ferry_tz_free(tz);
        return rc;
    }
    *out = tz;
    return 0;
}

int ferry_tz_load(ferry_tz **out, const char *name, ferry_err *err)
{
    *out = NULL;
    if (!name || !valid_name(name))
        return ferry_err_set(err, FERRY_ERR_CONFIG, "invalid time zone name \"%s\"",
                             name ? name : "");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", FERRY_ZONEINFO_DIR, name);
    return ferry_tz_load_file(out, name, path, err);
}

void ferry_tz_free(ferry_tz *tz)
{
    if (!tz)
        return;
    free(tz->name);
    free(tz->trans);
    free(tz->idx);
    free(tz->types);
    free(tz->chars);
    free(tz);
}

const char *ferry_tz_name(const ferry_tz *tz)
{
    return tz->name;
}

int32_t ferry_tz_offset(const ferry_tz *tz, int64_t t, const char **abbr)
{
    const tz_type *ty = NULL;
    if ((tz->ntrans == 0 || t >= tz->trans[tz->ntrans - 1]) && tz->rule.present) {
        int dst = posix_is_dst(&tz->rule, t);
        if (abbr)
            *abbr = dst ? tz->rule.dst_abbr : tz->rule.std_abbr;
        return dst ? tz->rule.dst_off : tz->rule.std_off;
    }
    if (tz->ntrans == 0 || t < tz->trans[0]) {
        ty = &tz->types[0];
    } else {
        size_t lo = 0, hi = tz->ntrans; /* trans[lo] <= t < trans[hi] */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (tz->trans[mid] <= t)
                lo = mid;
            else
                hi = mid;
        }
        ty = &tz->types[tz->idx[lo]];
    }
    if (abbr)
        *abbr = tz->chars + ty->abbr;
    return ty->off;
}

int ferry_tz_resolve(const ferry_tz *tz, int64_t local, int64_t *utc)
{
    /* The offsets in force a day either side cover every instant whose
     * wall clock can read `local` (offsets stay within ±26 h). */
    int32_t offs[3] = {ferry_tz_offset(tz, local - 93600, NULL), ferry_tz_offset(tz, local, NULL),
                       ferry_tz_offset(tz, local + 93600, NULL)};
    int64_t found[3];
    int n = 0;
    int32_t omin = offs[0], omax = offs[0];
    for (int i = 0; i < 3; i++) {
        omin = offs[i] < omin ? offs[i] : omin;
        omax = offs[i] > omax ? offs[i] : omax;
        int64_t t = local - offs[i];
        if (ferry_tz_offset(tz, t, NULL) != offs[i])
            continue;
        int seen = 0;
        for (int j = 0; j < n; j++)
            seen |= found[j] == t;
        if (!seen)
            found[n++] = t;
    }
    if (n) {
        int64_t best = found[0];
        for (int j = 1; j < n; j++)
            best = found[j] < best ? found[j] : best;
        *utc = best;
        return n > 1 ? FERRY_TZ_FOLD : FERRY_TZ_UNIQUE;
    }
    /* A gap: the first instant whose wall clock is past `local`. */
    int64_t lo = local - omax, hi = local - omin;
    if (hi <= lo) {
        *utc = local - offs[1];
        return FERRY_TZ_GAP;
    }
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (mid + ferry_tz_offset(tz, mid, NULL) > local)
            hi = mid;
        else
            lo = mid;
    }
    *utc = hi;
    return FERRY_TZ_GAP;
}

/* ---- text ------------------------------------------------------------- */

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int ferry_time_parse(const char *s, const ferry_tz *tz, int64_t *out, ferry_err *err)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
        goto bad;
    if (*p == ' ' || *p == 'T') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
            goto bad;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec))
                goto bad;
            if (*p == '.') {
                p++;
                if (!isdigit((unsigned char)*p))
                    goto bad;
                while (isdigit((unsigned char)*p))
                    p++;
            }
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > month_days(y, (unsigned)mo) || h > 23 ||
        mi > 59 || sec > 60)
        goto bad;
    int64_t local =
        ferry_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
    if (*p == 'Z' && p[1] == '\0') {
        *out = local;
        return 0;
    }
    if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
        if (digits(&p, 2, &oh))
            goto bad;
        if (*p == ':')
            p++;
        if (*p && digits(&p, 2, &om))
            goto bad;
        if (*p || oh > 26 || om > 59)
            goto bad;
        *out = local - sign * (oh * 3600 + om * 60);
        return 0;
    }
    if (*p)
        goto bad;
    if (!tz) {
        *out = local;
        return 0;
    }
    ferry_tz_resolve(tz, local, out);
    return 0;
bad:
    return ferry_err_set(err, FERRY_ERR_USAGE,
                         "bad time \"%s\": expected YYYY-MM-DD[ HH:MM[:SS]][Z|+HH:MM]", s);
}

void ferry_time_format(int64_t t, int32_t offset, char *buf, size_t len)
{
    int64_t local = t + offset, y;
    int64_t days = ferry_floor_div(local, 86400), sod = local - days * 86400;
    unsigned m, d;
    ferry_civil_from_days(days, &y, &m, &d);
    snprintf(buf, len, "%04lld-%02u-%02u %02d:%02d:%02d", (long long)y, m, d, (int)(sod / 3600),
             (int)(sod / 60 % 60), (int)(sod % 60));
}
