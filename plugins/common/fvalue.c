/* fvalue.c — text <-> typed values, comparison and coercion (fvalue.h). */
#include "fvalue.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_SEC)

int fv_type_from_name(const char *name, size_t len)
{
    static const struct {
        const char *name;
        int type;
    } names[] = {{"bool", FERRY_TYPE_BOOL},           {"int64", FERRY_TYPE_INT64},
                 {"int", FERRY_TYPE_INT64},           {"double", FERRY_TYPE_DOUBLE},
                 {"decimal", FERRY_TYPE_DECIMAL},     {"string", FERRY_TYPE_STRING},
                 {"text", FERRY_TYPE_STRING},         {"date", FERRY_TYPE_DATE},
                 {"timestamp", FERRY_TYPE_TIMESTAMP}, {"duration", FERRY_TYPE_DURATION}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == len && strncasecmp(names[i].name, name, len) == 0)
            return names[i].type;
    return -1;
}

int64_t fv_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void fv_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Reads exactly `n` digits at s[*i]. */
static int digits(const char *s, size_t len, size_t *i, int n, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < n; k++) {
        if (*i >= len || !isdigit((unsigned char)s[*i]))
            return -1;
        v = v * 10 + (unsigned)(s[(*i)++] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int64_t y, unsigned m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : dm[m - 1];
}

/* YYYY-MM-DD at s[*i]. */
static int parse_ymd(const char *s, size_t len, size_t *i, int64_t *days)
{
    unsigned y, m, d;
    if (digits(s, len, i, 4, &y) || *i >= len || s[(*i)++] != '-' || digits(s, len, i, 2, &m) ||
        *i >= len || s[(*i)++] != '-' || digits(s, len, i, 2, &d))
        return -1;
    if (m < 1 || m > 12 || d < 1 || (int)d > days_in_month(y, m))
        return -1;
    *days = fv_days_from_civil(y, m, d);
    return 0;
}

/* Optional fraction ".ffffff" (1 to 6 digits) as microseconds. */
static int parse_fraction(const char *s, size_t len, size_t *i, int64_t *us)
{
    *us = 0;
    if (*i >= len || s[*i] != '.')
        return 0;
    (*i)++;
    int n = 0;
    int64_t v = 0;
    while (*i < len && isdigit((unsigned char)s[*i])) {
        if (n == 6)
            return -1;
        v = v * 10 + (s[(*i)++] - '0');
        n++;
    }
    if (n == 0)
        return -1;
    while (n++ < 6)
        v *= 10;
    *us = v;
    return 0;
}

static int parse_timestamp(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int64_t days;
    if (parse_ymd(s, len, &i, &days))
        return -1;
    int64_t us = days * US_PER_DAY;
    if (i == len) {
        *out = us;
        return 0;
    }
    if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
        return -1;
    i++;
    unsigned hh, mm, ss = 0;
    int64_t frac = 0;
    if (digits(s, len, &i, 2, &hh) || i >= len || s[i++] != ':' || digits(s, len, &i, 2, &mm))
        return -1;
    if (i < len && s[i] == ':') {
        i++;
        if (digits(s, len, &i, 2, &ss) || parse_fraction(s, len, &i, &frac))
            return -1;
    }
    if (hh > 23 || mm > 59 || ss > 59) /* no leap second: a timestamp cannot hold one */
        return -1;
    us += ((int64_t)hh * 3600 + mm * 60 + ss) * US_PER_SEC + frac;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int sign = s[i++] == '-' ? -1 : 1;
        unsigned oh, om = 0;
        if (digits(s, len, &i, 2, &oh))
            return -1;
        if (i < len && s[i] == ':')
            i++;
        if (i < len && digits(s, len, &i, 2, &om))
            return -1;
        if (oh > 23 || om > 59)
            return -1;
        us -= sign * ((int64_t)oh * 3600 + om * 60) * US_PER_SEC;
    }
    if (i != len)
        return -1;
    *out = us;
    return 0;
}

static int parse_duration(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i >= len || !isdigit((unsigned char)s[i]))
        return -1;
    int64_t whole = 0;
    while (i < len && isdigit((unsigned char)s[i])) {
        if (whole > (INT64_MAX / US_PER_SEC) / 10)
            return -1;
        whole = whole * 10 + (s[i++] - '0');
    }
    int64_t us, frac;
    if (i < len && s[i] == ':') { /* h:mm[:ss[.f]] */
        unsigned mm, ss = 0;
        i++;
        if (digits(s, len, &i, 2, &mm) || mm > 59)
            return -1;
        frac = 0;
        if (i < len && s[i] == ':') {
            i++;
            if (digits(s, len, &i, 2, &ss) || ss > 59 || parse_fraction(s, len, &i, &frac))
                return -1;
        }
        if (whole > INT64_MAX / (3600 * US_PER_SEC) - 1)
            return -1;
        us = (whole * 3600 + mm * 60 + ss) * US_PER_SEC + frac;
    } else { /* seconds[.f] */
        if (parse_fraction(s, len, &i, &frac))
            return -1;
        us = whole * US_PER_SEC + frac;
    }
    if (i != len)
        return -1;
    *out = neg ? -us : us;
    return 0;
}

static int parse_decimal(const char *s, size_t len)
{
    size_t i = 0, nd = 0;
    if (i < len && s[i] == '-')
        i++;
    while (i < len && isdigit((unsigned char)s[i]))
        i++, nd++;
    if (i < len && s[i] == '.') {
        i++;
        size_t nf = 0;
        while (i < len && isdigit((unsigned char)s[i]))
            i++, nf++;
        if (nf == 0)
            return -1;
        nd += nf;
    }
    return (nd > 0 && i == len) ? 0 : -1;
}

int fv_parse(int type, const char *s, size_t len, ferry_value *out, const char **why)
{
    char tmp[64];
    if (len > UINT32_MAX - 1) { /* a value's len is 32 bits; a batch adds a NUL */
        *why = "longer than a value can hold (4 GiB - 2 bytes)";
        return -1;
    }
    switch (type) {
    case FERRY_TYPE_STRING:
        ferry_value_set_ref(out, FERRY_TYPE_STRING, s, (uint32_t)len);
        return 0;
    case FERRY_TYPE_DECIMAL:
        if (parse_decimal(s, len)) {
            *why = "not a decimal (-123.45)";
            return -1;
        }
        ferry_value_set_ref(out, FERRY_TYPE_DECIMAL, s, (uint32_t)len);
        return 0;
    case FERRY_TYPE_BOOL: {
        static const char *const t[] = {"true", "yes", "1"}, *const f[] = {"false", "no", "0"};
        for (int k = 0; k < 3; k++) {
            if (len == strlen(t[k]) && strncasecmp(s, t[k], len) == 0) {
                ferry_value_set_i64(out, FERRY_TYPE_BOOL, 1);
                return 0;
            }
            if (len == strlen(f[k]) && strncasecmp(s, f[k], len) == 0) {
                ferry_value_set_i64(out, FERRY_TYPE_BOOL, 0);
                return 0;
            }
        }
        *why = "not a bool (true or false)";
        return -1;
    }
    case FERRY_TYPE_INT64:
    case FERRY_TYPE_DOUBLE: {
        if (len == 0 || len >= sizeof tmp || isspace((unsigned char)s[0])) {
            *why = type == FERRY_TYPE_INT64 ? "not an integer" : "not a number";
            return -1;
        }
        memcpy(tmp, s, len);
        tmp[len] = '\0';
        char *end;
        errno = 0;
        if (type == FERRY_TYPE_INT64) {
            long long v = strtoll(tmp, &end, 10);
            if (end != tmp + len || errno) { /* a NUL inside ends strtoll early */
                *why = errno ? "integer out of range" : "not an integer";
                return -1;
            }
            ferry_value_set_i64(out, FERRY_TYPE_INT64, v);
        } else {
            double v = strtod(tmp, &end);
            if (end != tmp + len || !isfinite(v)) {
                *why = "not a finite number";
                return -1;
            }
            if (v == 0 && errno == ERANGE) { /* 1e-400: no zero, but below every double */
                *why = "a number too small for a double (it would be 0)";
                return -1;
            }
            ferry_value_set_f64(out, v);
        }
        return 0;
    }
    case FERRY_TYPE_DATE: {
        size_t i = 0;
        int64_t d;
        if (parse_ymd(s, len, &i, &d) || i != len) {
            *why = "not a date (YYYY-MM-DD)";
            return -1;
        }
        ferry_value_set_i64(out, FERRY_TYPE_DATE, d);
        return 0;
    }
    case FERRY_TYPE_TIMESTAMP: {
        int64_t t;
        if (parse_timestamp(s, len, &t)) {
            *why = "not a timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM])";
            return -1;
        }
        ferry_value_set_i64(out, FERRY_TYPE_TIMESTAMP, t);
        return 0;
    }
    case FERRY_TYPE_DURATION: {
        int64_t d;
        if (parse_duration(s, len, &d)) {
            *why = "not a duration (seconds, h:mm or h:mm:ss)";
            return -1;
        }
        ferry_value_set_i64(out, FERRY_TYPE_DURATION, d);
        return 0;
    }
    default:
        *why = "unknown type";
        return -1;
    }
}

int fv_coerce(int type, const ferry_value *in, ferry_value *out, const char **why)
{
    if (in->type == type) {
        *out = *in;
        return 0;
    }
    switch (in->type) {
    case FERRY_TYPE_STRING:
    case FERRY_TYPE_DECIMAL:
        return fv_parse(type, in->u.str, in->len, out, why);
    case FERRY_TYPE_INT64:
        if (type == FERRY_TYPE_DOUBLE) {
            ferry_value_set_f64(out, (double)in->u.i64);
            return 0;
        }
        if (type == FERRY_TYPE_DURATION) {
            if (in->u.i64 > INT64_MAX / US_PER_SEC || in->u.i64 < INT64_MIN / US_PER_SEC) {
                *why = "duration out of range";
                return -1;
            }
            ferry_value_set_i64(out, FERRY_TYPE_DURATION, in->u.i64 * US_PER_SEC);
            return 0;
        }
        if (type == FERRY_TYPE_BOOL && (in->u.i64 == 0 || in->u.i64 == 1)) {
            ferry_value_set_i64(out, FERRY_TYPE_BOOL, in->u.i64);
            return 0;
        }
        break;
    case FERRY_TYPE_DOUBLE:
        /* Only a double within int64's range may be cast (beyond it the
         * cast is undefined); NaN fails both comparisons. */
        if (type == FERRY_TYPE_INT64 && in->u.f64 >= -9223372036854775808.0 &&
            in->u.f64 < 9223372036854775808.0 && in->u.f64 == (double)(int64_t)in->u.f64) {
            ferry_value_set_i64(out, FERRY_TYPE_INT64, (int64_t)in->u.f64);
            return 0;
        }
        if (type == FERRY_TYPE_DURATION && isfinite(in->u.f64) && fabs(in->u.f64) < 9e12) {
            ferry_value_set_i64(out, FERRY_TYPE_DURATION, (int64_t)llround(in->u.f64 * 1e6));
            return 0;
        }
        break;
    case FERRY_TYPE_BOOL:
        if (type == FERRY_TYPE_INT64) {
            ferry_value_set_i64(out, FERRY_TYPE_INT64, in->u.i64);
            return 0;
        }
        break;
    default:
        break;
    }
    *why = "a value of the wrong type for the column";
    return -1;
}

/* Compares two exact decimals given as text. */
static int decimal_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    int an = al > 0 && a[0] == '-', bn = bl > 0 && b[0] == '-';
    if (an)
        a++, al--;
    if (bn)
        b++, bl--;
    /* integer parts without leading zeros, fractions without trailing zeros */
    size_t ai = 0, bi = 0;
    while (ai < al && a[ai] != '.')
        ai++;
    while (bi < bl && b[bi] != '.')
        bi++;
    const char *ap = a, *bp = b;
    size_t aint = ai, bint = bi;
    while (aint > 0 && *ap == '0')
        ap++, aint--;
    while (bint > 0 && *bp == '0')
        bp++, bint--;
    const char *af = ai < al ? a + ai + 1 : "", *bf = bi < bl ? b + bi + 1 : "";
    size_t afl = ai < al ? al - ai - 1 : 0, bfl = bi < bl ? bl - bi - 1 : 0;
    while (afl > 0 && af[afl - 1] == '0')
        afl--;
    while (bfl > 0 && bf[bfl - 1] == '0')
        bfl--;
    int azero = aint == 0 && afl == 0, bzero = bint == 0 && bfl == 0;
    if (azero)
        an = 0;
    if (bzero)
        bn = 0;
    if (an != bn)
        return an ? -1 : 1;
    int mag;
    if (aint != bint) {
        mag = aint < bint ? -1 : 1;
    } else {
        mag = memcmp(ap, bp, aint);
        if (mag == 0) {
            size_t n = afl < bfl ? afl : bfl;
            mag = memcmp(af, bf, n);
            if (mag == 0)
                mag = afl < bfl ? -1 : afl > bfl ? 1 : 0;
        }
        mag = mag < 0 ? -1 : mag > 0 ? 1 : 0;
    }
    return an ? -mag : mag;
}

/* An INT64 and a DECIMAL (either way round), as exact decimals. */
static int int_decimal_cmp(const ferry_value *a, const ferry_value *b)
{
    const ferry_value *i = a->type == FERRY_TYPE_INT64 ? a : b, *d = i == a ? b : a;
    char t[21];
    size_t n = i->u.i64 < 0;
    t[0] = '-';
    n += fv_u64_text(t + n, i->u.i64 < 0 ? (uint64_t)(-(i->u.i64 + 1)) + 1 : (uint64_t)i->u.i64);
    int c = decimal_cmp(t, n, d->u.str, d->len);
    return i == a ? c : -c;
}

int fv_compare(const ferry_value *a, const ferry_value *b)
{
    if (a->type != b->type && (a->type == FERRY_TYPE_INT64 || b->type == FERRY_TYPE_INT64) &&
        (a->type == FERRY_TYPE_DECIMAL || b->type == FERRY_TYPE_DECIMAL))
        return int_decimal_cmp(a, b);
    switch (a->type) {
    case FERRY_TYPE_DOUBLE:
        return a->u.f64 < b->u.f64 ? -1 : a->u.f64 > b->u.f64 ? 1 : 0;
    case FERRY_TYPE_STRING: {
        size_t n = a->len < b->len ? a->len : b->len;
        int c = memcmp(a->u.str, b->u.str, n);
        if (c)
            return c < 0 ? -1 : 1;
        return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
    }
    case FERRY_TYPE_DECIMAL:
        return decimal_cmp(a->u.str, a->len, b->u.str, b->len);
    default:
        return a->u.i64 < b->u.i64 ? -1 : a->u.i64 > b->u.i64 ? 1 : 0;
    }
}

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

const char *fv_text(const ferry_value *v, char *buf, size_t cap, size_t *len)
{
    int n = 0;
    switch (v->type) {
    case FERRY_TYPE_STRING:
    case FERRY_TYPE_DECIMAL:
        *len = v->len;
        return v->u.str;
    case FERRY_TYPE_NULL:
        n = 0;
        buf[0] = '\0';
        break;
    case FERRY_TYPE_BOOL:
        n = snprintf(buf, cap, "%s", v->u.i64 ? "true" : "false");
        break;
    case FERRY_TYPE_INT64:
        n = snprintf(buf, cap, "%" PRId64, v->u.i64);
        break;
    case FERRY_TYPE_DOUBLE:
        n = snprintf(buf, cap, "%.17g", v->u.f64);
        break;
    case FERRY_TYPE_DATE: {
        int64_t y;
        unsigned m, d;
        fv_civil_from_days(v->u.i64, &y, &m, &d);
        n = snprintf(buf, cap, "%04" PRId64 "-%02u-%02u", y, m, d);
        break;
    }
    case FERRY_TYPE_TIMESTAMP: {
        int64_t days = floordiv(v->u.i64, US_PER_DAY), rest = v->u.i64 - days * US_PER_DAY;
        int64_t y;
        unsigned m, d;
        fv_civil_from_days(days, &y, &m, &d);
        int64_t secs = rest / US_PER_SEC, us = rest % US_PER_SEC;
        n = snprintf(buf, cap, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d", y, m, d,
                     (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
        if (us)
            n += snprintf(buf + n, cap - (size_t)n, ".%06d", (int)us);
        n += snprintf(buf + n, cap - (size_t)n, "Z");
        break;
    }
    case FERRY_TYPE_DURATION: {
        int64_t x = v->u.i64;
        const char *sign = "";
        uint64_t ux = (uint64_t)x;
        if (x < 0) {
            sign = "-";
            ux = (uint64_t)0 - ux;
        }
        uint64_t secs = ux / 1000000u, us = ux % 1000000u;
        n = snprintf(buf, cap, "%s%" PRIu64 ":%02u:%02u", sign, secs / 3600,
                     (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
        if (us)
            n += snprintf(buf + n, cap - (size_t)n, ".%06u", (unsigned)us);
        break;
    }
    default:
        n = snprintf(buf, cap, "?");
        break;
    }
    *len = n < 0 ? 0 : (size_t)n;
    return buf;
}

int fv_contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return 1;
    for (size_t i = 0; i + nlen <= hlen; i++) {
        size_t k = 0;
        while (k < nlen && tolower((unsigned char)hay[i + k]) == tolower((unsigned char)needle[k]))
            k++;
        if (k == nlen)
            return 1;
    }
    return 0;
}

size_t fv_u64_text(char *out, uint64_t v)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    char t[20], *e = t + sizeof t, *p = e;

    while (v >= 100) {
        p -= 2;
        memcpy(p, pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, pairs + 2 * v, 2);
    } else {
        *--p = (char)('0' + v);
    }
    memcpy(out, p, (size_t)(e - p));
    return (size_t)(e - p);
}
