/*
 * pdf_content.c — content stream operators written by format-pdf itself
 * into libharu's page streams; see pdf_content.h.
 */
#include "pdf_content.h"

#include <hpdf_objects.h>
#include <hpdf_pages.h>
#include <hpdf_streams.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Room for n more bytes; NULL (and c->oom) when memory runs out. */
static char *pdf_room(pdf_content *c, size_t n)
{
    if (c->oom)
        return NULL;
    if (c->len + n > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16384;
        char *p;
        while (cap < c->len + n)
            cap *= 2;
        p = realloc(c->buf, cap);
        if (!p) {
            c->oom = 1;
            return NULL;
        }
        c->buf = p;
        c->cap = cap;
    }
    return c->buf + c->len;
}

static void pdf_done(pdf_content *c, const char *p)
{
    c->len = (size_t)(p - c->buf);
}

static char *pdf_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

/* v hundredths as a PDF number: "12", "12.5", "-0.25". */
static char *pdf_num(char *p, long v)
{
    unsigned long a = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v, ip = a / 100;
    unsigned fr = (unsigned)(a % 100);
    char tmp[24];
    int n = 0;

    if (v < 0)
        *p++ = '-';
    do {
        tmp[n++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (n)
        *p++ = tmp[--n];
    if (fr) {
        *p++ = '.';
        *p++ = (char)('0' + fr / 10);
        if (fr % 10)
            *p++ = (char)('0' + fr % 10);
    }
    return p;
}

/* v in hundredths, rounded half away from zero: in double, where 100 v
 * of a float is exact (in float it may round onto the other side of a
 * half). A number beyond ±PDF_NUM_MAX (no page has one: PDF's largest
 * page is 14,400 pt) is clamped there and NaN is 0, so that no number is
 * absurd and Td's differences cannot overflow. */
#define PDF_NUM_MAX 1e7

static double pdf_clamp(float v)
{
    double d = v;

    if (d != d)
        return 0;
    return d > PDF_NUM_MAX ? PDF_NUM_MAX : d < -PDF_NUM_MAX ? -PDF_NUM_MAX : d;
}

static long pdf_h(float v)
{
    return lround(pdf_clamp(v) * 100.0);
}

/* Ends an open text object. */
static void pdf_end_text(pdf_content *c)
{
    char *p;

    if (!c->in_text || !(p = pdf_room(c, 3)))
        return;
    pdf_done(c, pdf_str(p, "ET\n"));
    c->in_text = 0;
}

int pdf_content_page(pdf_content *c, HPDF_Page page, int fresh)
{
    int rc = c->page ? pdf_content_flush(c) : 0;

    c->page = page;
    c->in_text = 0;
    c->font = NULL;
    c->size = 0;
    c->fill = c->stroke = fresh ? 0.0f : -1.0f;
    c->width = fresh ? 1.0f : -1.0f;
    return rc;
}

int pdf_content_flush(pdf_content *c)
{
    HPDF_PageAttr attr;

    pdf_end_text(c);
    if (c->oom || !c->page)
        return c->oom ? -1 : 0;
    attr = ((HPDF_Dict)c->page)->attr;
    if (c->len &&
        HPDF_Stream_Write(attr->stream, (const HPDF_BYTE *)c->buf, (HPDF_UINT)c->len) != HPDF_OK)
        return -1;
    c->len = 0;
    return 0;
}

int pdf_content_take(pdf_content *c, int (*take)(void *arg, const char *buf, size_t len), void *arg)
{
    int rc;

    pdf_end_text(c);
    if (c->oom)
        return -1;
    rc = take(arg, c->buf, c->len);
    c->len = 0;
    return rc;
}

void pdf_content_free(pdf_content *c)
{
    free(c->buf);
    memset(c, 0, sizeof *c);
}

void pdf_content_move(pdf_content *c, float x, float y)
{
    long hx = pdf_h(x), hy = pdf_h(y);
    char *p = pdf_room(c, 64);

    if (!p)
        return;
    if (!c->in_text) {
        p = pdf_str(p, "BT\n");
        c->in_text = 1;
        c->tx = c->ty = 0;
    }
    p = pdf_num(p, hx - c->tx);
    *p++ = ' ';
    p = pdf_num(p, hy - c->ty);
    pdf_done(c, pdf_str(p, " Td\n"));
    c->tx = hx;
    c->ty = hy;
}

void pdf_content_font(pdf_content *c, HPDF_Font font, float size)
{
    const char *name;
    char *p;

    if (font == c->font && size == c->size)
        return;
    name = HPDF_Page_GetLocalFontName(c->page, font);
    if (!name) {
        c->oom = 1;
        return;
    }
    if (!(p = pdf_room(c, strlen(name) + 32)))
        return;
    *p++ = '/';
    p = pdf_str(p, name);
    *p++ = ' ';
    /* down: a shrunk number stays inside its column */
    p = pdf_num(p, (long)floor(pdf_clamp(size) * 100.0));
    pdf_done(c, pdf_str(p, " Tf\n"));
    c->font = font;
    c->size = size;
}

/* Appends byte b of a literal string, escaped when it must be. */
static char *pdf_lit(char *p, unsigned b)
{
    if (b == '(' || b == ')' || b == '\\' || b == '\r' || b == '\n') {
        *p++ = '\\';
        b = b == '\r' ? 'r' : b == '\n' ? 'n' : b;
    }
    *p++ = (char)b;
    return p;
}

void pdf_content_show(pdf_content *c, const uint16_t *codes, size_t n)
{
    char *p = pdf_room(c, n * 4 + 16);
    size_t i;

    if (!p)
        return;
    if (c->fill != 0) { /* text is black */
        p = pdf_str(p, "0 g\n");
        c->fill = 0;
    }
    *p++ = '(';
    for (i = 0; i < n; i++) {
        p = pdf_lit(p, codes[i] >> 8);
        p = pdf_lit(p, codes[i] & 0xFF);
    }
    pdf_done(c, pdf_str(p, ") Tj\n"));
}

void pdf_content_show_hidden(pdf_content *c, const uint16_t *codes, size_t n, int narrow)
{
    char *p = pdf_room(c, 10);

    if (!p)
        return;
    pdf_done(c, pdf_str(p, narrow ? "3 Tr 1 Tz\n" : "3 Tr\n"));
    pdf_content_show(c, codes, n);
    if ((p = pdf_room(c, 12)))
        pdf_done(c, pdf_str(p, narrow ? "0 Tr 100 Tz\n" : "0 Tr\n"));
}

void pdf_content_fill_rect(pdf_content *c, float x, float y, float w, float h, float gray)
{
    char *p;

    pdf_end_text(c);
    if (!(p = pdf_room(c, 96)))
        return;
    if (c->fill != gray) {
        p = pdf_num(p, pdf_h(gray));
        p = pdf_str(p, " g\n");
        c->fill = gray;
    }
    p = pdf_num(p, pdf_h(x));
    *p++ = ' ';
    p = pdf_num(p, pdf_h(y));
    *p++ = ' ';
    p = pdf_num(p, pdf_h(w));
    *p++ = ' ';
    p = pdf_num(p, pdf_h(h));
    pdf_done(c, pdf_str(p, " re f\n"));
}

void pdf_content_hline(pdf_content *c, float x0, float x1, float y, float gray, float width)
{
    long hy = pdf_h(y);
    char *p;

    pdf_end_text(c);
    if (!(p = pdf_room(c, 96)))
        return;
    if (c->stroke != gray) {
        p = pdf_num(p, pdf_h(gray));
        p = pdf_str(p, " G\n");
        c->stroke = gray;
    }
    if (c->width != width) {
        p = pdf_num(p, pdf_h(width));
        p = pdf_str(p, " w\n");
        c->width = width;
    }
    p = pdf_num(p, pdf_h(x0));
    *p++ = ' ';
    p = pdf_num(p, hy);
    p = pdf_str(p, " m ");
    p = pdf_num(p, pdf_h(x1));
    *p++ = ' ';
    p = pdf_num(p, hy);
    pdf_done(c, pdf_str(p, " l S\n"));
}

void pdf_content_form(pdf_content *c, const char *name, float x, float y, float size)
{
    long s = (long)floor(pdf_clamp(size) * 100.0);
    char *p;

    pdf_end_text(c);
    if (!(p = pdf_room(c, strlen(name) + 128)))
        return;
    p = pdf_str(p, "q ");
    p = pdf_num(p, s);
    p = pdf_str(p, " 0 0 ");
    p = pdf_num(p, s);
    *p++ = ' ';
    p = pdf_num(p, pdf_h(x));
    *p++ = ' ';
    p = pdf_num(p, pdf_h(y));
    p = pdf_str(p, " cm /");
    p = pdf_str(p, name);
    pdf_done(c, pdf_str(p, " Do Q\n"));
}

/* Appends the points xy[0..2n) and the operator op of a path. */
static void pdf_path_op(pdf_content *c, const float *xy, size_t n, const char *op)
{
    char *p;
    size_t i;

    pdf_end_text(c);
    if (!(p = pdf_room(c, 32 * n + 16)))
        return;
    for (i = 0; i < 2 * n; i++) {
        p = pdf_num(p, pdf_h(xy[i]));
        *p++ = ' ';
    }
    pdf_done(c, pdf_str(p, op));
}

void pdf_content_path_move(pdf_content *c, float x, float y)
{
    const float xy[2] = {x, y};
    char *p;

    pdf_end_text(c);
    if (c->fill != 0 && (p = pdf_room(c, 4))) { /* before the path: no color inside one */
        pdf_done(c, pdf_str(p, "0 g\n"));
        c->fill = 0;
    }
    pdf_path_op(c, xy, 1, "m\n");
}

void pdf_content_path_line(pdf_content *c, float x, float y)
{
    const float xy[2] = {x, y};

    pdf_path_op(c, xy, 1, "l\n");
}

void pdf_content_path_curve(pdf_content *c, const float xy[6])
{
    pdf_path_op(c, xy, 3, "c\n");
}

void pdf_content_fill(pdf_content *c)
{
    char *p = pdf_room(c, 4);

    if (p)
        pdf_done(c, pdf_str(p, "h f\n"));
}
