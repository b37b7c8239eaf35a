/*
 * pdf_content.h — a page's content stream written by format-pdf itself:
 * text objects with relative moves, font, gray and line width set only
 * when they change, rectangles and rules, numbers in at most two decimals
 * (within half a hundredth; a font size cut down to hundredths; beyond
 * ±10,000,000 clamped there, NaN as 0).
 *
 * libharu's page operators format every number through a 512-byte buffer
 * they clear byte by byte, measure every shown text again to track the
 * text position, and take one BT … ET per call in format-pdf's use: about
 * half the instructions of a PDF export. Here the operators are appended
 * to a buffer and written into the page's current content stream
 * (libharu's internal page attributes, hpdf_pages.h) by pdf_content_flush.
 * Text is shown as literal strings of the two-byte codes (half the bytes
 * of hex, so less to deflate), escaped where PDF requires it. Fonts are
 * named through libharu (HPDF_Page_GetLocalFontName), which adds
 * them to the page's resources. libharu's own graphics state is not
 * updated: a page drawn through this is drawn only through this.
 */
#ifndef FERRY_PDF_CONTENT_H
#define FERRY_PDF_CONTENT_H

#include <hpdf.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pdf_content {
    HPDF_Page page;
    char *buf; /* malloc: operators not yet in the page's stream */
    size_t len, cap;
    int oom;     /* an append failed: the page is incomplete */
    int in_text; /* inside BT … ET */
    long tx, ty; /* the text line's start, in 1/100 pt */
    HPDF_Font font;
    float size;
    float fill, stroke, width; /* -1: unknown */
} pdf_content;

/* Starts drawing on a page whose content stream is new (the graphics
 * state is PDF's initial one) or, with `fresh` 0, continues one whose
 * state is unknown. Flushes what the previous page had pending first. */
int pdf_content_page(pdf_content *c, HPDF_Page page, int fresh);

/* Ends a text object if one is open and writes the buffered operators
 * into the page's current content stream. Returns 0 or -1 (memory). */
int pdf_content_flush(pdf_content *c);
/* Ends a text object if one is open and passes the buffered operators to
 * `take` (such as pdf_page_deflate, which then need not copy them into
 * libharu's stream first), forgetting them. Returns 0 or -1 (memory, or
 * take's -1). */
int pdf_content_take(pdf_content *c, int (*take)(void *arg, const char *buf, size_t len),
                     void *arg);
void pdf_content_free(pdf_content *c);

/* Text: moves the text line to (x, y) (opening BT when needed), selects a
 * font, shows UTF-16 code units (the fonts' encoding is Identity-H with
 * character codes = Unicode, as libharu's UTF-8 encoder writes them). */
void pdf_content_move(pdf_content *c, float x, float y);
void pdf_content_font(pdf_content *c, HPDF_Font font, float size);
void pdf_content_show(pdf_content *c, const uint16_t *codes, size_t n);
/* Shows codes invisibly (text rendering mode 3, then 0 again): text a
 * reader extracts where something else draws it; `narrow`: at 1%
 * horizontal scaling (then 100% again), so that their advance ends about
 * where they start. */
void pdf_content_show_hidden(pdf_content *c, const uint16_t *codes, size_t n, int narrow);

/* Paths (outside text objects: they end an open one). */
void pdf_content_fill_rect(pdf_content *c, float x, float y, float w, float h, float gray);
void pdf_content_hline(pdf_content *c, float x0, float x1, float y, float gray, float width);
/* Draws the form XObject `name` (of the page's resources) at (x, y),
 * scaled by `size` (cut down to hundredths, as a font size). */
void pdf_content_form(pdf_content *c, const char *name, float x, float y, float size);
/* A path filled black (nonzero winding): moves start its subpaths, which
 * pdf_content_fill closes and fills. */
void pdf_content_path_move(pdf_content *c, float x, float y);
void pdf_content_path_line(pdf_content *c, float x, float y);
void pdf_content_path_curve(pdf_content *c, const float xy[6]);
void pdf_content_fill(pdf_content *c);

#endif
