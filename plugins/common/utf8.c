/*
 * utf8.c — strict UTF-8 decoding shared by the formatters; see utf8.h.
 */
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

int ferry_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char c = u[0], lo = 0x80, hi = 0xBF;
    size_t need, i;
    uint32_t v;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        v = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        v = c & 0x0Fu;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        v = c & 0x07u;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return -1;
    }
    for (i = 1; i < need; i++) {
        unsigned char b;
        if (i >= n)
            return -(int)i;
        b = u[i];
        if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF))
            return -(int)i;
        v = (v << 6) | (b & 0x3Fu);
    }
    *cp = v;
    return (int)need;
}

int ferry_utf8_valid(const char *s, size_t n)
{
    size_t i = 0;
    uint32_t cp;

    while (i < n) {
        int k;
        uint64_t w;
        if (i + 8 <= n && (memcpy(&w, s + i, 8), !(w & UINT64_C(0x8080808080808080)))) {
            i += 8; /* eight ASCII bytes */
            continue;
        }
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        k = ferry_utf8_decode(s + i, n - i, &cp);
        if (k < 0)
            return 0;
        i += (size_t)k;
    }
    return 1;
}

size_t ferry_utf8_prefix_units(const char *s, size_t n, size_t max_units)
{
    size_t i = 0, units = 0;
    uint32_t cp;

    while (i < n) {
        int k = ferry_utf8_decode(s + i, n - i, &cp);
        size_t len = k > 0 ? (size_t)k : (size_t)-k;
        size_t w = (k > 0 && cp > 0xFFFF) ? 2 : 1;
        if (units + w > max_units)
            break;
        units += w;
        i += len;
    }
    return i;
}

int ferry_utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

char *ferry_utf8_replaced(const char *s, int (*keep)(uint32_t cp))
{
    size_t i = 0, n = 0, len = strlen(s);
    char *out = malloc(len * 3 + 1); /* an invalid byte (1) becomes U+FFFD (3) */
    if (!out)
        return NULL;
    while (i < len) {
        uint32_t cp = 0;
        int k = ferry_utf8_decode(s + i, len - i, &cp);
        n += (size_t)ferry_utf8_encode(k < 0 || !keep(cp) ? 0xFFFD : cp, out + n);
        i += (size_t)(k < 0 ? -k : k);
    }
    out[n] = '\0';
    return out;
}
