/*
 * xlsx_rowxml.c — the row XML format-xlsx writes itself; see
 * xlsx_rowxml.h.
 */
#include "xlsx_rowxml.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

int xlsx_xml_reserve(xlsx_xml *b, size_t more)
{
    size_t cap = b->cap ? b->cap : 65536;
    char *p;

    if (b->len + more <= b->cap)
        return 0;
    while (cap < b->len + more)
        cap *= 2;
    p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

void xlsx_xml_free(xlsx_xml *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void xlsx_xml_put(xlsx_xml *b, const char *s, size_t n)
{
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

/* The decimal digits of v at p; returns the end. */
static char *put_u32(char *p, uint32_t v)
{
    char t[10];
    int n = 0;

    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = t[--n];
    return p;
}

size_t xlsx_xml_u32(char *out, uint32_t v)
{
    char *e = put_u32(out, v);

    *e = '\0';
    return (size_t)(e - out);
}

void xlsx_xml_cell(xlsx_xml *b, const char *col, const char *row, size_t rowlen, int32_t style,
                   const char *type)
{
    char *p = b->data + b->len;

    memcpy(p, "<c r=\"", 6);
    p += 6;
    while (*col)
        *p++ = *col++;
    memcpy(p, row, rowlen);
    p += rowlen;
    *p++ = '"';
    if (style > 0) {
        memcpy(p, " s=\"", 4);
        p = put_u32(p + 4, (uint32_t)style);
        *p++ = '"';
    }
    if (type) {
        memcpy(p, " t=\"", 4);
        p += 4;
        while (*type)
            *p++ = *type++;
        *p++ = '"';
    }
    *p++ = '>';
    b->len = (size_t)(p - b->data);
}

static int xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

/* The length of the valid UTF-8 sequence at s[0..n) that xlsx_cell_text
 * keeps as it is (not U+FFFE, U+FFFF), or 0. */
static size_t plain_utf8(const char *s, size_t n)
{
    uint32_t cp;
    int k = ferry_utf8_decode(s, n, &cp);

    return k > 0 && cp != 0xFFFE && cp != 0xFFFF ? (size_t)k : 0;
}

/* The escaped bytes of s[0..n) at p; NULL when plain and a byte is not. */
static char *xml_escape(char *p, const char *s, size_t n, int plain)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i, k;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x80 && c != '&' && c != '<' && c != '>' && c != '_') {
            *p++ = (char)c;
        } else if (plain && c >= 0x80) {
            if (!(k = plain_utf8(s + i, n - i)))
                return NULL;
            memcpy(p, s + i, k);
            p += k;
            i += k - 1;
        } else if (plain && (c == 0 || (c == '_' && i + 1 < n && s[i + 1] == 'x'))) {
            return NULL;
        } else if (c == '&') {
            memcpy(p, "&amp;", 5);
            p += 5;
        } else if (c == '<' || c == '>') {
            memcpy(p, c == '<' ? "&lt;" : "&gt;", 4);
            p += 4;
        } else if (c < 0x20 && c != '\t' && c != '\n') {
            memcpy(p, "_x00", 4);
            p[4] = hex[c >> 4];
            p[5] = hex[c & 15];
            p[6] = '_';
            p += 7;
        } else {
            *p++ = (char)c;
        }
    }
    return p;
}

int xlsx_xml_string(xlsx_xml *b, const char *s, size_t n, int plain)
{
    static const char open[] = "<is><t>", open_sp[] = "<is><t xml:space=\"preserve\">";
    static const char close[] = "</t></is></c>";
    size_t start = b->len;
    char *p;

    if (n && (xml_space(s[0]) || xml_space(s[n - 1])))
        xlsx_xml_put(b, open_sp, sizeof open_sp - 1);
    else
        xlsx_xml_put(b, open, sizeof open - 1);
    p = xml_escape(b->data + b->len, s, n, plain);
    if (!p) {
        b->len = start;
        return -1;
    }
    b->len = (size_t)(p - b->data);
    xlsx_xml_put(b, close, sizeof close - 1);
    return 0;
}
