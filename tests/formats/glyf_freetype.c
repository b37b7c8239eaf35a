/*
 * glyf_freetype.c — format-pdf's hand-written glyf parser (pdf_outline.c)
 * against FreeType on every glyph of real fonts: the same points, contours
 * and on-curve flags as FT_Load_Glyph with FT_LOAD_NO_SCALE and no hinting.
 *
 *   glyf_freetype FONT.ttf…   (a font that is not there is skipped)
 *
 * FreeType puts a glyph's origin at its phantom point pp1, xMin - lsb (the
 * hmtx table's left side bearing): where lsb is not the glyph header's
 * xMin (12 composite glyphs of Droid Sans Fallback), its points are moved
 * by lsb - xMin, which is allowed here. pdf_outline draws marks only,
 * placed by their header's box (pdf_marks.c), which is where its points
 * are. Exit 0 when every glyph agrees, 1 otherwise (the first differences
 * printed), 77 when no font is there.
 */
#include <ft2build.h>
#include FT_FREETYPE_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdf_outline.h"

typedef struct ttf {
    uint8_t *d;
    size_t n;
    uint32_t *loca;
    unsigned glyphs, metrics; /* maxp's glyphs, hhea's horizontal metrics */
    int shrt;
    uint64_t glyf, glyf_len, hmtx;
} ttf;

static unsigned be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static long glyph(void *arg, unsigned gid, const uint8_t **bytes)
{
    ttf *t = arg;
    uint64_t at;
    long len = pdf_glyf_span(t->loca, t->glyphs, t->shrt, t->glyf_len, gid, &at);

    if (len > 0)
        *bytes = t->d + t->glyf + at;
    return len;
}

/* The table `tag`'s offset (and length in *len), or 0. */
static uint64_t table(const ttf *t, const char *tag, uint64_t *len)
{
    unsigned i, n = be16(t->d + 4);

    for (i = 0; i < n && 28 + 16 * (size_t)i <= t->n; i++)
        if (memcmp(t->d + 12 + 16 * i, tag, 4) == 0) {
            *len = be32(t->d + 24 + 16 * i);
            return be32(t->d + 20 + 16 * i);
        }
    return 0;
}

/* Reads the font file and its loca table; 0, or -1. */
static int load(ttf *t, const char *path)
{
    FILE *f = fopen(path, "rb");
    uint64_t head, maxp, hhea, loca, len;
    unsigned i;

    if (!f || fseek(f, 0, SEEK_END) != 0 || (long)(t->n = (size_t)ftell(f)) < 0)
        return -1;
    rewind(f);
    if (!(t->d = malloc(t->n)) || fread(t->d, 1, t->n, f) != t->n)
        return -1;
    fclose(f);
    head = table(t, "head", &len);
    maxp = table(t, "maxp", &len);
    hhea = table(t, "hhea", &len);
    loca = table(t, "loca", &len);
    t->hmtx = table(t, "hmtx", &len);
    t->glyf = table(t, "glyf", &t->glyf_len);
    t->shrt = be16(t->d + head + 50) == 0;
    t->glyphs = be16(t->d + maxp + 4);
    t->metrics = be16(t->d + hhea + 34);
    if (!(t->loca = malloc(4 * ((size_t)t->glyphs + 1))))
        return -1;
    for (i = 0; i <= t->glyphs; i++)
        t->loca[i] = t->shrt ? be16(t->d + loca + 2 * i) : be32(t->d + loca + 4 * i);
    return 0;
}

/* FreeType's move of glyph gid's points: lsb - xMin (0 for no outline). */
static long origin_shift(const ttf *t, unsigned gid)
{
    const uint8_t *p = NULL;
    long len = glyph((void *)t, gid, &p);
    unsigned m = gid < t->metrics ? gid : t->metrics - 1;
    int lsb = (int16_t)be16(t->d + t->hmtx + 4 * m + 2);

    if (gid >= t->metrics) /* the bearings after the last full metric */
        lsb = (int16_t)be16(t->d + t->hmtx + 4 * t->metrics + 2 * (gid - t->metrics));
    return len >= 10 ? lsb - (int16_t)be16(p + 2) : 0;
}

/* Whether glyph gid reads as FreeType reads it; prints why not. */
static int same(const ttf *t, FT_Face face, pdf_outline **o, unsigned gid, const char *path)
{
    int rc = pdf_outline_parse(o, gid, glyph, (void *)t);
    long dx = origin_shift(t, gid);
    FT_Outline *ol;
    size_t i;

    if (FT_Load_Glyph(face, gid, FT_LOAD_NO_SCALE | FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP))
        return rc < 0 || (printf("%s: glyph %u read, FreeType refuses it\n", path, gid), 0);
    ol = &face->glyph->outline;
    if (rc < 0 || (size_t)ol->n_points != (*o)->np || (size_t)ol->n_contours != (*o)->nc) {
        printf("%s: glyph %u: %d (%zu points, %zu contours), FreeType %d, %d\n", path, gid, rc,
               (*o)->np, (*o)->nc, ol->n_points, ol->n_contours);
        return 0;
    }
    for (i = 0; i < (*o)->nc; i++)
        if ((size_t)ol->contours[i] != (*o)->end[i])
            return printf("%s: glyph %u: contour %zu differs\n", path, gid, i), 0;
    for (i = 0; i < (*o)->np; i++)
        if (fabs((*o)->x[i] + (double)dx - (double)ol->points[i].x) > 1.0 ||
            fabs((*o)->y[i] - (double)ol->points[i].y) > 1.0 || (*o)->flag[i] != (ol->tags[i] & 1))
            return printf("%s: glyph %u: point %zu (%g, %g) FreeType (%ld, %ld)\n", path, gid, i,
                          (double)(*o)->x[i], (double)(*o)->y[i], (long)ol->points[i].x,
                          (long)ol->points[i].y),
                   0;
    return 1;
}

int main(int argc, char **argv)
{
    FT_Library lib;
    pdf_outline *o = NULL;
    int fonts = 0, bad = 0, k;

    if (FT_Init_FreeType(&lib))
        return 1;
    for (k = 1; k < argc; k++) {
        ttf t = {0};
        FT_Face face;
        unsigned gid, diff = 0;
        if (load(&t, argv[k]) < 0 || FT_New_Face(lib, argv[k], 0, &face)) {
            printf("skipped %s: not there\n", argv[k]);
            continue;
        }
        for (gid = 0; gid < t.glyphs; gid++)
            if (!same(&t, face, &o, gid, argv[k]) && ++diff >= 10)
                break;
        printf("%s: %u glyphs, %u differ\n", argv[k], t.glyphs, diff);
        fonts++;
        bad += diff != 0;
        FT_Done_Face(face);
        free(t.d);
        free(t.loca);
    }
    pdf_outline_free(o);
    FT_Done_FreeType(lib);
    return fonts == 0 ? 77 : bad != 0;
}
