/*
 * pdf_outline.h — a TrueType glyph drawn as a filled path, from the glyf
 * table of a font libharu loaded (simple and composite glyphs; quadratic
 * curves as cubic ones).
 *
 * format-pdf draws a placed mark this way (pdf_marks.h): text drawn off
 * the pen's line (a mark raised over its base) splits the words of text
 * extraction (poppler starts a new word at a glyph whose baseline or
 * position is not where the previous glyph left it), so the mark's text
 * is shown invisibly where the pen is and its shape drawn as a path.
 *
 * The parse of a glyph's bytes (pdf_outline_parse) knows no font: it asks
 * a callback for each glyph's bytes by glyph number, so that
 * tests/fuzz/fuzz_glyf.c drives it with any bytes as a font's loca and
 * glyf tables.
 */
#ifndef FERRY_PDF_OUTLINE_H
#define FERRY_PDF_OUTLINE_H

#include <hpdf.h>
#include "pdf_content.h"
#include <stdint.h>

#define PDF_OUTLINE_POINTS   4096
#define PDF_OUTLINE_CONTOURS 512
#define PDF_OUTLINE_BYTES    32768 /* most bytes of one glyph */
#define PDF_OUTLINE_DEPTH    4     /* nested composite glyphs */
#define PDF_OUTLINE_PARTS    32    /* components of one composite glyph */
#define PDF_OUTLINE_READS    64    /* glyphs read for one outline */

/* A glyph's points, in font units; a scratch reused from glyph to glyph. */
typedef struct pdf_outline {
    float x[PDF_OUTLINE_POINTS], y[PDF_OUTLINE_POINTS];
    uint8_t flag[PDF_OUTLINE_POINTS]; /* 1: on the curve */
    size_t end[PDF_OUTLINE_CONTOURS]; /* each contour's last point */
    size_t np, nc;
    uint8_t buf[PDF_OUTLINE_BYTES]; /* a glyph's bytes read from the font */
} pdf_outline;

void pdf_outline_free(pdf_outline *o);

/* Where glyph gid's bytes are in a glyf table of `size` bytes, by the n + 1
 * offsets of the loca table (as stored: halves in loca's short format,
 * `shrt`): sets *at and returns their length, 0 for a glyph with no
 * outline, or -1 when gid >= n, its offsets decrease, it ends beyond the
 * table or is longer than PDF_OUTLINE_BYTES. */
long pdf_glyf_span(const uint32_t *loca, unsigned n, int shrt, uint64_t size, unsigned gid,
                   uint64_t *at);

/* Yields glyph gid's bytes in *bytes (valid until the next call): returns
 * their length, 0 for a glyph with no outline, or -1 for none. */
typedef long (*pdf_glyph_fn)(void *arg, unsigned gid, const uint8_t **bytes);

/* Reads the outline of glyph gid, whose bytes and its components' come
 * from get(arg, …), into *scratch (allocated on first use). Returns 0, or
 * -1 when the glyph cannot be read (none, too many points, a malformed
 * glyph, or memory), then with no points. */
int pdf_outline_parse(pdf_outline **scratch, unsigned gid, pdf_glyph_fn get, void *arg);

/* Reads the outline of cp's glyph in the font `def` (TrueType, embedded)
 * into *scratch, as pdf_outline_parse. Returns 0 or -1. */
int pdf_outline_load(pdf_outline **scratch, HPDF_FontDef def, uint16_t cp);

/* Fills the outline last loaded into o, of a font of `units_per_em`, with
 * its origin at (x, y) and `size` points to the em. */
void pdf_outline_fill(const pdf_outline *o, pdf_content *c, unsigned units_per_em, float x, float y,
                      float size);

/* Makes the outline last loaded into o a form XObject of the document,
 * one unit an em (its path in 1/1000 em through its /Matrix), filled
 * black, named `name` in the resources dictionary's /XObject. Returns 0
 * or -1 (memory). */
int pdf_outline_form(const pdf_outline *o, HPDF_Doc pdf, HPDF_Dict resources, HPDF_FontDef def,
                     const char *name);

#endif
