/*
 * pdf_marks.h — nonspacing marks (Unicode general categories Mn and Me:
 * accents, Hebrew points, Arabic harakat, Indic and Thai vowel signs and
 * tone marks above and below) placed over their base without a shaper.
 *
 * libharu draws a glyph where the previous one's advance ends, and a
 * font's own mark positioning (OpenType GPOS mark-to-base and mark-to-mark
 * anchors) takes a shaper such as HarfBuzz, which ferry does not use. So
 * marks are placed as HarfBuzz places them in a font without GPOS (its
 * fallback mark positioning), by the glyphs' boxes: a mark takes no
 * advance; it is centred over its base glyph's ink, or aligned with its
 * left or right edge where its side carries meaning (Hebrew shin and sin
 * dots, holam; Thai tone marks; above-right accents); a mark above its
 * base is raised clear of the base and of the marks already above it (an
 * Arabic shadda first), one below lowered likewise, and marks attached to
 * or inside their base (cedilla, horn, overlays, nukta, dagesh, enclosing
 * marks) keep the height their font gives them. A mark with no base (at
 * the start of a text or of a line) is drawn over a space's advance of
 * its own, as Unicode shows a mark in isolation.
 */
#ifndef FERRY_PDF_MARKS_H
#define FERRY_PDF_MARKS_H

#include "pdf_text.h"
#include <stdint.h>

/* Whether cp is a nonspacing mark: FriBidi's bidi type NSM, which is
 * general categories Mn and Me (of FriBidi's Unicode version). */
int pdf_is_mark(uint32_t cp);

/* Sets dx, dy of every mark in t (fonts and advances chosen), from the
 * boxes of the glyphs (read from the fonts, cached in f). */
void pdf_marks_place(pdf_fonts *f, pdf_text *t);

/* A glyph that is drawn relative to its base and takes no advance: a mark
 * over a base, or the not-drawn second half of a lam-alef ligature. */
static inline int pdf_attached(const pdf_glyph *g)
{
    return g->mark == 1 || g->brk == 3;
}

#endif
