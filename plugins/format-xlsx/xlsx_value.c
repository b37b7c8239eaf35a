/*
 * xlsx_value.c — exact cell values for format-xlsx; see xlsx_value.h.
 */
#include "xlsx_value.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fvalue.h"
#include "utf8.h"

#define XLSX_EPOCH_DAYS   25569   /* 1970-01-01 as an Excel serial */
#define XLSX_FIRST_DAY    -25567  /* 1900-01-01, days since 1970 */
#define XLSX_MARCH_1900   -25508  /* 1900-03-01: serial 61 */
#define XLSX_SERIAL_LIMIT 2958466 /* 10000-01-01: no such Excel date */

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

/* Literal text an OOXML reader would take for an escape: "_xHHHH" and
 * then '_' or a character that is itself written as an escape, which
 * starts with '_' (NUL, U+FFFE and U+FFFF here, the other C0 controls but
 * tab and line feed by xlsx_rowxml.c and libxlsxwriter): "_x0041" and
 * U+0001 must not become "_x0041_x0001_", read back as "Ax0001_". */
static int looks_escaped(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;

    if (!(n >= 7 && s[0] == '_' && s[1] == 'x' && is_hex(s[2]) && is_hex(s[3]) && is_hex(s[4]) &&
          is_hex(s[5])))
        return 0;
    return u[6] == '_' || (u[6] < 0x20 && u[6] != '\t' && u[6] != '\n') ||
           (n >= 9 && u[6] == 0xEF && u[7] == 0xBF && (u[8] == 0xBE || u[8] == 0xBF));
}

/* The escaped form of one character at s (k bytes, code point cp) into
 * piece; returns its length in bytes, *chars its length in characters. */
static size_t text_piece(const char *s, size_t n, int k, uint32_t cp, char *piece, size_t *chars)
{
    if (k < 0) {
        *chars = 1;
        return (size_t)ferry_utf8_encode(0xFFFD, piece);
    }
    if (cp == 0 || cp == 0xFFFE || cp == 0xFFFF || (cp == '_' && looks_escaped(s, n))) {
        *chars = 7;
        return (size_t)snprintf(piece, 8, "_x%04X_", (unsigned)(cp == '_' ? 0x5F : cp));
    }
    *chars = 1;
    memcpy(piece, s, (size_t)k);
    return (size_t)k;
}

size_t xlsx_cell_text(const char *s, size_t len, char *out, xlsx_text_info *info)
{
    const size_t soft = XLSX_CELL_MAX_CHARS - XLSX_CUT_MARK_CHARS;
    size_t i = 0, n = 0, units = 0, chars = 0, soft_n = (size_t)-1;

    memset(info, 0, sizeof *info);
    while (i < len) {
        char piece[8];
        uint32_t cp = 0xFFFD;
        int k = ferry_utf8_decode(s + i, len - i, &cp);
        size_t pchars, plen = text_piece(s + i, len - i, k, cp, piece, &pchars);
        size_t u = k > 0 && cp >= 0x10000 ? 2 : 1;

        if (soft_n == (size_t)-1 && (units + u > soft || chars + pchars > soft))
            soft_n = n;
        if (units + u > XLSX_CELL_MAX_CHARS || chars + pchars > XLSX_CELL_MAX_CHARS) {
            memcpy(out + soft_n, XLSX_CUT_MARK, sizeof XLSX_CUT_MARK);
            info->cut = 1;
            n = soft_n + sizeof XLSX_CUT_MARK - 1;
            break;
        }
        info->repaired += k < 0;
        memcpy(out + n, piece, plen);
        n += plen;
        units += u;
        chars += pchars;
        i += (size_t)(k < 0 ? -k : k);
    }
    info->chars = units;
    while (info->cut && i < len) { /* count what was cut, for the warning */
        uint32_t cp = 0;
        int k = ferry_utf8_decode(s + i, len - i, &cp);
        info->chars += k > 0 && cp >= 0x10000 ? 2 : 1;
        i += (size_t)(k < 0 ? -k : k);
    }
    out[n] = '\0';
    return n;
}

/* The fewest of "%.15G", "%.16G" and "%.17G" that read back as x. */
static size_t double_text_printf(double x, char out[32])
{
    int p;

    for (p = 15; p < 17; p++) {
        snprintf(out, 32, "%.*G", p, x);
        if (strtod(out, NULL) == x)
            return strlen(out);
    }
    snprintf(out, 32, "%.17G", x);
    return strlen(out);
}

__extension__ typedef unsigned __int128 xlsx_u128;

/* round(m * 10^k / 2^s), ties to even, exactly (m < 2^53, 0 <= k <= 22,
 * s <= 70). */
static uint64_t scaled_round(uint64_t m, int k, int s)
{
    static const uint64_t p10[20] = {1,
                                     10,
                                     100,
                                     1000,
                                     10000,
                                     100000,
                                     1000000,
                                     10000000,
                                     100000000,
                                     1000000000,
                                     10000000000u,
                                     100000000000u,
                                     1000000000000u,
                                     10000000000000u,
                                     100000000000000u,
                                     1000000000000000u,
                                     10000000000000000u,
                                     100000000000000000u,
                                     1000000000000000000u,
                                     10000000000000000000u};
    xlsx_u128 p = (xlsx_u128)m * p10[k > 19 ? 19 : k], half = (xlsx_u128)1 << (s - 1), rem;
    uint64_t y;

    if (k > 19)
        p *= p10[k - 19];
    y = (uint64_t)(p >> s);
    rem = p & (((xlsx_u128)1 << s) - 1);
    if (rem > half || (rem == half && (y & 1)))
        y++;
    return y;
}

/* y * 10^-k as strtod reads it. */
static double digits_value(uint64_t y, int k)
{
    char t[48];

    snprintf(t, sizeof t, "%" PRIu64 "e%d", y, -k);
    return strtod(t, NULL);
}

/* |x| in [1e-5, 1e15), not an integer: the fewest of 15, 16 or 17
 * significant digits that read back as x, as y * 10^-k. A 15- or 16-digit
 * y below 2^53 is checked by y / 10^k in double arithmetic: both are exact
 * doubles, so the quotient is the correctly rounded decimal, as strtod's
 * is; a 16-digit y from 2^53 up (not a double) by strtod itself. */
static uint64_t short_digits(double ax, int *kout)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    int ex, s, d, p;
    uint64_t m = (uint64_t)ldexp(frexp(ax, &ex), 53), y = 0;

    s = 53 - ex;
    /* 10^d <= ax < 10^(d+1), give or take one (put right below) */
    d = (int)floor((ex - 1) * 0.30102999566398120);
    d = d < -5 ? -5 : d > 14 ? 14 : d;
    for (p = 15; p <= 17; p++) {
        int k = p - 1 - d;
        y = scaled_round(m, k, s);
        if (y >= (uint64_t)p10[p]) { /* d one too small (or rounded up to 10^p) */
            if (k == 0)              /* rounded up to 10^15 itself, which ax is below */
                continue;
            k--;
            y = scaled_round(m, k, s);
        } else if (y < (uint64_t)p10[p - 1]) { /* d one too large */
            k++;
            y = scaled_round(m, k, s);
        }
        *kout = k;
        if (p == 17)
            break;
        if (y < (UINT64_C(1) << 53) && k <= 22 ? (double)y / p10[k] == ax
                                               : digits_value(y, k) == ax)
            break;
    }
    return y;
}

size_t xlsx_number_text(double x, char out[32])
{
    double ax = fabs(x);
    size_t n = 0, nd, i;
    char dg[24];
    int k = 0, ip;
    uint64_t y;

    if (x == 0)
        return (size_t)snprintf(out, 32, "%s", signbit(x) ? "-0" : "0");
    if (x < 0)
        out[n++] = '-';
    if (ax < 9007199254740992.0 && ax == (double)(int64_t)ax) {
        n += fv_u64_text(out + n, (uint64_t)ax);
        out[n] = '\0';
        return n;
    }
    if (!(ax >= 1e-5 && ax < 1e15))
        return double_text_printf(x, out);
    y = short_digits(ax, &k);
    nd = fv_u64_text(dg, y);
    while (nd > 1 && dg[nd - 1] == '0' && k > 0) { /* trailing zeros of the fraction */
        nd--;
        k--;
    }
    ip = (int)nd - k; /* digits before the point */
    if (ip <= 0) {
        out[n++] = '0';
        out[n++] = '.';
        for (i = 0; i < (size_t)-ip; i++)
            out[n++] = '0';
        memcpy(out + n, dg, nd);
        n += nd;
    } else {
        memcpy(out + n, dg, (size_t)ip);
        n += (size_t)ip;
        if (k > 0) {
            out[n++] = '.';
            memcpy(out + n, dg + ip, (size_t)k);
            n += (size_t)k;
        }
    }
    out[n] = '\0';
    return n;
}

/* The significant digits of a plain decimal, without leading or trailing
 * zeros, and the exponent of its first digit (1234.5: "12345", 3).
 * Returns the number of digits, or -1 when s is not a plain decimal. */
static int decimal_digits(const char *s, size_t len, char *digits, size_t cap, int *exp10)
{
    size_t i = (len && s[0] == '-') ? 1 : 0, nd = 0, zeros = 0;
    int seen_dot = 0, any = 0, point = 0;

    for (; i < len; i++) {
        if (s[i] == '.' && !seen_dot) {
            seen_dot = 1;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return -1;
        any = 1;
        if (nd == 0 && s[i] == '0') { /* leading zero */
            point -= seen_dot;
            continue;
        }
        point += !seen_dot;
        if (s[i] == '0') { /* kept only when a nonzero digit follows */
            zeros++;
            continue;
        }
        if (nd + zeros + 1 >= cap)
            return (int)cap; /* more digits than a double has */
        memset(digits + nd, '0', zeros);
        nd += zeros;
        zeros = 0;
        digits[nd++] = s[i];
    }
    if (!any)
        return -1;
    digits[nd] = '\0'; /* trailing zeros ("0.100…0" of a DECIMAL(65,30)) left out */
    *exp10 = point - 1;
    return (int)nd;
}

int xlsx_decimal_double(const char *s, size_t len, double *x)
{
    char d[24], e[24], buf[40], tmp[80]; /* DECIMAL(65,s): up to 67 characters */
    int nd, ne, exp_d, exp_e = 0, p;

    if (len == 0 || len >= sizeof tmp)
        return 0;
    nd = decimal_digits(s, len, d, sizeof d, &exp_d);
    if (nd < 0 || nd > 17)
        return 0;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    *x = strtod(tmp, NULL);
    if (nd == 0)
        return *x == 0;
    if (!isfinite(*x))
        return 0;
    for (p = 1; p <= 17; p++) { /* the shortest text that reads back as x */
        snprintf(buf, sizeof buf, "%.*e", p - 1, fabs(*x));
        if (strtod(buf, NULL) == fabs(*x))
            break;
    }
    snprintf(tmp, sizeof tmp, "%.*s", (int)strcspn(buf, "e"), buf);
    ne = decimal_digits(tmp, strlen(tmp), e, sizeof e, &exp_e);
    exp_e += atoi(strchr(buf, 'e') + 1);
    return ne == nd && exp_e == exp_d && strcmp(d, e) == 0;
}

int xlsx_date_serial(int64_t days, double *serial)
{
    if (days < XLSX_FIRST_DAY || days + XLSX_EPOCH_DAYS >= XLSX_SERIAL_LIMIT)
        return -1;
    *serial = (double)(days + XLSX_EPOCH_DAYS - (days < XLSX_MARCH_1900));
    return 0;
}

int xlsx_datetime_serial(int64_t local_us, double *serial)
{
    const int64_t day_us = INT64_C(86400000000);
    int64_t days = local_us / day_us, rem = local_us % day_us;

    if (rem < 0) {
        days--;
        rem += day_us;
    }
    if (xlsx_date_serial(days, serial) < 0)
        return -1;
    *serial += (double)rem / (double)day_us;
    return *serial < XLSX_SERIAL_LIMIT ? 0 : -1;
}
