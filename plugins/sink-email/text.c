/* text.c — sink-email's buffer and text encodings (see text.h). */
#include "text.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int em_buf_add(em_buf *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *n = realloc(b->data, cap);
        if (!n)
            return -1;
        b->data = n;
        b->cap = cap;
    }
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int em_buf_str(em_buf *b, const char *s)
{
    return em_buf_add(b, s, strlen(s));
}

int em_buf_printf(em_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof small)
        return em_buf_add(b, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big)
        return -1;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = em_buf_add(b, big, (size_t)n);
    free(big);
    return rc;
}

void em_buf_free(em_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Length of the UTF-8 sequence at s (1..4), or 0 if it is not valid. Sets *cp. */
static size_t utf8_seq(const unsigned char *s, size_t left, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        n = 2, v = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3, v = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

int em_text_clean(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_seq(p + i, len - i, &cp);
        if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 ||
            cp == 0x2029)
            return 0;
        i += n;
    }
    return 1;
}

int em_text_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return 0;
    return 1;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int em_base64(em_buf *out, const unsigned char *data, size_t len, int wrap)
{
    char line[80];
    size_t n = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)data[i + 1] << 8;
        if (i + 2 < len)
            v |= data[i + 2];
        line[n++] = b64[(v >> 18) & 63];
        line[n++] = b64[(v >> 12) & 63];
        line[n++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
        line[n++] = i + 2 < len ? b64[v & 63] : '=';
        if (n == 76 || i + 3 >= len) {
            if (wrap) {
                line[n++] = '\r';
                line[n++] = '\n';
            }
            if (em_buf_add(out, line, n))
                return -1;
            n = 0;
        }
    }
    return 0;
}

int em_qp(em_buf *out, const char *text, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n') {
            if (em_buf_add(out, "\r\n", 2))
                return -1;
            col = 0;
            continue;
        }
        if (c == '\r' && i + 1 < len && text[i + 1] == '\n')
            continue;
        int at_eol = i + 1 == len || text[i + 1] == '\n' || text[i + 1] == '\r';
        char enc[3];
        size_t n;
        if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol)) {
            enc[0] = (char)c;
            n = 1;
        } else {
            enc[0] = '=';
            enc[1] = hex[c >> 4];
            enc[2] = hex[c & 15];
            n = 3;
        }
        /* Keep every line under 76 characters, counting a soft break's '='. */
        if (col + n > 75) {
            if (em_buf_add(out, "=\r\n", 3))
                return -1;
            col = 0;
        }
        if (em_buf_add(out, enc, n))
            return -1;
        col += n;
    }
    return 0;
}

int em_header_text(em_buf *out, const char *text, size_t used)
{
    size_t len = strlen(text);
    if (em_text_ascii(text, len) && used + len <= 998)
        return em_buf_add(out, text, len);
    /* Encoded words: 45 raw bytes -> 60 base64 chars + 12 of "=?UTF-8?B??=" = 72. */
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    int first = 1;
    while (i < len) {
        size_t take = 0;
        while (i + take < len) {
            uint32_t cp;
            size_t n = utf8_seq(p + i + take, len - i - take, &cp);
            if (n == 0)
                n = 1; /* validated before; be safe */
            if (take + n > 45)
                break;
            take += n;
        }
        if (!first && em_buf_add(out, "\r\n ", 3))
            return -1;
        if (em_buf_str(out, "=?UTF-8?B?") || em_base64(out, p + i, take, 0) ||
            em_buf_str(out, "?="))
            return -1;
        first = 0;
        i += take;
    }
    return 0;
}

int em_rfc2231(em_buf *out, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    if (em_buf_str(out, "UTF-8''"))
        return -1;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        unsigned char c = *p;
        /* attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" /
         * "`" / "|" / "~" */
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    (c && strchr("!#$&+-.^_`|~", c));
        char enc[3] = {(char)c, 0, 0};
        if (!plain) {
            enc[0] = '%';
            enc[1] = hex[c >> 4];
            enc[2] = hex[c & 15];
        }
        if (em_buf_add(out, enc, plain ? 1 : 3))
            return -1;
    }
    return 0;
}

int em_ascii_fallback(em_buf *out, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t len = strlen(text), i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_seq(p + i, len - i, &cp);
        if (n == 0)
            n = 1, cp = 0xfffd;
        char c = (cp >= 0x20 && cp < 0x7f && cp != '"' && cp != '\\') ? (char)cp : '_';
        if (em_buf_add(out, &c, 1))
            return -1;
        i += n;
    }
    return 0;
}
