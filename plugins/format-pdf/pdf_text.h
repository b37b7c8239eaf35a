/*
 * pdf_text.h — UTF-8 text in a libharu PDF with two embedded TrueType
 * fonts: a primary one (DejaVu Sans: Latin, Greek, Cyrillic) and a
 * fallback for the characters it lacks (Droid Sans Fallback: CJK). Each
 * character goes to the primary font when its cmap has a glyph for it,
 * else to the fallback (loaded on first need), and a line is drawn as runs
 * of characters of one font. Also measuring, wrapping and ellipsis.
 *
 * libharu's UTF-8 encoder covers the Basic Multilingual Plane: characters
 * above U+FFFF, and invalid UTF-8, are drawn as U+FFFD.
 */
#ifndef FERRY_PDF_TEXT_H
#define FERRY_PDF_TEXT_H

#include <hpdf.h>
#include <stddef.h>
#include <stdint.h>

#define PDF_FONT_PRIMARY  1
#define PDF_FONT_FALLBACK 2

/* The fonts of one document, and per-character caches. Owned by the
 * plugin's state; the HPDF_Font handles belong to the document. */
typedef struct pdf_fonts {
    HPDF_Doc pdf;      /* borrowed */
    HPDF_Font font[3]; /* [PDF_FONT_PRIMARY], [PDF_FONT_FALLBACK] */
    HPDF_FontDef def[3];
    const char *fallback_path; /* borrowed (option), may be NULL */
    int fallback_tried;
    uint8_t *which; /* 65536: 0 unknown, else PDF_FONT_* ; malloc */
    int16_t *width; /* 65536: advance in 1/1000 em, -1 unknown; malloc */
} pdf_fonts;

/* One shaped character. */
typedef struct pdf_glyph {
    uint16_t cp;
    uint8_t font; /* PDF_FONT_* */
    uint8_t brk;  /* 1: a space (a line may break here); 2: a newline */
    float w;      /* advance in 1/1000 em */
} pdf_glyph;

/* A shaped text; a reused scratch. */
typedef struct pdf_text {
    pdf_glyph *g; /* malloc */
    size_t n, cap;
    char *utf8; /* malloc: a run re-encoded for drawing */
    size_t utf8_cap;
} pdf_text;

/*
 * Loads the primary font (embedded) and prepares the caches. Returns 0, or
 * -1 with a message in err[0..errlen).
 */
int pdf_fonts_init(pdf_fonts *f, HPDF_Doc pdf, const char *primary_path, const char *fallback_path,
                   char *err, size_t errlen);
void pdf_fonts_free(pdf_fonts *f); /* the caches; the fonts go with the document */

/* Shapes s[0..len) into t (replacing its contents). Controls become
 * spaces, except '\n' with keep_newlines. Returns 0 or -1 (memory). */
int pdf_text_shape(pdf_fonts *f, pdf_text *t, const char *s, size_t len, int keep_newlines);
void pdf_text_free(pdf_text *t);

/* Width of glyphs [a, b) in points at `size`. */
float pdf_text_width(const pdf_text *t, size_t a, size_t b, float size);

/*
 * The line that starts at glyph `a` and fits in `width` points: sets *end
 * (exclusive, trailing spaces dropped) and *next (where the next line
 * starts). Breaks after a space when it can, inside a word when it must;
 * a line holds at least one glyph.
 */
void pdf_text_line(const pdf_text *t, size_t a, float width, float size, size_t *end, size_t *next);

/* Glyphs of [a, b) that fit in `width` with an ellipsis after them;
 * returns the new end (a when nothing fits). */
size_t pdf_text_fit_ellipsis(pdf_fonts *f, const pdf_text *t, size_t a, size_t b, float width,
                             float size, float *ellipsis_w);

/* Draws glyphs [a, b) at (x, y) (baseline), switching font per run, and an
 * ellipsis after them when `ellipsis`. Must be called outside a text
 * object. Returns 0 or -1 (memory). */
int pdf_text_draw(pdf_fonts *f, pdf_text *t, HPDF_Page page, size_t a, size_t b, float x, float y,
                  float size, int ellipsis);

#endif
