/*
 * fuzz_glyf.c — format-pdf's hand-written TrueType glyf parser
 * (plugins/format-pdf/pdf_outline.c) on any bytes as a font's loca and glyf
 * tables. The input: a byte whose bit 0 is loca's short format; a byte
 * n - 1, the glyphs (at most 32); the loca table's n + 1 offsets as stored
 * (big-endian, 2 or 4 bytes); the rest is the glyf table. Every glyph is
 * read in turn (pdf_outline_parse, its bytes and its components' found by
 * pdf_glyf_span) and filled as a path (pdf_outline_fill).
 *
 * Invariants: pdf_glyf_span gives a glyph's span by loca exactly, -1 for
 * a glyph out of range, offsets decreasing, beyond the table or over
 * PDF_OUTLINE_BYTES (every read is of the input's own bytes: ASan); at
 * most PDF_OUTLINE_READS glyphs are read for one;
 * a glyph read has contours whose last points increase, the last being
 * its last point, and finite coordinates; one not read has no points; a
 * simple glyph reads as the driver's own decoder reads it (the same
 * verdict, points and on-curve flags); a composite glyph is its
 * components, each read alone, through their scale or matrix and offset
 * (or moved so that their point a2 lands on the composite's a1), in order,
 * and is read whenever its components are simple glyphs that read and fit
 * (and their matched points are there); the path has a move per contour of two points or more,
 * and a fill only after a move.
 */
#include <math.h>

#include "fuzz_common.h"
#include "pdf_outline.h"

#define MAXGLYPHS 32

typedef struct font {
    uint32_t loca[MAXGLYPHS + 1];
    unsigned n;
    int shrt;
    const uint8_t *glyf;
    size_t size;
    unsigned reads; /* calls of glyph() in one parse */
} font;

static void fail(const char *what, unsigned gid)
{
    fprintf(stderr, "fuzz_glyf: glyph %u: %s\n", gid, what);
    abort();
}

/* pdf_glyph_fn over the input, checking pdf_glyf_span against loca. */
static long glyph(void *arg, unsigned gid, const uint8_t **bytes)
{
    font *f = arg;
    uint64_t at = 0, m = f->shrt ? 2 : 1, a, b;
    long len = pdf_glyf_span(f->loca, f->n, f->shrt, f->size, gid, &at);

    f->reads++;
    if (gid >= f->n) {
        if (len != -1)
            fail("a span for a glyph beyond loca", gid);
        return len;
    }
    a = f->loca[gid] * m;
    b = f->loca[gid + 1] * m;
    if (b < a || b > f->size || b - a > PDF_OUTLINE_BYTES) {
        if (len != -1)
            fail("a span that decreases, ends beyond the table or is too long", gid);
        return len;
    }
    if (len != (long)(b - a) || at != a)
        fail("a span that is not loca's", gid);
    *bytes = f->glyf + at;
    return len;
}

static unsigned be(const uint8_t *p, int k)
{
    return k == 2 ? (unsigned)p[0] << 8 | p[1]
                  : (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

/* The font of the input; 0, or -1 when too short. */
static int read_font(font *f, const uint8_t *data, size_t size)
{
    size_t k, i;

    if (size < 2)
        return -1;
    f->shrt = data[0] & 1;
    f->n = 1 + data[1] % MAXGLYPHS;
    k = f->shrt ? 2 : 4;
    if (size < 2 + k * (f->n + 1))
        return -1;
    for (i = 0; i <= f->n; i++)
        f->loca[i] = be(data + 2 + k * i, (int)k);
    f->glyf = data + 2 + k * (f->n + 1);
    f->size = size - 2 - k * (f->n + 1);
    return 0;
}

/* ---- the driver's own reading of glyph records ---------------------- */

typedef struct rd {
    const uint8_t *p;
    size_t n, i;
    int bad;
} rd;

static unsigned u8(rd *r)
{
    return r->i < r->n ? r->p[r->i++] : (r->bad = 1, 0u);
}

static unsigned u16(rd *r)
{
    unsigned hi = u8(r);
    return hi << 8 | u8(r);
}

static int s16(rd *r)
{
    return (int16_t)u16(r);
}

/* A glyph's bytes, by the driver's own loca reading: their length (0: no
 * outline), or -1 when there is none or its span is refused. */
static long bytes_of(const font *f, unsigned gid, const uint8_t **p)
{
    uint64_t m = f->shrt ? 2 : 1, a, b;

    if (gid >= f->n)
        return -1;
    a = f->loca[gid] * m;
    b = f->loca[gid + 1] * m;
    if (b < a || b > f->size || b - a > PDF_OUTLINE_BYTES)
        return -1;
    *p = f->glyf + a;
    return (long)(b - a);
}

typedef struct pts {
    float x[PDF_OUTLINE_POINTS], y[PDF_OUTLINE_POINTS];
    uint8_t on[PDF_OUTLINE_POINTS];
    size_t end[PDF_OUTLINE_CONTOURS], np, nc;
} pts;

/* One coordinate, per the OpenType glyf table: short (a byte, signed by
 * the same bit), same (repeat the previous: delta 0), else a signed word. */
static void coords(rd *r, const uint8_t *fl, size_t np, float *v, unsigned shrt, unsigned same)
{
    long at = 0;

    for (size_t i = 0; i < np; i++) {
        if (fl[i] & shrt)
            at += (fl[i] & same) ? (long)u8(r) : -(long)u8(r);
        else if (!(fl[i] & same))
            at += s16(r);
        v[i] = (float)at;
    }
}

/* A simple glyph of the bytes p[0..n), as the specification reads it,
 * with pdf_outline's limits. Returns 0, or -1 malformed or beyond them. */
static int ref_simple(const uint8_t *p, size_t n, pts *o)
{
    rd r = {p, n, 10, n < 10};
    int nc = n >= 2 ? (int16_t)(p[0] << 8 | p[1]) : 0;
    static uint8_t fl[PDF_OUTLINE_POINTS];
    size_t np = 0, i;

    if (nc < 0 || nc > PDF_OUTLINE_CONTOURS)
        return -1;
    for (i = 0; i < (size_t)nc; i++) {
        size_t e = u16(&r);
        if ((i > 0 && e < np) || e >= PDF_OUTLINE_POINTS)
            return -1;
        o->end[i] = e;
        np = e + 1;
    }
    r.i += u16(&r);
    for (i = 0; i < np && !r.bad;) {
        unsigned f = u8(&r), rep = (f & 8) ? u8(&r) : 0;
        for (unsigned k = 0; k <= rep && i < np; k++)
            fl[i++] = (uint8_t)f;
    }
    coords(&r, fl, np, o->x, 0x02, 0x10);
    coords(&r, fl, np, o->y, 0x04, 0x20);
    for (i = 0; i < np; i++)
        o->on[i] = fl[i] & 1;
    o->np = np;
    o->nc = (size_t)nc;
    return r.bad ? -1 : 0;
}

/* A composite glyph's component: flags, glyph, offset or point numbers,
 * and its 2x2 matrix. */
typedef struct part {
    unsigned flags, gid;
    int a1, a2;
    float m[4];
} part;

static float f2dot14(rd *r)
{
    return (float)s16(r) / 16384.0f;
}

/* The components of the composite glyph p[0..n) into parts[0..*count)
 * (at most PDF_OUTLINE_PARTS + 1: more than pdf_outline reads). Returns 0,
 * or -1 when its records are cut short. */
static int ref_parts(const uint8_t *p, size_t n, part *parts, size_t *count)
{
    rd r = {p, n, 10, n < 10};
    unsigned fl;

    *count = 0;
    do {
        part *c = &parts[(*count)++];
        c->flags = fl = u16(&r);
        c->gid = u16(&r);
        c->a1 = (fl & 1) ? ((fl & 2) ? s16(&r) : (int)u16(&r))
                         : ((fl & 2) ? (int8_t)u8(&r) : (int)u8(&r));
        c->a2 = (fl & 1) ? ((fl & 2) ? s16(&r) : (int)u16(&r))
                         : ((fl & 2) ? (int8_t)u8(&r) : (int)u8(&r));
        c->m[1] = c->m[2] = 0;
        c->m[0] = c->m[3] = 1;
        if (fl & 0x08) {
            c->m[0] = c->m[3] = f2dot14(&r);
        } else if (fl & 0x40) {
            c->m[0] = f2dot14(&r);
            c->m[3] = f2dot14(&r);
        } else if (fl & 0x80) {
            for (int k = 0; k < 4; k++)
                c->m[k] = f2dot14(&r);
        }
    } while ((fl & 0x20) && *count <= PDF_OUTLINE_PARTS && !r.bad);
    return r.bad ? -1 : 0;
}

static int near(float a, float b)
{
    return fabsf(a - b) <= 1e-3f + 1e-5f * fmaxf(fabsf(a), fabsf(b));
}

static pdf_outline *scratch, *alone;

/* Whether glyph gid is empty or a simple glyph that reads, and its points
 * and contours added to *np, *nc. */
static int simple_fits(const font *f, unsigned gid, size_t *np, size_t *nc)
{
    static pts ref;
    const uint8_t *p = NULL;
    long n = bytes_of(f, gid, &p);

    if (n <= 0)
        return n == 0;
    if (ref_simple(p, (size_t)n, &ref) < 0)
        return 0;
    *np += ref.np;
    *nc += ref.nc;
    return 1;
}

/* Component c's points, read alone into `alone`, through its matrix and
 * offset, are o's from point *at and contour *ci on; advances them. */
static void check_part(font *f, unsigned gid, const pdf_outline *o, const part *c, size_t *at,
                       size_t *ci)
{
    float dx = (c->flags & 2) ? (float)c->a1 : 0, dy = (c->flags & 2) ? (float)c->a2 : 0;
    size_t i, b = (size_t)c->a2;

    f->reads = 0;
    if (pdf_outline_parse(&alone, c->gid, glyph, f) < 0)
        fail("a composite read, one of its components alone not", gid);
    if (*at + alone->np > o->np || *ci + alone->nc > o->nc)
        fail("a composite with fewer points than its components", gid);
    if (!(c->flags & 2)) { /* its point a2 moved onto the composite's a1 */
        if ((size_t)c->a1 >= *at || b >= alone->np)
            fail("a composite read whose matched points are not there", gid);
        dx = o->x[c->a1] - (c->m[0] * alone->x[b] + c->m[2] * alone->y[b]);
        dy = o->y[c->a1] - (c->m[1] * alone->x[b] + c->m[3] * alone->y[b]);
    }
    for (i = 0; i < alone->np; i++) {
        float x = c->m[0] * alone->x[i] + c->m[2] * alone->y[i] + dx;
        float y = c->m[1] * alone->x[i] + c->m[3] * alone->y[i] + dy;
        if (!near(o->x[*at + i], x) || !near(o->y[*at + i], y) ||
            o->flag[*at + i] != alone->flag[i])
            fail("a composite's point not its component's through its matrix", gid);
    }
    for (i = 0; i < alone->nc; i++)
        if (o->end[*ci + i] != alone->end[i] + *at)
            fail("a composite's contour not its component's", gid);
    *at += alone->np;
    *ci += alone->nc;
}

/* Composite glyph gid (bytes p[0..n)), read into o with rc. */
static void check_composite(font *f, unsigned gid, const uint8_t *p, size_t n, const pdf_outline *o,
                            int rc)
{
    static part parts[PDF_OUTLINE_PARTS + 1];
    size_t count, i, at = 0, ci = 0, np = 0, nc = 0;
    int simple = 1;

    if (ref_parts(p, n, parts, &count) < 0 || count > PDF_OUTLINE_PARTS) {
        if (rc == 0)
            fail("a composite read whose records are cut or too many", gid);
        return;
    }
    if (rc == 0) {
        for (i = 0; i < count; i++)
            check_part(f, gid, o, &parts[i], &at, &ci);
        if (at != o->np || ci != o->nc)
            fail("a composite with more points than its components", gid);
        return;
    }
    for (i = 0; i < count && simple; i++) {
        size_t before = np;
        simple = simple_fits(f, parts[i].gid, &np, &nc);
        if (!(parts[i].flags & 2)) /* matched points: both there */
            simple &= (size_t)parts[i].a1 < before && (size_t)parts[i].a2 < np - before;
    }
    if (simple && np <= PDF_OUTLINE_POINTS && nc <= PDF_OUTLINE_CONTOURS)
        fail("a composite of simple glyphs that read and fit, not read", gid);
}

/* Simple glyph gid (bytes p[0..n)), read into o with rc: as ref_simple. */
static void check_simple(unsigned gid, const uint8_t *p, size_t n, const pdf_outline *o, int rc)
{
    static pts ref;
    size_t i;

    if (ref_simple(p, n, &ref) != rc)
        fail(rc == 0 ? "a simple glyph read that is malformed" : "a simple glyph not read", gid);
    if (rc < 0)
        return;
    if (ref.np != o->np || ref.nc != o->nc)
        fail("a simple glyph's points or contours miscounted", gid);
    for (i = 0; i < ref.np; i++)
        if (ref.x[i] != o->x[i] || ref.y[i] != o->y[i] || ref.on[i] != o->flag[i])
            fail("a simple glyph's point misread", gid);
    for (i = 0; i < ref.nc; i++)
        if (ref.end[i] != o->end[i])
            fail("a simple glyph's contour misread", gid);
}

/* What any outline read holds: contours' last points increase, the last
 * being the last point; on-curve flags 0 or 1; finite coordinates. */
static void check_shape(unsigned gid, const pdf_outline *o)
{
    size_t i;

    if (o->np > PDF_OUTLINE_POINTS || o->nc > PDF_OUTLINE_CONTOURS)
        fail("more points or contours than the limits", gid);
    for (i = 0; i < o->nc; i++)
        if ((i > 0 && o->end[i] <= o->end[i - 1]) || o->end[i] >= o->np)
            fail("contours' last points do not increase within the points", gid);
    if (o->nc ? o->end[o->nc - 1] + 1 != o->np : o->np != 0)
        fail("points after the last contour", gid);
    for (i = 0; i < o->np; i++)
        if (o->flag[i] > 1 || !isfinite(o->x[i]) || !isfinite(o->y[i]))
            fail("a flag not 0 or 1, or a coordinate not finite", gid);
}

static char path[1 << 20];
static size_t path_len;

static int take(void *arg, const char *buf, size_t len)
{
    (void)arg;
    if (len >= sizeof path)
        abort();
    if (len)
        memcpy(path, buf, len);
    path[len] = '\0';
    path_len = len;
    return 0;
}

/* The path of o: a move per contour of two points or more, then lines and
 * curves; one fill after them, none without a move. */
static void check_path(unsigned gid, const pdf_outline *o)
{
    pdf_content c;
    size_t moves = 0, want = 0, fills = 0, i, s = 0;
    char *line, *save = NULL;

    memset(&c, 0, sizeof c);
    pdf_content_page(&c, NULL, 0);
    pdf_outline_fill(o, &c, 2048, 0, 0, 1000);
    path_len = 0;
    if (pdf_content_take(&c, take, NULL) != 0)
        abort();
    pdf_content_free(&c);
    for (i = 0; i < o->nc; s = o->end[i++] + 1)
        want += o->end[i] - s + 1 >= 2;
    path[path_len] = '\0';
    for (line = strtok_r(path, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t k = strlen(line);
        if (k >= 2 && strcmp(line + k - 2, " m") == 0)
            moves++;
        else if (strcmp(line, "h f") == 0)
            fills++;
        else if (strcmp(line, "0 g") != 0 && (moves == 0 || fills > 0))
            fail("a path operator before a move or after the fill", gid);
    }
    if (moves != want || fills != (moves > 0))
        fail("moves not one a drawn contour, or a fill without a move", gid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static font f;
    unsigned gid;

    if (read_font(&f, data, size) < 0)
        return 0;
    for (gid = 0; gid < f.n; gid++) {
        const uint8_t *p = NULL;
        long n = bytes_of(&f, gid, &p);
        int rc;
        f.reads = 0;
        rc = pdf_outline_parse(&scratch, gid, glyph, &f);
        if (f.reads > PDF_OUTLINE_READS)
            fail("more glyphs read than PDF_OUTLINE_READS", gid);
        if (rc < 0 && (scratch->np || scratch->nc))
            fail("a glyph not read left points", gid);
        if (n < 0 && rc == 0)
            fail("a glyph read whose span is refused", gid);
        if (n == 0 && (rc != 0 || scratch->np))
            fail("an empty glyph not read as empty", gid);
        check_shape(gid, scratch);
        if (n > 0 && (n < 2 || (int16_t)(p[0] << 8 | p[1]) >= 0))
            check_simple(gid, p, (size_t)n, scratch, rc);
        else if (n > 0)
            check_composite(&f, gid, p, (size_t)n, scratch, rc);
        check_path(gid, scratch);
    }
    return 0;
}
