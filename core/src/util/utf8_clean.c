/* utf8_clean.c — untrusted text to valid, bounded UTF-8 (utf8_clean.h). */
#include "utf8_clean.h"

/* The length of the valid UTF-8 sequence at p (RFC 3629), or 0. */
static size_t seq_len(const unsigned char *p)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xC2 && c <= 0xDF   ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
    if (!n)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) || (c == 0xF0 && p[1] < 0x90) ||
        (c == 0xF4 && p[1] > 0x8F))
        return 0; /* overlong, surrogate, beyond U+10FFFF */
    return n;
}

size_t ferry_utf8_clean(char *out, size_t len, const char *in)
{
    const unsigned char *p = (const unsigned char *)(in ? in : "");
    size_t o = 0;
    while (*p) {
        size_t n = seq_len(p);
        int bad = n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f));
        size_t w = bad ? 1 : n;
        if (o + w >= len)
            break;
        for (size_t i = 0; i < w; i++)
            out[o + i] = bad ? '?' : (char)p[i];
        o += w;
        p += bad ? 1 : n;
    }
    out[o] = '\0';
    return o;
}
