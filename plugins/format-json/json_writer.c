/*
 * json_writer.c — JSON literals into a reusable buffer; see json_writer.h
 * for why format-json writes JSON by hand.
 */
#include "json_writer.h"

#include <ctype.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

void fj_buf_free(fj_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static int fj_reserve(fj_buf *b, size_t extra)
{
    size_t want, cap;
    char *p;

    if (b->cap - b->len > extra)
        return FJ_OK;
    if (extra > SIZE_MAX / 2 - b->len)
        return FJ_NOMEM;
    want = b->len + extra + 1;
    cap = b->cap ? b->cap : 4096;
    while (cap < want)
        cap *= 2;
    p = realloc(b->data, cap);
    if (!p)
        return FJ_NOMEM;
    b->data = p;
    b->cap = cap;
    return FJ_OK;
}

int fj_put(fj_buf *b, const char *s, size_t n)
{
    if (fj_reserve(b, n) != FJ_OK)
        return FJ_NOMEM;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return FJ_OK;
}

static const char fj_hex[] = "0123456789abcdef";

int fj_put_string(fj_buf *b, const char *s, size_t n, int utf8_mode, size_t *bad_offset)
{
    size_t start = b->len, i = 0;
    char *o;

    /* Worst case: every byte a 6-byte \u00XX, or an invalid byte's
     * 3-byte U+FFFD; plus the quotes. */
    if (bad_offset)
        *bad_offset = SIZE_MAX;
    if (n > (SIZE_MAX - 8) / 6 || fj_reserve(b, n * 6 + 2) != FJ_OK)
        return FJ_NOMEM;
    o = b->data + b->len;
    *o++ = '"';
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        int k;

        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *o++ = (char)c;
            i++;
            continue;
        }
        if (c < 0x80) {
            *o++ = '\\';
            switch (c) {
            case '"':
                *o++ = '"';
                break;
            case '\\':
                *o++ = '\\';
                break;
            case '\b':
                *o++ = 'b';
                break;
            case '\f':
                *o++ = 'f';
                break;
            case '\n':
                *o++ = 'n';
                break;
            case '\r':
                *o++ = 'r';
                break;
            case '\t':
                *o++ = 't';
                break;
            default:
                *o++ = 'u';
                *o++ = '0';
                *o++ = '0';
                *o++ = fj_hex[c >> 4];
                *o++ = fj_hex[c & 15];
            }
            i++;
            continue;
        }
        k = ferry_utf8_decode(s + i, n - i, &cp);
        if (k < 0) {
            if (utf8_mode == FJ_UTF8_REJECT) {
                if (bad_offset)
                    *bad_offset = i;
                b->len = start;
                b->data[b->len] = '\0';
                return FJ_INVALID;
            }
            if (bad_offset && *bad_offset == SIZE_MAX)
                *bad_offset = i;
            o += ferry_utf8_encode(0xFFFD, o);
            i += (size_t)-k;
            continue;
        }
        if (cp == 0x2028 || cp == 0x2029) {
            /* Valid JSON raw, but not valid JavaScript before ES2019. */
            memcpy(o, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
            o += 6;
        } else {
            memcpy(o, s + i, (size_t)k);
            o += k;
        }
        i += (size_t)k;
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
    return FJ_OK;
}

int fj_put_i64(fj_buf *b, int64_t x)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%lld", (long long)x);
    return fj_put(b, tmp, (size_t)n);
}

/* snprintf follows LC_NUMERIC; JSON's decimal point is always '.'. */
static void fj_fix_point(char *s, int n)
{
    int i;
    for (i = 0; i < n; i++)
        if (s[i] == ',')
            s[i] = '.';
}

int fj_put_double(fj_buf *b, double x, int decimals)
{
    char tmp[400];
    int n = 0, prec;

    if (!isfinite(x))
        return fj_put(b, "null", 4);
    if (decimals >= 0 && fabs(x) < 1e15) { /* fixed point; huge values: shortest */
        if (decimals > 17)
            decimals = 17;
        n = snprintf(tmp, sizeof tmp, "%.*f", decimals, x);
        if (n > 0 && (size_t)n < sizeof tmp) {
            fj_fix_point(tmp, n);
            return fj_put(b, tmp, (size_t)n);
        }
    }
    for (prec = 15; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof tmp, "%.*g", prec, x);
        if (strtod(tmp, NULL) == x)
            break;
    }
    fj_fix_point(tmp, n);
    if (!strpbrk(tmp, ".e")) /* "-0", "3": most readers would take an integer */
        n += snprintf(tmp + n, sizeof tmp - (size_t)n, ".0");
    return fj_put(b, tmp, (size_t)n);
}

static size_t fj_digits(const char *s, size_t n, size_t i)
{
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

int fj_is_number(const char *s, size_t n)
{
    size_t i = 0, j;

    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        return 0;
    if (s[i] == '0') {
        i++;
    } else {
        j = fj_digits(s, n, i);
        if (j == i || s[i] == '0')
            return 0;
        i = j;
    }
    if (i < n && s[i] == '.') {
        j = fj_digits(s, n, i + 1);
        if (j == i + 1)
            return 0;
        i = j;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        j = fj_digits(s, n, i);
        if (j == i)
            return 0;
        i = j;
    }
    return i == n;
}

/* ---- a JSON document, validated and made compact ------------------------ */

typedef struct fj_doc {
    const char *s;
    size_t n, i;
    fj_buf *out;
    int nomem;
} fj_doc;

static void fj_doc_ws(fj_doc *d)
{
    while (d->i < d->n &&
           (d->s[d->i] == ' ' || d->s[d->i] == '\t' || d->s[d->i] == '\n' || d->s[d->i] == '\r'))
        d->i++;
}

static int fj_doc_copy(fj_doc *d, size_t from)
{
    if (fj_put(d->out, d->s + from, d->i - from) != FJ_OK)
        d->nomem = 1;
    return !d->nomem;
}

/* The 4 hex digits after "\\u" at d->s[d->i + 1]; -1 when they are not. */
static long fj_doc_hex4(const fj_doc *d, size_t at)
{
    long v = 0;
    for (size_t k = 0; k < 4; k++) {
        if (at + k >= d->n || !isxdigit((unsigned char)d->s[at + k]))
            return -1;
        char c = d->s[at + k];
        v = v * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

/* A \uXXXX escape (d->i at the 'u'), surrogates paired as a high one then
 * \u and a low one (a lone surrogate has no UTF-8 form); leaves d->i at
 * the escape's last digit. */
static int fj_doc_unicode_escape(fj_doc *d)
{
    long v = fj_doc_hex4(d, d->i + 1);
    if (v < 0 || (v >= 0xDC00 && v <= 0xDFFF))
        return 0;
    d->i += 4;
    if (v < 0xD800 || v > 0xDBFF)
        return 1;
    if (d->i + 2 >= d->n || d->s[d->i + 1] != '\\' || d->s[d->i + 2] != 'u')
        return 0;
    long lo = fj_doc_hex4(d, d->i + 3);
    if (lo < 0xDC00 || lo > 0xDFFF)
        return 0;
    d->i += 6;
    return 1;
}

/* A string token: escapes checked, no raw control characters, UTF-8. */
static int fj_doc_string(fj_doc *d)
{
    size_t from = d->i++;
    while (d->i < d->n && d->s[d->i] != '"') {
        unsigned char c = (unsigned char)d->s[d->i];
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            if (++d->i >= d->n)
                return 0;
            c = (unsigned char)d->s[d->i];
            if (c == 'u') {
                if (!fj_doc_unicode_escape(d))
                    return 0;
            } else if (c == 0 || !strchr("\"\\/bfnrt", c)) {
                return 0;
            }
            d->i++;
        } else if (c < 0x80) {
            d->i++;
        } else {
            uint32_t cp;
            int k = ferry_utf8_decode(d->s + d->i, d->n - d->i, &cp);
            if (k <= 0)
                return 0;
            d->i += (size_t)k;
        }
    }
    if (d->i >= d->n)
        return 0;
    d->i++;
    return fj_doc_copy(d, from);
}

static int fj_doc_value(fj_doc *d, int depth);

/* The members of an object or the elements of an array, after its opener. */
static int fj_doc_items(fj_doc *d, int depth, char close, int object)
{
    fj_doc_ws(d);
    if (d->i < d->n && d->s[d->i] == close) {
        d->i++;
        return fj_doc_copy(d, d->i - 1);
    }
    for (;;) {
        if (object) {
            fj_doc_ws(d);
            if (d->i >= d->n || d->s[d->i] != '"' || !fj_doc_string(d))
                return 0;
            fj_doc_ws(d);
            if (d->i >= d->n || d->s[d->i++] != ':' || !fj_doc_copy(d, d->i - 1))
                return 0;
        }
        if (!fj_doc_value(d, depth + 1))
            return 0;
        fj_doc_ws(d);
        if (d->i >= d->n)
            return 0;
        char c = d->s[d->i++];
        if (!fj_doc_copy(d, d->i - 1))
            return 0;
        if (c == close)
            return 1;
        if (c != ',')
            return 0;
    }
}

static int fj_doc_value(fj_doc *d, int depth)
{
    fj_doc_ws(d);
    if (d->i >= d->n || depth > FJ_MAX_DEPTH)
        return 0;
    char c = d->s[d->i];
    if (c == '"')
        return fj_doc_string(d);
    if (c == '{' || c == '[') {
        d->i++;
        return fj_doc_copy(d, d->i - 1) && fj_doc_items(d, depth, c == '{' ? '}' : ']', c == '{');
    }
    size_t from = d->i;
    while (d->i < d->n && (isalnum((unsigned char)d->s[d->i]) || d->s[d->i] == '-' ||
                           d->s[d->i] == '+' || d->s[d->i] == '.'))
        d->i++;
    size_t len = d->i - from;
    const char *t = d->s + from;
    int ok = (len == 4 && !memcmp(t, "true", 4)) || (len == 5 && !memcmp(t, "false", 5)) ||
             (len == 4 && !memcmp(t, "null", 4)) || (len > 0 && fj_is_number(t, len));
    return ok && fj_doc_copy(d, from);
}

int fj_put_json_doc(fj_buf *b, const char *s, size_t n)
{
    size_t start = b->len;
    fj_doc d = {s, n, 0, b, 0};
    int ok = fj_doc_value(&d, 0);
    fj_doc_ws(&d);
    if (d.nomem)
        return FJ_NOMEM;
    if (!ok || d.i != n) {
        b->len = start;
        return FJ_INVALID;
    }
    return FJ_OK;
}
