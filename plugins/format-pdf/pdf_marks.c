/*
 * pdf_marks.c — nonspacing marks placed over their base by the glyphs'
 * boxes; see pdf_marks.h.
 *
 * A glyph's box comes from the font's glyf table through libharu
 * (HPDF_TTFontDef_GetCharBBox, which reads it from the font file libharu
 * keeps open to embed it); a glyph with no outline (a space) is seen in
 * the loca table (libharu's TrueType font attributes, hpdf_fontdef.h),
 * where its offset equals the next glyph's.
 */
#include "pdf_marks.h"

#include <fribidi.h>

#define PDF_MARK_GAP   50   /* 1/1000 em between a mark and what it is moved clear of, … */
#define PDF_MARK_TOUCH 50   /* … when it runs into it by more than this (less: by design) */
#define PDF_MARK_ABOVE 250  /* a mark whose ink starts this high is above its base */
#define PDF_MARK_BELOW 50   /* one whose ink ends this low is below it */
#define PDF_MARK_REACH 1000 /* marks are moved at most 1 em (a tower of marks stays near) */
#define PDF_BOX_LIMIT  10000
#define PDF_SHADDA     0x0651
#define PDF_DOTLESS_I  0x0131

enum { PDF_CENTRE = 0, PDF_LEFT = 1, PDF_RIGHT = 2, PDF_KEEP = 4 };

/*
 * The marks of the Basic Multilingual Plane placed otherwise than centred
 * and moved clear of their base, by their canonical combining class
 * (UnicodeData.txt, Unicode 14), grouped as HarfBuzz's fallback mark
 * positioning groups them (hb-ot-shape-fallback.cc): above or below left
 * (228, 218; Hebrew holam 19, sin dot 25) align with the base's left edge;
 * above or below right (232, 222; Hebrew shin dot 24; Thai sara u 103,
 * tone marks 107) and attached above right (216) with its right edge;
 * overlays (1), nuktas (7), kana voicing marks (8), the dagesh (21),
 * attached marks (202, 214, 216) and enclosing marks (general category Me)
 * keep the height their font gives them. Every other mark is centred, and
 * is above or below its base by its glyph's box. tests/formats/
 * pdf_marks_test.py checks this table against Python's unicodedata.
 */
static const struct {
    uint16_t lo, hi;
    uint8_t how;
} pdf_mark_how[] = {
    {0x0315, 0x0315, PDF_RIGHT},
    {0x031A, 0x031A, PDF_RIGHT},
    {0x031B, 0x031B, PDF_RIGHT | PDF_KEEP},
    {0x0321, 0x0322, PDF_KEEP},
    {0x0327, 0x0328, PDF_KEEP},
    {0x0334, 0x0338, PDF_KEEP},
    {0x0358, 0x0358, PDF_RIGHT},
    {0x0488, 0x0489, PDF_KEEP},
    {0x059A, 0x059A, PDF_RIGHT},
    {0x05AD, 0x05AD, PDF_RIGHT},
    {0x05AE, 0x05AE, PDF_LEFT},
    {0x05B9, 0x05BA, PDF_LEFT},
    {0x05BC, 0x05BC, PDF_KEEP},
    {0x05C1, 0x05C1, PDF_RIGHT},
    {0x05C2, 0x05C2, PDF_LEFT},
    {0x093C, 0x093C, PDF_KEEP},
    {0x09BC, 0x09BC, PDF_KEEP},
    {0x0A3C, 0x0A3C, PDF_KEEP},
    {0x0ABC, 0x0ABC, PDF_KEEP},
    {0x0B3C, 0x0B3C, PDF_KEEP},
    {0x0C3C, 0x0C3C, PDF_KEEP},
    {0x0CBC, 0x0CBC, PDF_KEEP},
    {0x0E38, 0x0E39, PDF_RIGHT},
    {0x0E48, 0x0E4B, PDF_RIGHT},
    {0x0F39, 0x0F39, PDF_RIGHT | PDF_KEEP},
    {0x1037, 0x1037, PDF_KEEP},
    {0x18A9, 0x18A9, PDF_LEFT},
    {0x1939, 0x1939, PDF_RIGHT},
    {0x1ABE, 0x1ABE, PDF_KEEP},
    {0x1B34, 0x1B34, PDF_KEEP},
    {0x1BE6, 0x1BE6, PDF_KEEP},
    {0x1C37, 0x1C37, PDF_KEEP},
    {0x1CD4, 0x1CD4, PDF_KEEP},
    {0x1CE2, 0x1CE8, PDF_KEEP},
    {0x1DCE, 0x1DCE, PDF_KEEP},
    {0x1DD0, 0x1DD0, PDF_KEEP},
    {0x1DF6, 0x1DF6, PDF_RIGHT},
    {0x1DF7, 0x1DF8, PDF_LEFT},
    {0x1DFA, 0x1DFA, PDF_LEFT},
    {0x20D2, 0x20D3, PDF_KEEP},
    {0x20D8, 0x20DA, PDF_KEEP},
    {0x20DD, 0x20E0, PDF_KEEP},
    {0x20E2, 0x20E6, PDF_KEEP},
    {0x20EA, 0x20EB, PDF_KEEP},
    {0x302A, 0x302B, PDF_LEFT},
    {0x302C, 0x302D, PDF_RIGHT},
    {0x3099, 0x309A, PDF_RIGHT | PDF_KEEP},
    {0xA670, 0xA672, PDF_KEEP},
    {0xA9B3, 0xA9B3, PDF_KEEP},
};

int pdf_is_mark(uint32_t cp)
{
    return cp >= 0x0300 && fribidi_get_bidi_type(cp) == FRIBIDI_TYPE_NSM; /* none before */
}

/* How mark cp is placed: PDF_CENTRE, or PDF_LEFT / PDF_RIGHT and PDF_KEEP. */
static int pdf_mark_kind(uint16_t cp)
{
    size_t lo = 0, hi = sizeof pdf_mark_how / sizeof pdf_mark_how[0];

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < pdf_mark_how[mid].lo)
            hi = mid;
        else if (cp > pdf_mark_how[mid].hi)
            lo = mid + 1;
        else
            return pdf_mark_how[mid].how;
    }
    return PDF_CENTRE;
}

static int16_t pdf_clamp16(HPDF_REAL v)
{
    return (int16_t)(v > PDF_BOX_LIMIT ? PDF_BOX_LIMIT : v < -PDF_BOX_LIMIT ? -PDF_BOX_LIMIT : v);
}

/* The box of cp's glyph in a font (all 0: none, or no outline). */
static pdf_box pdf_read_box(HPDF_FontDef def, uint16_t cp)
{
    HPDF_TTFontDefAttr attr = (HPDF_TTFontDefAttr)def->attr;
    HPDF_UINT16 gid = HPDF_TTFontDef_GetGlyphid(def, cp);
    pdf_box b = {0, 0, 0, 0};
    HPDF_Box r;

    if (gid == 0 || gid >= attr->num_glyphs || !attr->stream ||
        attr->glyph_tbl.offsets[gid] == attr->glyph_tbl.offsets[gid + 1])
        return b;
    r = HPDF_TTFontDef_GetCharBBox(def, cp);
    b.x0 = pdf_clamp16(r.left);
    b.y0 = pdf_clamp16(r.bottom);
    b.x1 = pdf_clamp16(r.right);
    b.y1 = pdf_clamp16(r.top);
    return b;
}

/* The box of cp's glyph in font k, cached. */
static pdf_box pdf_glyph_box(pdf_fonts *f, int k, uint16_t cp)
{
    size_t slot = ((size_t)cp * PDF_NFONTS + (size_t)k) % PDF_BOX_CACHE;

    if (f->box[slot].font != k || f->box[slot].cp != cp) {
        f->box[slot].box = pdf_read_box(f->def[k], cp);
        f->box[slot].cp = cp;
        f->box[slot].font = (uint8_t)k;
    }
    return f->box[slot].box;
}

static int pdf_box_empty(pdf_box b)
{
    return b.x0 == b.x1 && b.y0 == b.y1;
}

static int pdf_reach(int v)
{
    return v > PDF_MARK_REACH ? PDF_MARK_REACH : v < -PDF_MARK_REACH ? -PDF_MARK_REACH : v;
}

/* The place of mark g over a base whose box is *bb, above whose ink (and
 * its marks so far) is *top and below it *bottom, which it updates. */
static void pdf_place_mark(pdf_fonts *f, pdf_glyph *g, const pdf_box *bb, int *top, int *bottom)
{
    pdf_box m = pdf_glyph_box(f, g->font, g->cp);
    int how = pdf_mark_kind(g->cp), dy = 0;

    if (pdf_box_empty(m))
        return;
    if (how & PDF_LEFT)
        g->dx = (int16_t)pdf_reach(bb->x0 - m.x0);
    else if (how & PDF_RIGHT)
        g->dx = (int16_t)pdf_reach(bb->x1 - m.x1);
    else
        g->dx = (int16_t)pdf_reach((bb->x0 + bb->x1 - m.x0 - m.x1) / 2);
    if (how & PDF_KEEP)
        return;
    if (m.y0 >= PDF_MARK_ABOVE) {
        if (m.y0 < *top - PDF_MARK_TOUCH)
            dy = pdf_reach(*top + PDF_MARK_GAP - m.y0);
        *top = m.y1 + dy;
    } else if (m.y1 <= PDF_MARK_BELOW) {
        if (m.y1 > *bottom + PDF_MARK_TOUCH)
            dy = pdf_reach(*bottom - PDF_MARK_GAP - m.y1);
        *bottom = m.y0 + dy;
    }
    g->dy = (int16_t)dy;
}

/* Unicode's soft-dotted letters (i, j and their kin) lose their dot under
 * a mark above (which then stands where it would over a dotless ı). */
static int pdf_soft_dotted(uint16_t cp)
{
    return cp == 'i' || cp == 'j' || cp == 0x012F || cp == 0x0249 || cp == 0x0268 || cp == 0x029D ||
           cp == 0x0456 || cp == 0x0458 || cp == 0x1E2D || cp == 0x1ECB;
}

/* Places the marks of glyphs (b, e) over base b, or a mark with no base
 * b and its marks over b's own advance. An Arabic shadda goes first, so
 * that a vowel sign with it is drawn above it. */
static void pdf_place_cluster(pdf_fonts *f, pdf_text *t, size_t b, size_t e)
{
    const pdf_glyph *base = &t->g[b];
    pdf_box bb = {0, 0, 0, 0};
    int top, bottom, pass;
    size_t i;

    if (base->mark != 2)
        bb = pdf_glyph_box(f, base->font, base->cp);
    if (pdf_box_empty(bb)) { /* a space, or no base: its advance */
        bb.x0 = bb.y0 = bb.y1 = 0;
        bb.x1 = (int16_t)base->w;
    }
    top = bb.y1;
    bottom = bb.y0;
    if (base->mark != 2 && pdf_soft_dotted(base->cp)) {
        pdf_box dotless = pdf_glyph_box(f, base->font, PDF_DOTLESS_I);
        top = pdf_box_empty(dotless) ? top : dotless.y1;
    }
    for (pass = 0; pass < 2; pass++)
        for (i = b; i < e; i++) {
            pdf_glyph *g = &t->g[i];
            if (g->mark && (g->cp == PDF_SHADDA) == (pass == 0))
                pdf_place_mark(f, g, &bb, &top, &bottom);
        }
}

void pdf_marks_place(pdf_fonts *f, pdf_text *t)
{
    size_t i = 0;

    while (i < t->n) {
        size_t e = i + 1;
        int marks = t->g[i].mark;
        while (e < t->n && pdf_attached(&t->g[e]))
            marks |= t->g[e++].mark;
        if (marks)
            pdf_place_cluster(f, t, i, e);
        i = e;
    }
}
