/*
 * pdf_text.c — UTF-8 text with a primary and a fallback TrueType font in
 * libharu; see pdf_text.h.
 *
 * Glyph presence comes from the font's own cmap, through libharu's
 * TrueType font definition (HPDF_TTFontDef_GetGlyphid: glyph 0 is
 * .notdef, "no glyph").
 */
#include "pdf_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "utf8.h"

#define PDF_ELLIPSIS 0x2026

static int pdf_load_font(pdf_fonts *f, int which, const char *path, char *err, size_t errlen)
{
    const char *name;

    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "cannot read the font file %s", path);
        return -1;
    }
    name = HPDF_LoadTTFontFromFile(f->pdf, path, HPDF_TRUE);
    if (!name) {
        snprintf(err, errlen, "libharu cannot load the TrueType font %s (error 0x%04X)", path,
                 (unsigned)HPDF_GetError(f->pdf));
        HPDF_ResetError(f->pdf);
        return -1;
    }
    f->font[which] = HPDF_GetFont(f->pdf, name, "UTF-8");
    f->def[which] = HPDF_GetFontDef(f->pdf, name);
    if (!f->font[which] || !f->def[which]) {
        snprintf(err, errlen, "libharu cannot use the font %s with UTF-8 (error 0x%04X)", path,
                 (unsigned)HPDF_GetError(f->pdf));
        HPDF_ResetError(f->pdf);
        return -1;
    }
    return 0;
}

int pdf_fonts_init(pdf_fonts *f, HPDF_Doc pdf, const char *primary_path, const char *fallback_path,
                   char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    f->pdf = pdf;
    f->fallback_path = fallback_path && fallback_path[0] ? fallback_path : NULL;
    f->which = calloc(65536, 1);
    f->width = malloc(65536 * sizeof *f->width);
    if (!f->which || !f->width) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memset(f->width, 0xff, 65536 * sizeof *f->width); /* -1: unknown */
    if (HPDF_UseUTFEncodings(pdf) != HPDF_OK || HPDF_SetCurrentEncoder(pdf, "UTF-8") != HPDF_OK) {
        snprintf(err, errlen, "libharu has no UTF-8 encoder (error 0x%04X)",
                 (unsigned)HPDF_GetError(pdf));
        HPDF_ResetError(pdf);
        return -1;
    }
    return pdf_load_font(f, PDF_FONT_PRIMARY, primary_path, err, errlen);
}

void pdf_fonts_free(pdf_fonts *f)
{
    if (!f)
        return;
    free(f->which);
    free(f->width);
    f->which = NULL;
    f->width = NULL;
}

/* The font that draws cp, loading the fallback on first need. */
static int pdf_font_for(pdf_fonts *f, uint16_t cp)
{
    int w;

    if (f->which[cp])
        return f->which[cp];
    w = PDF_FONT_PRIMARY;
    if (cp >= 0x20 && HPDF_TTFontDef_GetGlyphid(f->def[PDF_FONT_PRIMARY], cp) == 0) {
        if (!f->fallback_tried && f->fallback_path) {
            char err[512];
            f->fallback_tried = 1;
            if (pdf_load_font(f, PDF_FONT_FALLBACK, f->fallback_path, err, sizeof err) < 0)
                f->font[PDF_FONT_FALLBACK] = NULL; /* drawn with the primary's .notdef */
        }
        if (f->font[PDF_FONT_FALLBACK] &&
            HPDF_TTFontDef_GetGlyphid(f->def[PDF_FONT_FALLBACK], cp) != 0)
            w = PDF_FONT_FALLBACK;
    }
    f->which[cp] = (uint8_t)w;
    return w;
}

static float pdf_advance(pdf_fonts *f, uint16_t cp, int font)
{
    /* Widths are cached per character; a character has one font. */
    if (f->width[cp] < 0) {
        HPDF_INT w = HPDF_Font_GetUnicodeWidth(f->font[font], cp);
        f->width[cp] = (int16_t)(w < 0 ? 0 : w > 30000 ? 30000 : w);
    }
    return (float)f->width[cp];
}

int pdf_text_shape(pdf_fonts *f, pdf_text *t, const char *s, size_t len, int keep_newlines)
{
    size_t i = 0;
    int prev_font = PDF_FONT_PRIMARY;

    t->n = 0;
    if (len + 1 > t->cap) {
        pdf_glyph *g = realloc(t->g, (len + 1) * sizeof *g);
        if (!g)
            return -1;
        t->g = g;
        t->cap = len + 1;
    }
    while (i < len) {
        uint32_t cp;
        int k = ferry_utf8_decode(s + i, len - i, &cp);
        pdf_glyph *g = &t->g[t->n++];
        if (k < 0) {
            cp = 0xFFFD;
            k = -k;
        }
        i += (size_t)k;
        if (cp > 0xFFFF)
            cp = 0xFFFD;
        g->brk = 0;
        if (cp == '\n' && keep_newlines) {
            g->cp = '\n';
            g->brk = 2;
            g->font = (uint8_t)prev_font;
            g->w = 0;
            continue;
        }
        if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
            cp = ' ';
        g->cp = (uint16_t)cp;
        if (cp == ' ') {
            g->brk = 1;
            g->font = (uint8_t)prev_font; /* spaces join the run they are in */
            g->w = pdf_advance(f, ' ', PDF_FONT_PRIMARY);
            continue;
        }
        g->font = (uint8_t)pdf_font_for(f, g->cp);
        g->w = pdf_advance(f, g->cp, g->font);
        prev_font = g->font;
    }
    return 0;
}

void pdf_text_free(pdf_text *t)
{
    if (!t)
        return;
    free(t->g);
    free(t->utf8);
    memset(t, 0, sizeof *t);
}

float pdf_text_width(const pdf_text *t, size_t a, size_t b, float size)
{
    float w = 0;

    for (; a < b; a++)
        w += t->g[a].w;
    return w * size / 1000.0f;
}

void pdf_text_line(const pdf_text *t, size_t a, float width, float size, size_t *end, size_t *next)
{
    float limit = width * 1000.0f / size, w = 0;
    size_t i = a, last_space = (size_t)-1;

    while (i < t->n) {
        const pdf_glyph *g = &t->g[i];
        if (g->brk == 2) {
            *end = i;
            *next = i + 1;
            goto trim;
        }
        if (g->brk == 1)
            last_space = i;
        if (w + g->w > limit && i > a) {
            if (last_space != (size_t)-1 && last_space > a) {
                *end = last_space;
                *next = last_space + 1;
            } else {
                *end = i;
                *next = i;
            }
            goto trim;
        }
        w += g->w;
        i++;
    }
    *end = *next = t->n;
trim:
    while (*end > a && t->g[*end - 1].brk == 1)
        (*end)--;
    while (*next < t->n && t->g[*next].brk == 1)
        (*next)++;
}

size_t pdf_text_fit_ellipsis(pdf_fonts *f, const pdf_text *t, size_t a, size_t b, float width,
                             float size, float *ellipsis_w)
{
    float limit = width * 1000.0f / size, w;
    size_t i = a;

    w = pdf_advance(f, PDF_ELLIPSIS, pdf_font_for(f, PDF_ELLIPSIS));
    if (ellipsis_w)
        *ellipsis_w = w * size / 1000.0f;
    while (i < b && w + t->g[i].w <= limit)
        w += t->g[i++].w;
    while (i > a && t->g[i - 1].brk)
        i--;
    return i;
}

static int pdf_put_run(pdf_fonts *f, pdf_text *t, HPDF_Page page, size_t a, size_t b, int font,
                       float x, float size)
{
    size_t need = (b - a) * 3 + 1, n = 0, i;

    if (need > t->utf8_cap) {
        char *p = realloc(t->utf8, need);
        if (!p)
            return -1;
        t->utf8 = p;
        t->utf8_cap = need;
    }
    for (i = a; i < b; i++)
        n += (size_t)ferry_utf8_encode(t->g[i].cp, t->utf8 + n);
    t->utf8[n] = '\0';
    HPDF_Page_SetFontAndSize(page, f->font[font], size);
    HPDF_Page_MoveTextPos(page, x, 0);
    HPDF_Page_ShowText(page, t->utf8);
    HPDF_Page_MoveTextPos(page, -x, 0);
    return 0;
}

int pdf_text_draw(pdf_fonts *f, pdf_text *t, HPDF_Page page, size_t a, size_t b, float x, float y,
                  float size, int ellipsis)
{
    size_t i = a;
    float dx = 0;
    int rc = 0;

    HPDF_Page_BeginText(page);
    HPDF_Page_MoveTextPos(page, x, y);
    while (i < b && rc == 0) {
        size_t j = i + 1;
        int font = t->g[i].font;
        while (j < b && t->g[j].font == font)
            j++;
        rc = pdf_put_run(f, t, page, i, j, font, dx, size);
        dx += pdf_text_width(t, i, j, size);
        i = j;
    }
    if (ellipsis && rc == 0) {
        char e[4] = {0};
        ferry_utf8_encode(PDF_ELLIPSIS, e);
        HPDF_Page_SetFontAndSize(page, f->font[pdf_font_for(f, PDF_ELLIPSIS)], size);
        HPDF_Page_MoveTextPos(page, dx, 0);
        HPDF_Page_ShowText(page, e);
    }
    HPDF_Page_EndText(page);
    return rc;
}
