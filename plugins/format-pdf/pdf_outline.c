/*
 * pdf_outline.c — TrueType glyph outlines as PDF paths; see pdf_outline.h.
 *
 * The parse takes each glyph's bytes from a callback; a font's are read
 * from the font file libharu keeps open to embed it (HPDF_TTFontDefAttr:
 * its stream, the glyf table's offset and length, the loca offsets,
 * hpdf_fontdef.h), within the glyf table and the file. The glyf format is
 * the OpenType specification's: a header (contours, box); for a simple glyph the
 * contours' last points, instructions (skipped), flags (on curve, short
 * and same-or-positive x and y, repeat) and delta-coded coordinates; for a
 * composite glyph its components (glyph, offset, scale or 2x2 matrix),
 * drawn in turn, or moved so that a point of theirs lands on one of the
 * components before (points matched by number, not offsets). Consecutive
 * off-curve points imply an on-curve one between.
 */
#include "pdf_outline.h"

#include <hpdf_doc.h>

#include <stdlib.h>
#include <string.h>

/* A cursor over a glyph's bytes: reads past the end give 0 and set bad. */
typedef struct pdf_rd {
    const uint8_t *p;
    size_t n, i;
    int bad;
} pdf_rd;

/* One parse: the outline, where glyphs' bytes come from, how many were
 * read (composites of composites multiply them: 32 components 4 deep would
 * be a million reads). */
typedef struct pdf_parse {
    pdf_outline *o;
    pdf_glyph_fn get;
    void *arg;
    unsigned reads;
} pdf_parse;

static unsigned pdf_u8(pdf_rd *r)
{
    if (r->i >= r->n) {
        r->bad = 1;
        return 0;
    }
    return r->p[r->i++];
}

static unsigned pdf_u16(pdf_rd *r)
{
    unsigned hi = pdf_u8(r);
    return hi << 8 | pdf_u8(r);
}

static int pdf_s16(pdf_rd *r)
{
    unsigned v = pdf_u16(r);
    return v >= 0x8000 ? (int)v - 0x10000 : (int)v;
}

static float pdf_f2dot14(pdf_rd *r)
{
    return (float)pdf_s16(r) / 16384.0f;
}

long pdf_glyf_span(const uint32_t *loca, unsigned n, int shrt, uint64_t size, unsigned gid,
                   uint64_t *at)
{
    uint64_t m = shrt ? 2 : 1, a, b;

    if (gid >= n)
        return -1;
    a = loca[gid] * m;
    b = loca[gid + 1] * m;
    if (b < a || b > size || b - a > PDF_OUTLINE_BYTES)
        return -1;
    *at = a;
    return (long)(b - a);
}

/* One coordinate of each of n points (x: short 0x02, same 0x10; y: 0x04,
 * 0x20), delta-coded, into v. */
static void pdf_coords(pdf_rd *r, const uint8_t *flag, size_t n, float *v, unsigned shrt,
                       unsigned same)
{
    int at = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (flag[i] & shrt) {
            int d = (int)pdf_u8(r);
            at += flag[i] & same ? d : -d;
        } else if (!(flag[i] & same)) {
            at += pdf_s16(r);
        }
        v[i] = (float)at;
    }
}

/* A simple glyph of nc contours (header read) through matrix m. */
static int pdf_simple(pdf_outline *o, pdf_rd *r, int nc, const float m[6])
{
    size_t base = o->np, np = 0, i;

    if (o->nc + (size_t)nc > PDF_OUTLINE_CONTOURS)
        return -1;
    for (i = 0; i < (size_t)nc; i++) {
        size_t e = pdf_u16(r);
        if ((i > 0 && e + 1 <= np) || base + e >= PDF_OUTLINE_POINTS)
            return -1;
        np = e + 1;
        o->end[o->nc + i] = base + e;
    }
    r->i += pdf_u16(r); /* instructions */
    for (i = 0; i < np && !r->bad;) {
        unsigned f = pdf_u8(r), rep = f & 0x08 ? pdf_u8(r) : 0;
        do
            o->flag[base + i++] = (uint8_t)f;
        while (rep-- && i < np);
    }
    pdf_coords(r, o->flag + base, np, o->x + base, 0x02, 0x10);
    pdf_coords(r, o->flag + base, np, o->y + base, 0x04, 0x20);
    if (r->bad)
        return -1;
    for (i = base; i < base + np; i++) {
        float x = o->x[i], y = o->y[i];
        o->x[i] = m[0] * x + m[2] * y + m[4];
        o->y[i] = m[1] * x + m[3] * y + m[5];
        o->flag[i] &= 1; /* on curve */
    }
    o->np = base + np;
    o->nc += (size_t)nc;
    return 0;
}

static int pdf_glyph(pdf_parse *ps, unsigned gid, const float m[6], int depth);

/* A component of a composite glyph: its glyph, and its scale or matrix
 * with an offset (c), or the point numbers (p1 in the composite's points
 * so far, p2 in the component's own) that it is moved to match. */
typedef struct pdf_part {
    unsigned gid, p1, p2;
    int matched;
    float c[6];
} pdf_part;

/* Reads one component record into *pt; returns its flags. */
static unsigned pdf_component(pdf_rd *r, pdf_part *pt)
{
    unsigned flags = pdf_u16(r);
    float *c = pt->c;

    pt->gid = pdf_u16(r);
    pt->matched = !(flags & 0x02); /* point numbers, not an offset */
    pt->p1 = flags & 0x01 ? pdf_u16(r) : pdf_u8(r);
    pt->p2 = flags & 0x01 ? pdf_u16(r) : pdf_u8(r);
    c[4] = pt->matched ? 0 : (float)(flags & 0x01 ? (int16_t)pt->p1 : (int8_t)pt->p1);
    c[5] = pt->matched ? 0 : (float)(flags & 0x01 ? (int16_t)pt->p2 : (int8_t)pt->p2);
    c[0] = c[3] = 1;
    c[1] = c[2] = 0;
    if (flags & 0x08) {
        c[0] = c[3] = pdf_f2dot14(r);
    } else if (flags & 0x40) {
        c[0] = pdf_f2dot14(r);
        c[3] = pdf_f2dot14(r);
    } else if (flags & 0x80) {
        c[0] = pdf_f2dot14(r);
        c[1] = pdf_f2dot14(r);
        c[2] = pdf_f2dot14(r);
        c[3] = pdf_f2dot14(r);
    }
    return flags;
}

/* Moves the points [from, o->np) of a component so that its point from +
 * p2 lands on the composite's point base + p1 (both read before it).
 * Returns 0, or -1 when either is not there. */
static int pdf_match(pdf_outline *o, size_t base, size_t from, const pdf_part *pt)
{
    size_t a = base + pt->p1, b = from + pt->p2, i;
    float dx, dy;

    if (a >= from || b >= o->np)
        return -1;
    dx = o->x[a] - o->x[b];
    dy = o->y[a] - o->y[b];
    for (i = from; i < o->np; i++) {
        o->x[i] += dx;
        o->y[i] += dy;
    }
    return 0;
}

/* A composite glyph (header read) through matrix m: its components are
 * read first, as the next glyph's bytes replace these. */
static int pdf_composite(pdf_parse *ps, pdf_rd *r, const float m[6], int depth)
{
    pdf_part part[PDF_OUTLINE_PARTS];
    size_t n = 0, i, base = ps->o->np;
    unsigned flags;

    do
        flags = pdf_component(r, &part[n++]);
    while ((flags & 0x20) && n < PDF_OUTLINE_PARTS && !r->bad);
    if (r->bad || (flags & 0x20)) /* cut short, or more components than read */
        return -1;
    for (i = 0; i < n; i++) {
        const float *c = part[i].c;
        float mc[6] = {m[0] * c[0] + m[2] * c[1],        m[1] * c[0] + m[3] * c[1],
                       m[0] * c[2] + m[2] * c[3],        m[1] * c[2] + m[3] * c[3],
                       m[0] * c[4] + m[2] * c[5] + m[4], m[1] * c[4] + m[3] * c[5] + m[5]};
        size_t from = ps->o->np;
        if (pdf_glyph(ps, part[i].gid, mc, depth + 1) < 0 ||
            (part[i].matched && pdf_match(ps->o, base, from, &part[i]) < 0))
            return -1;
    }
    return 0;
}

/* Adds glyph gid's contours, through matrix m, to the outline. */
static int pdf_glyph(pdf_parse *ps, unsigned gid, const float m[6], int depth)
{
    const uint8_t *bytes = NULL;
    long len = depth > PDF_OUTLINE_DEPTH || ++ps->reads > PDF_OUTLINE_READS
                   ? -1
                   : ps->get(ps->arg, gid, &bytes);
    pdf_rd r = {bytes, 0, 0, 0};
    int nc;

    if (len <= 0)
        return (int)len; /* no outline: nothing to add */
    r.n = (size_t)len;
    nc = pdf_s16(&r);
    r.i += 8; /* the box */
    return nc >= 0 ? pdf_simple(ps->o, &r, nc, m) : pdf_composite(ps, &r, m, depth);
}

int pdf_outline_parse(pdf_outline **scratch, unsigned gid, pdf_glyph_fn get, void *arg)
{
    static const float identity[6] = {1, 0, 0, 1, 0, 0};
    pdf_parse ps = {*scratch, get, arg, 0};

    if (!ps.o && !(ps.o = *scratch = malloc(sizeof *ps.o)))
        return -1;
    ps.o->np = ps.o->nc = 0;
    if (pdf_glyph(&ps, gid, identity, 0) < 0) {
        ps.o->np = ps.o->nc = 0;
        return -1;
    }
    return 0;
}

/* A font's glyphs for pdf_outline_parse: read from the font file libharu
 * keeps open, into the outline's buffer. */
typedef struct pdf_font_glyphs {
    HPDF_TTFontDefAttr attr;
    uint8_t *buf;
    uint64_t size; /* the glyf table's bytes that are in the file */
} pdf_font_glyphs;

static long pdf_font_glyph(void *arg, unsigned gid, const uint8_t **bytes)
{
    pdf_font_glyphs *fg = arg;
    HPDF_TTFontDefAttr attr = fg->attr;
    uint64_t at;
    long len = pdf_glyf_span(attr->glyph_tbl.offsets, attr->num_glyphs,
                             attr->header.index_to_loc_format == 0, fg->size, gid, &at);
    HPDF_UINT got = (HPDF_UINT)len;

    *bytes = fg->buf;
    if (len <= 0)
        return len;
    if (HPDF_Stream_Seek(attr->stream, (HPDF_INT)(attr->glyph_tbl.base_offset + at),
                         HPDF_SEEK_SET) != HPDF_OK ||
        HPDF_Stream_Read(attr->stream, fg->buf, &got) != HPDF_OK || got != (HPDF_UINT)len) {
        HPDF_Error_Reset(attr->stream->error);
        return -1;
    }
    return len;
}

/* The bytes of the font's glyf table that its file holds: the table's
 * length, cut at the file's end; 0 when there is none. */
static uint64_t pdf_glyf_size(HPDF_TTFontDefAttr attr)
{
    uint64_t file = HPDF_Stream_Size(attr->stream), len = 0;
    unsigned i;

    HPDF_Error_Reset(attr->stream->error);
    for (i = 0; i < attr->offset_tbl.num_tables; i++)
        if (memcmp(attr->offset_tbl.table[i].tag, "glyf", 4) == 0)
            len = attr->offset_tbl.table[i].length;
    if (attr->glyph_tbl.base_offset >= file)
        return 0;
    return len < file - attr->glyph_tbl.base_offset ? len : file - attr->glyph_tbl.base_offset;
}

int pdf_outline_load(pdf_outline **scratch, HPDF_FontDef def, uint16_t cp)
{
    HPDF_TTFontDefAttr attr = (HPDF_TTFontDefAttr)def->attr;
    unsigned gid = HPDF_TTFontDef_GetGlyphid(def, cp);
    pdf_font_glyphs fg = {attr, NULL, 0};

    if (!*scratch && !(*scratch = malloc(sizeof **scratch)))
        return -1;
    (*scratch)->np = (*scratch)->nc = 0;
    if (gid == 0 || attr->header.units_per_em == 0 || !attr->stream)
        return -1;
    fg.buf = (*scratch)->buf;
    fg.size = pdf_glyf_size(attr);
    return pdf_outline_parse(scratch, gid, pdf_font_glyph, &fg);
}

/* The quadratic curve from (px, py) through control (qx, qy) to (x, y),
 * in glyph units, as a cubic one scaled by k[0] from origin (k[1], k[2]). */
static void pdf_quad(pdf_content *c, const float k[3], float px, float py, float qx, float qy,
                     float x, float y)
{
    float xy[6] = {px + 2 * (qx - px) / 3,
                   py + 2 * (qy - py) / 3,
                   x + 2 * (qx - x) / 3,
                   y + 2 * (qy - y) / 3,
                   x,
                   y};
    int i;

    for (i = 0; i < 6; i++)
        xy[i] = k[1 + i % 2] + xy[i] * k[0];
    pdf_content_path_curve(c, xy);
}

/* Draws contour [s, e] of o, scaled by k[0] from origin (k[1], k[2]).
 * Returns 1, or 0 for a contour of one point (nothing to fill). */
static int pdf_contour(pdf_content *c, const pdf_outline *o, size_t s, size_t e, const float k[3])
{
    size_t n = e - s + 1, i, j0 = 0;
    float sx, sy, px, py, qx = 0, qy = 0;
    int pending = 0;

    if (n < 2)
        return 0;
    if (o->flag[s]) { /* start on the first point, … */
        sx = o->x[s];
        sy = o->y[s];
        j0 = 1;
    } else if (o->flag[e]) { /* … or on the last, … */
        sx = o->x[e];
        sy = o->y[e];
        n--;
    } else { /* … or between two off-curve points */
        sx = (o->x[s] + o->x[e]) / 2;
        sy = (o->y[s] + o->y[e]) / 2;
    }
    pdf_content_path_move(c, k[1] + sx * k[0], k[2] + sy * k[0]);
    px = sx;
    py = sy;
    for (i = j0; i <= n; i++) { /* i == n: back to the start */
        float x = i == n ? sx : o->x[s + i], y = i == n ? sy : o->y[s + i];
        if (i < n && !o->flag[s + i]) {
            if (pending) { /* two off-curve points: the on-curve one between them */
                float mx = (qx + x) / 2, my = (qy + y) / 2;
                pdf_quad(c, k, px, py, qx, qy, mx, my);
                px = mx;
                py = my;
            }
            qx = x;
            qy = y;
            pending = 1;
            continue;
        }
        if (pending)
            pdf_quad(c, k, px, py, qx, qy, x, y);
        else
            pdf_content_path_line(c, k[1] + x * k[0], k[2] + y * k[0]);
        pending = 0;
        px = x;
        py = y;
    }
    return 1;
}

void pdf_outline_fill(const pdf_outline *o, pdf_content *c, unsigned units_per_em, float x, float y,
                      float size)
{
    float k[3] = {size / (float)units_per_em, x, y};
    size_t i, s = 0;
    int drawn = 0;

    for (i = 0; i < o->nc; i++) {
        drawn |= pdf_contour(c, o, s, o->end[i], k);
        s = o->end[i] + 1;
    }
    if (drawn) /* a fill needs a path: PDF readers warn of "h" with none */
        pdf_content_fill(c);
}

static int pdf_form_write(void *arg, const char *buf, size_t len)
{
    return HPDF_Stream_Write(arg, (const HPDF_BYTE *)buf, (HPDF_UINT)len) == HPDF_OK ? 0 : -1;
}

/* Adds the numbers v[0..n) to a new array `key` of dict d. */
static int pdf_form_array(HPDF_Doc pdf, HPDF_Dict d, const char *key, const float *v, size_t n)
{
    HPDF_Array a = HPDF_Array_New(pdf->mmgr);
    size_t i;

    if (!a || HPDF_Dict_Add(d, key, a) != HPDF_OK)
        return -1;
    for (i = 0; i < n; i++)
        if (HPDF_Array_AddReal(a, v[i]) != HPDF_OK)
            return -1;
    return 0;
}

int pdf_outline_form(const pdf_outline *o, HPDF_Doc pdf, HPDF_Dict resources, HPDF_FontDef def,
                     const char *name)
{
    HPDF_Dict xobjects = HPDF_Dict_GetItem(resources, "XObject", HPDF_OCLASS_DICT), form;
    unsigned upem = ((HPDF_TTFontDefAttr)def->attr)->header.units_per_em;
    float k = 1000.0f / (float)upem;
    float box[4] = {0, 0, 0, 0}, matrix[6] = {0.001f, 0, 0, 0.001f, 0, 0};
    pdf_content pc;
    size_t i;
    int rc;

    if (!xobjects && (!(xobjects = HPDF_Dict_New(pdf->mmgr)) ||
                      HPDF_Dict_Add(resources, "XObject", xobjects) != HPDF_OK))
        return -1;
    for (i = 0; i < o->np; i++) {
        box[0] = i == 0 || o->x[i] * k < box[0] ? o->x[i] * k : box[0];
        box[1] = i == 0 || o->y[i] * k < box[1] ? o->y[i] * k : box[1];
        box[2] = i == 0 || o->x[i] * k > box[2] ? o->x[i] * k : box[2];
        box[3] = i == 0 || o->y[i] * k > box[3] ? o->y[i] * k : box[3];
    }
    if (!(form = HPDF_DictStream_New(pdf->mmgr, pdf->xref)) ||
        HPDF_Dict_AddName(form, "Type", "XObject") != HPDF_OK ||
        HPDF_Dict_AddName(form, "Subtype", "Form") != HPDF_OK ||
        pdf_form_array(pdf, form, "BBox", box, 4) < 0 ||
        pdf_form_array(pdf, form, "Matrix", matrix, 6) < 0)
        return -1;
    form->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    memset(&pc, 0, sizeof pc);
    pdf_content_page(&pc, NULL, 0); /* gray unknown: the path sets its black */
    pdf_outline_fill(o, &pc, upem, 0, 0, 1000);
    rc = pdf_content_take(&pc, pdf_form_write, form->stream);
    pdf_content_free(&pc);
    return rc < 0 || HPDF_Dict_Add(xobjects, name, form) != HPDF_OK ? -1 : 0;
}

void pdf_outline_free(pdf_outline *o)
{
    free(o);
}
