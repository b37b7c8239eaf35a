/*
 * pdf_text.c — UTF-8 text with a primary and fallback TrueType fonts in
 * libharu, right-to-left text through GNU FriBidi; see pdf_text.h.
 *
 * Glyph presence comes from the font's own cmap, through libharu's
 * TrueType font definition (HPDF_TTFontDef_GetGlyphid: glyph 0 is
 * .notdef, "no glyph").
 *
 * libharu 2.3 gives its UTF-8 fonts a ToUnicode stream that is its
 * encoding CMap (a `begincidrange`, which a ToUnicode CMap may not hold:
 * pdftotext warns on every file). Its codes are the characters themselves
 * (Identity-H, CID = Unicode), so pdf_fix_tounicode rewrites that stream
 * as identity `bfrange`s over the Basic Multilingual Plane.
 */
#include "regfile.h"
#include "pdf_text.h"
#include "pdf_marks.h"

#include <fribidi.h>
#include <hpdf_objects.h>
#include <hpdf_streams.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "utf8.h"

#define PDF_ELLIPSIS 0x2026
#define PDF_REPLACE  0xFFFD

static const char tounicode_head[] =
    "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
    "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
    "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
static const char tounicode_tail[] = "endcmap\nCMapName currentdict /CMap defineresource pop\n"
                                     "end\nend\n";

/* Replaces the font's ToUnicode stream by identity ranges (CID = code
 * point), skipping the surrogates; at most 100 ranges a block. */
static int pdf_fix_tounicode(HPDF_Font font)
{
    HPDF_Dict tu = HPDF_Dict_GetItem(font, "ToUnicode", HPDF_OCLASS_DICT);
    char line[64];
    int hi, in_block = 0;

    if (!tu || !tu->stream)
        return -1;
    HPDF_MemStream_FreeData(tu->stream);
    HPDF_Dict_RemoveElement(tu, "CMapName");
    HPDF_Dict_RemoveElement(tu, "CIDSystemInfo");
    HPDF_Dict_RemoveElement(tu, "Type");
    HPDF_Stream_WriteStr(tu->stream, tounicode_head);
    for (hi = 0; hi < 256; hi++) {
        if (hi >= 0xD8 && hi <= 0xDF)
            continue;
        if (in_block == 0) {
            int left = 0, h;
            for (h = hi; h < 256 && left < 100; h++)
                left += !(h >= 0xD8 && h <= 0xDF);
            snprintf(line, sizeof line, "%d beginbfrange\n", left);
            HPDF_Stream_WriteStr(tu->stream, line);
        }
        snprintf(line, sizeof line, "<%02X00> <%02XFF> <%02X00>\n", hi, hi, hi);
        HPDF_Stream_WriteStr(tu->stream, line);
        if (++in_block == 100 || hi == 255) {
            HPDF_Stream_WriteStr(tu->stream, "endbfrange\n");
            in_block = 0;
        }
    }
    return HPDF_Stream_WriteStr(tu->stream, tounicode_tail) == HPDF_OK ? 0 : -1;
}

/* Loads the definition of font `which` (libharu parses the file's tables
 * and keeps it open: its cmap, widths, glyphs), which is enough to know
 * its characters and measure them; nothing of it is in the document yet. */
static int pdf_load_def(pdf_fonts *f, int which, const char *path, char *err, size_t errlen)
{
    const char *name;
    char why[128];
    FILE *probe = fr_fopen_regular(path, why, sizeof why);

    if (!probe) {
        snprintf(err, errlen, "cannot read the font file %s: %s", path, why);
        return -1;
    }
    fclose(probe);
    name = HPDF_LoadTTFontFromFile(f->pdf, path, HPDF_TRUE);
    if (!name || !(f->def[which] = HPDF_GetFontDef(f->pdf, name))) {
        snprintf(err, errlen, "libharu cannot load the TrueType font %s (error 0x%04X)", path,
                 (unsigned)HPDF_GetError(f->pdf));
        HPDF_ResetError(f->pdf);
        return -1;
    }
    f->name[which] = name;
    return 0;
}

/* Makes font `which` (its definition loaded) a font of the document, with
 * UTF-8 codes: from here on it is written into the PDF and embedded (the
 * glyphs measured in it). Done when a glyph is first drawn in it. */
static int pdf_use_font(pdf_fonts *f, int which, char *err, size_t errlen)
{
    if (f->font[which])
        return 0;
    f->font[which] = HPDF_GetFont(f->pdf, f->name[which], "UTF-8");
    if (!f->font[which] || pdf_fix_tounicode(f->font[which]) < 0) {
        snprintf(err, errlen, "libharu cannot use the font %s with UTF-8 (error 0x%04X)",
                 f->path[which] ? f->path[which] : f->name[which], (unsigned)HPDF_GetError(f->pdf));
        HPDF_ResetError(f->pdf);
        f->font[which] = NULL;
        f->def[which] = NULL; /* not to be chosen again */
        return -1;
    }
    return 0;
}

int pdf_fonts_init(pdf_fonts *f, HPDF_Doc pdf, const char *primary_path,
                   const char *const *fallbacks, size_t nfallbacks, char *err, size_t errlen)
{
    size_t i;

    memset(f, 0, sizeof *f);
    f->pdf = pdf;
    f->nfonts = PDF_FONT_PRIMARY + 1;
    for (i = 0; i < nfallbacks && f->nfonts < PDF_NFONTS; i++)
        if (fallbacks[i] && fallbacks[i][0])
            f->path[f->nfonts++] = fallbacks[i];
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
    if (pdf_load_def(f, PDF_FONT_PRIMARY, primary_path, err, errlen) < 0)
        return -1;
    return pdf_use_font(f, PDF_FONT_PRIMARY, err, errlen);
}

void pdf_fonts_free(pdf_fonts *f)
{
    if (!f)
        return;
    free(f->which);
    free(f->width);
    pdf_outline_free(f->outline);
    f->which = NULL;
    f->width = NULL;
    f->outline = NULL;
}

/* Whether font k (its definition loaded on first need) has a glyph for
 * cp. */
static int pdf_font_has(pdf_fonts *f, int k, uint16_t cp)
{
    if (!f->tried[k] && f->path[k] && !f->def[k]) {
        char err[512];
        f->tried[k] = 1;
        (void)pdf_load_def(f, k, f->path[k], err, sizeof err); /* a missing font: not used */
    }
    return f->def[k] && HPDF_TTFontDef_GetGlyphid(f->def[k], cp) != 0;
}

/* The font that draws cp (PDF_FONT_NONE: none has it), cached; in the
 * document from then on. */
static int pdf_font_for(pdf_fonts *f, uint16_t cp)
{
    char err[512];
    int k;

    if (f->which[cp])
        return f->which[cp];
    for (k = PDF_FONT_PRIMARY; k < f->nfonts; k++)
        if (pdf_font_has(f, k, cp) && pdf_use_font(f, k, err, sizeof err) == 0)
            break;
    if (k == f->nfonts)
        k = PDF_FONT_NONE;
    f->which[cp] = (uint8_t)k;
    return k;
}

/* The font that draws the ellipsis: the primary one if none has it. */
static int pdf_ellipsis_font(pdf_fonts *f)
{
    int k = pdf_font_for(f, PDF_ELLIPSIS);
    return k == PDF_FONT_NONE ? PDF_FONT_PRIMARY : k;
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

/* The advance of a space drawn in font k (in a run of that font's
 * characters), which is that font's own: a fallback's space is narrower
 * than the primary's. Measured once a font (libharu embeds only the glyphs
 * it measured). */
static float pdf_space(pdf_fonts *f, int k)
{
    if (!(f->spaced & (1u << k))) {
        HPDF_INT w = HPDF_Font_GetUnicodeWidth(f->font[k], ' ');
        f->space_w[k] = (float)(w < 0 ? 0 : w);
        f->spaced |= 1u << k;
    }
    return f->space_w[k];
}

static int pdf_text_reserve(pdf_text *t, size_t n)
{
    if (n > t->cap) {
        pdf_glyph *g = realloc(t->g, n * sizeof *g);
        if (!g)
            return -1;
        t->g = g;
        t->cap = n;
    }
    if (n > t->u32_cap) {
        uint32_t *u = realloc(t->u32, n * 4 * sizeof *u); /* FriBidi needs four arrays */
        if (!u)
            return -1;
        t->u32 = u;
        t->u32_cap = n;
    }
    return 0;
}

static int pdf_is_rtl_char(uint32_t cp)
{
    return (cp >= 0x0590 && cp <= 0x08FF) || (cp >= 0xFB1D && cp <= 0xFDFF) ||
           (cp >= 0xFE70 && cp <= 0xFEFC) || cp == 0x200F || cp == 0x202B || cp == 0x202E ||
           cp == 0x2067;
}

/* Characters that belong to an emoji cluster after its first character. */
static int pdf_cluster_tail(uint32_t cp, int after_zwj)
{
    return cp == 0x200D || cp == 0xFE0E || cp == 0xFE0F || cp == 0x20E3 ||
           (cp >= 0x1F3FB && cp <= 0x1F3FF) || (cp >= 0xE0020 && cp <= 0xE007F) ||
           (after_zwj && cp > 0xFFFF);
}

/* A mandatory line break of Unicode (UAX #14 classes BK, CR, LF, NL):
 * LF, VT, FF, CR, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR. */
static int pdf_is_newline(uint32_t cp)
{
    return (cp >= '\n' && cp <= '\r') || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

/* The character a control (or a line break) becomes, and whether it is
 * counted: a tab is a space, a line break is a newline (or a space),
 * others are their Control Pictures (C0, DEL) or U+FFFD (C1). */
static uint32_t pdf_control(uint32_t cp, int keep_newlines, uint8_t *brk, int *counted)
{
    *counted = 0;
    if (cp == '\t' || (pdf_is_newline(cp) && !keep_newlines)) {
        *brk = 1;
        return ' ';
    }
    if (pdf_is_newline(cp)) {
        *brk = 2;
        return '\n';
    }
    *counted = 1;
    return cp < 0x20 ? 0x2400 + cp : cp == 0x7F ? 0x2421 : PDF_REPLACE;
}

/* Decodes s into t->g[].cp/brk (logical order), counting issues; sets
 * *rtl when a right-to-left character is present. */
static void pdf_decode(pdf_text *t, const char *s, size_t len, int keep_newlines, int *rtl)
{
    size_t i = 0;
    int in_cluster = 0, after_zwj = 0;

    while (i < len) {
        uint32_t cp;
        int k = ferry_utf8_decode(s + i, len - i, &cp), counted;
        pdf_glyph *g;
        if (k <= 0) {
            cp = PDF_REPLACE;
            t->issues.invalid++;
            k = k < 0 ? -k : 1;
        }
        i += (size_t)k;
        if (in_cluster && pdf_cluster_tail(cp, after_zwj)) {
            after_zwj = cp == 0x200D;
            continue; /* the rest of a replaced emoji */
        }
        in_cluster = after_zwj = 0;
        if (cp == '\r' && i < len && s[i] == '\n')
            continue; /* "\r\n": one break, at the '\n' */
        g = &t->g[t->n++];
        memset(g, 0, sizeof *g);
        if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0x2028 || cp == 0x2029) {
            cp = pdf_control(cp, keep_newlines, &g->brk, &counted);
            t->issues.control += (uint32_t)counted;
        } else if (cp > 0xFFFF) {
            if (t->issues.missing++ == 0)
                t->issues.missing_cp = cp;
            cp = PDF_REPLACE;
            in_cluster = 1;
        }
        if (cp == ' ')
            g->brk = 1;
        g->digit = cp >= '0' && cp <= '9';
        g->cp = (uint16_t)cp;
        *rtl |= pdf_is_rtl_char(cp);
    }
}

/* FriBidi on glyphs [a, b), one paragraph: levels, Arabic joining and
 * shaping (presentation forms, lam-alef ligatures whose second character
 * becomes a zero-width filler, not drawn), mirroring. Returns the
 * paragraph's base direction: 1 right-to-left. */
static int pdf_bidi_paragraph(pdf_text *t, size_t a, size_t b)
{
    FriBidiStrIndex n = (FriBidiStrIndex)(b - a), i;
    FriBidiChar *str = t->u32;
    FriBidiCharType *types = (FriBidiCharType *)(t->u32 + t->u32_cap);
    FriBidiBracketType *btypes = (FriBidiBracketType *)(t->u32 + 2 * t->u32_cap);
    FriBidiLevel *levels = (FriBidiLevel *)(t->u32 + 3 * t->u32_cap);
    FriBidiArabicProp *jtypes = (FriBidiArabicProp *)(levels + n);
    FriBidiParType base = FRIBIDI_PAR_ON;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++)
        str[i] = t->g[a + (size_t)i].cp;
    fribidi_get_bidi_types(str, n, types);
    fribidi_get_bracket_types(str, n, types, btypes);
    if (!fribidi_get_par_embedding_levels_ex(types, btypes, n, &base, levels))
        return 0;
    fribidi_get_joining_types(str, n, jtypes);
    fribidi_join_arabic(types, n, levels, jtypes);
    fribidi_shape(FRIBIDI_FLAGS_DEFAULT | FRIBIDI_FLAGS_ARABIC, levels, n, jtypes, str);
    for (i = 0; i < n; i++) {
        pdf_glyph *g = &t->g[a + (size_t)i];
        if (str[i] == FRIBIDI_CHAR_FILL && g->cp != FRIBIDI_CHAR_FILL)
            g->brk = 3;
        g->cp = str[i] <= 0xFFFF ? (uint16_t)str[i] : PDF_REPLACE;
        g->level = (uint8_t)levels[i];
        t->bidi |= g->level != 0;
    }
    return FRIBIDI_IS_RTL(base) ? 1 : 0;
}

static void pdf_bidi(pdf_text *t)
{
    size_t a = 0, i;
    int first = 1;

    for (i = 0; i <= t->n; i++)
        if (i == t->n || t->g[i].brk == 2) {
            int rtl = pdf_bidi_paragraph(t, a, i);
            if (first)
                t->rtl = rtl;
            first = 0;
            a = i + 1;
        }
}

/* Glyph i, a nonspacing mark: drawn in its base's font where that font
 * has it (else in the first that has it), at its base's bidi level, with
 * no advance; with no base (at the start of a text or line) over a
 * space's advance. Returns -1 when no font has it (then it is drawn as
 * U+FFFD, as any character no font has). */
static int pdf_shape_mark(pdf_fonts *f, pdf_text *t, size_t i)
{
    pdf_glyph *g = &t->g[i];
    const pdf_glyph *base = NULL;
    size_t b = i;
    int k;

    while (b > 0 && pdf_attached(&t->g[b - 1]))
        b--;
    if (b > 0 && t->g[b - 1].brk != 2)
        base = &t->g[b - 1];
    k = base && pdf_font_has(f, base->font, g->cp) ? base->font : pdf_font_for(f, g->cp);
    if (k == PDF_FONT_NONE)
        return -1;
    (void)HPDF_Font_GetUnicodeWidth(f->font[k], g->cp); /* libharu embeds what it measured */
    g->font = (uint8_t)k;
    g->mark = base ? 1 : 2;
    g->w = base ? 0.0f : pdf_space(f, k);
    if (base)
        g->level = base->level;
    return 0;
}

int pdf_text_shape(pdf_fonts *f, pdf_text *t, const char *s, size_t len, int keep_newlines)
{
    size_t i;
    int prev_font = PDF_FONT_PRIMARY, rtl = 0;

    t->n = 0;
    t->rtl = t->bidi = t->marks = 0;
    memset(&t->issues, 0, sizeof t->issues);
    if (pdf_text_reserve(t, len + 1) < 0)
        return -1;
    pdf_decode(t, s, len, keep_newlines, &rtl);
    if (rtl)
        pdf_bidi(t);
    for (i = 0; i < t->n; i++) {
        pdf_glyph *g = &t->g[i];
        if (g->brk == 2 || g->brk == 3) {
            g->font = (uint8_t)prev_font;
            continue;
        }
        if (g->brk == 1) {
            g->font = (uint8_t)prev_font; /* spaces join the run they are in */
            g->w = pdf_space(f, prev_font);
            continue;
        }
        if (pdf_is_mark(g->cp) && pdf_shape_mark(f, t, i) == 0) {
            t->marks = 1;
            continue;
        }
        g->font = (uint8_t)pdf_font_for(f, g->cp);
        if (g->font == PDF_FONT_NONE) {
            if (t->issues.missing++ == 0)
                t->issues.missing_cp = g->cp;
            g->cp = PDF_REPLACE;
            g->font = PDF_FONT_PRIMARY;
        }
        g->w = pdf_advance(f, g->cp, g->font);
        prev_font = g->font;
    }
    if (t->marks)
        pdf_marks_place(f, t);
    return 0;
}

void pdf_text_free(pdf_text *t)
{
    if (!t)
        return;
    free(t->g);
    free(t->codes);
    free(t->u32);
    memset(t, 0, sizeof *t);
}

float pdf_text_width(const pdf_text *t, size_t a, size_t b, float size)
{
    float w = 0;

    for (; a < b; a++)
        w += t->g[a].w;
    return w * size / 1000.0f;
}

/* Where a line that must break inside the word ending at glyph i (which
 * does not fit) breaks: before i, moved back out of a run of digits when
 * the word has other glyphs before that run. */
static size_t pdf_word_break(const pdf_text *t, size_t a, size_t i)
{
    size_t j = i;

    if (!(t->g[i].digit && i > a && t->g[i - 1].digit))
        return i;
    while (j > a && t->g[j - 1].digit)
        j--;
    return j > a ? j : i;
}

/* Whether glyph i is a space a line may break at: not one a mark is over. */
static int pdf_breaks(const pdf_text *t, size_t i)
{
    return t->g[i].brk == 1 && !(i + 1 < t->n && t->g[i + 1].mark == 1);
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
        if (pdf_breaks(t, i))
            last_space = i;
        if (w + g->w > limit && i > a) {
            if (last_space != (size_t)-1 && last_space > a) {
                *end = last_space;
                *next = last_space + 1;
            } else {
                *end = *next = pdf_word_break(t, a, i);
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
    while (*next < t->n && pdf_breaks(t, *next))
        (*next)++;
}

size_t pdf_text_fit_ellipsis(pdf_fonts *f, const pdf_text *t, size_t a, size_t b, float width,
                             float size)
{
    float limit = width * 1000.0f / size, w;
    size_t i = a;

    w = pdf_advance(f, PDF_ELLIPSIS, pdf_ellipsis_font(f));
    while (i < b && w + t->g[i].w <= limit)
        w += t->g[i++].w;
    while (i > a && t->g[i - 1].brk)
        i--;
    return i;
}

/* The visual order of glyphs [a, b) into t->u32 (rule L2 of the Unicode
 * bidi algorithm: from the highest level down to the lowest odd one,
 * reverse every run at that level or higher). */
static uint32_t *pdf_visual(pdf_text *t, size_t a, size_t b)
{
    uint32_t *map = t->u32;
    size_t n = b - a, i, j;
    int hi = 0, lo_odd = 255, lv;

    for (i = 0; i < n; i++) {
        int l = t->g[a + i].level;
        map[i] = (uint32_t)(a + i);
        hi = l > hi ? l : hi;
        if ((l & 1) && l < lo_odd)
            lo_odd = l;
    }
    for (lv = hi; lv >= lo_odd && lv > 0; lv--)
        for (i = 0; i < n; i = j) {
            size_t x, y;
            for (; i < n && t->g[map[i]].level < lv; i++)
                ;
            for (j = i; j < n && t->g[map[j]].level >= lv; j++)
                ;
            for (x = i, y = j; x + 1 < y; x++, y--) {
                uint32_t tmp = map[x];
                map[x] = map[y - 1];
                map[y - 1] = tmp;
            }
        }
    return map;
}

/* Draws the glyphs map[a..b) (one font) at (x, y); skipped glyphs (brk
 * 3) left out. */
static int pdf_put_run(pdf_fonts *f, pdf_text *t, pdf_content *c, const uint32_t *map, size_t a,
                       size_t b, int font, float x, float y, float size)
{
    size_t n = 0, i;

    if (b - a > t->codes_cap) {
        uint16_t *p = realloc(t->codes, (b - a) * sizeof *p);
        if (!p)
            return -1;
        t->codes = p;
        t->codes_cap = b - a;
    }
    for (i = a; i < b; i++) {
        const pdf_glyph *g = &t->g[map ? map[i] : i];
        if (g->brk != 3)
            t->codes[n++] = g->cp;
    }
    if (n == 0)
        return 0;
    pdf_content_font(c, f->font[font], size);
    pdf_content_move(c, x, y);
    pdf_content_show(c, t->codes, n);
    return 0;
}

/* A line being drawn: its glyphs' visual order (NULL: logical), start,
 * baseline and font size. */
typedef struct pdf_pen {
    const uint32_t *map;
    float x, y, size;
} pdf_pen;

/* The name of mark g's form XObject (its outline, made on first use) in
 * name[16], or NULL when there is none (no page's resources yet, or the
 * glyph's outline cannot be read). */
static const char *pdf_mark_form(pdf_fonts *f, const pdf_glyph *g, char *name)
{
    HPDF_Dict forms =
        f->resources ? HPDF_Dict_GetItem(f->resources, "XObject", HPDF_OCLASS_DICT) : NULL;

    snprintf(name, 16, "M%u_%04X", (unsigned)g->font, (unsigned)g->cp);
    if (forms && HPDF_Dict_GetItem(forms, name, HPDF_OCLASS_DICT))
        return name;
    if (!f->resources || pdf_outline_load(&f->outline, f->def[g->font], g->cp) < 0 ||
        pdf_outline_form(f->outline, f->pdf, f->resources, f->def[g->font], name) < 0)
        return NULL;
    return name;
}

/* Draws mark g, at `at` (its base's origin, or its own) moved by its
 * place: its text where the pen is (its advance ending at `pen`), where
 * text extraction expects it, invisible when its outline can be drawn
 * (by the outline pass, `outline`: then only that, as a form XObject). */
static void pdf_put_mark(pdf_fonts *f, pdf_content *c, const pdf_glyph *g, const pdf_pen *p,
                         float at, float pen, int outline)
{
    float k = p->size / 1000.0f;
    char name[16];
    const char *form = pdf_mark_form(f, g, name);

    if (outline) {
        if (form)
            pdf_content_form(c, form, at + g->dx * k, p->y + g->dy * k, p->size);
        return;
    }
    pdf_content_font(c, f->font[g->font], p->size);
    pdf_content_move(c, pen, p->y);
    if (form) /* advance about 0: the next text starts at the pen */
        pdf_content_show_hidden(c, &g->cp, 1,
                                HPDF_Font_GetUnicodeWidth(f->font[g->font], g->cp) > 0);
    else
        pdf_content_show(c, &g->cp, 1);
}

/* The end of the run of glyphs [i, ...) of map (or t->g) in one font and
 * no mark, before b; *w its advance and *last that of its glyphs before
 * the last drawn one (where a mark after the run has its base). */
static size_t pdf_run(const pdf_text *t, const uint32_t *map, size_t i, size_t b, float *w,
                      float *last)
{
    int font = t->g[map ? map[i] : i].font;

    *w = *last = 0;
    for (; i < b; i++) {
        const pdf_glyph *g = &t->g[map ? map[i] : i];
        if (g->mark || g->font != font)
            break;
        if (g->brk != 3)
            *last = *w;
        *w += g->w;
    }
    return i;
}

/* One pass over glyphs [i, b) of a line: their text (runs, and the marks'
 * text) or, with `outlines`, the marks' outlines only. Sets *end to the
 * line's advance (points). Returns 0 or -1 (memory). */
static int pdf_draw_pass(pdf_fonts *f, pdf_text *t, pdf_content *c, const pdf_pen *p, size_t i,
                         size_t b, int outlines, float *end)
{
    float dx = 0, base = 0, k = p->size / 1000.0f; /* base: where the last base was drawn */
    int rc = 0;

    while (i < b && rc == 0) {
        const pdf_glyph *g = &t->g[p->map ? p->map[i] : i];
        float w, last;
        size_t j;
        if (g->mark) {
            /* Right to left, a mark comes before its base (which is where
             * the pen is: marks take no advance); left to right, after. */
            float at = g->mark == 2 || (g->level & 1) ? dx : base;
            pdf_put_mark(f, c, g, p, p->x + at, p->x + dx + g->w * k, outlines);
            base = g->mark == 2 ? dx : base;
            dx += g->w * k;
            i++;
            continue;
        }
        j = pdf_run(t, p->map, i, b, &w, &last);
        if (!outlines)
            rc = pdf_put_run(f, t, c, p->map, i, j, g->font, p->x + dx, p->y, p->size);
        base = dx + last * k;
        dx += w * k;
        i = j;
    }
    *end = dx;
    return rc;
}

int pdf_text_draw(pdf_fonts *f, pdf_text *t, pdf_content *c, size_t a, size_t b, float x, float y,
                  float size, int ellipsis)
{
    pdf_pen p = {NULL, x, y, size};
    size_t i;
    float dx = 0;
    int rc, marks = 0;

    if (t->bidi && b > a) {
        p.map = pdf_visual(t, a, b);
        b -= a;
        a = 0;
    }
    for (i = a; i < b && t->marks && !marks; i++)
        marks = t->g[p.map ? p.map[i] : i].mark != 0;
    rc = pdf_draw_pass(f, t, c, &p, a, b, 0, &dx);
    if (ellipsis && rc == 0) {
        static const uint16_t e = PDF_ELLIPSIS;
        pdf_content_font(c, f->font[pdf_ellipsis_font(f)], size);
        pdf_content_move(c, x + dx, y);
        pdf_content_show(c, &e, 1);
    }
    if (marks && rc == 0) /* after the line's text object: paths end one */
        rc = pdf_draw_pass(f, t, c, &p, a, b, 1, &dx);
    return rc;
}
