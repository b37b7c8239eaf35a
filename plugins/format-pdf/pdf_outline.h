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
 */
#ifndef FERRY_PDF_OUTLINE_H
#define FERRY_PDF_OUTLINE_H

#include <hpdf.h>
#include "pdf_content.h"
#include <stdint.h>

typedef struct pdf_outline pdf_outline; /* a glyph's points; scratch */

void pdf_outline_free(pdf_outline *o);

/* Reads the outline of cp's glyph in the font `def` (TrueType, embedded)
 * into *scratch (allocated on first use). Returns 0, or -1 when the glyph
 * cannot be read (none, too many points, a malformed table, or memory). */
int pdf_outline_load(pdf_outline **scratch, HPDF_FontDef def, uint16_t cp);

/* Fills the outline last loaded into o, of a font of `def`, with its
 * origin at (x, y) and `size` points to the em. */
void pdf_outline_fill(const pdf_outline *o, pdf_content *c, HPDF_FontDef def, float x, float y,
                      float size);

/* Makes the outline last loaded into o a form XObject of the document,
 * one unit an em (its path in 1/1000 em through its /Matrix), filled
 * black, named `name` in the resources dictionary's /XObject. Returns 0
 * or -1 (memory). */
int pdf_outline_form(const pdf_outline *o, HPDF_Doc pdf, HPDF_Dict resources, HPDF_FontDef def,
                     const char *name);

#endif
