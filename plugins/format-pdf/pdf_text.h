/*
 * pdf_text.h — UTF-8 text in a libharu PDF with embedded TrueType fonts: a
 * primary one (DejaVu Sans: Latin, Greek, Cyrillic, Hebrew, Arabic and its
 * presentation forms) and an ordered list of fallbacks (by default Droid
 * Sans Fallback: CJK; NanumGothic: Hangul; Symbola: symbols, control
 * pictures; Lohit Devanagari: Hindi, Marathi, Nepali; Loma: Thai). Each
 * character goes to the first font whose cmap has a glyph for it (the
 * choice and the width are cached per character), and a line is drawn as
 * runs of characters of one font. A fallback's definition
 * (its cmap) is loaded when a character is looked for in it, and the font
 * is put in the document (then embedded) only when a glyph is drawn in
 * it: a text the primary font covers loads no other, and one whose
 * character no font has embeds none of those it looked in.
 *
 * Shaping turns a value into glyphs and counts what it could not carry:
 * invalid UTF-8 and characters no font has (libharu's UTF-8 encoder stops
 * at U+FFFF, so every character above it, emoji among them) become U+FFFD;
 * control characters become their visible Control Pictures (U+2400…),
 * but a tab is a space and line breaks break lines.
 * Right-to-left text goes through GNU FriBidi: Arabic is joined into
 * presentation forms, and each line is drawn in visual order.
 * Nonspacing marks (pdf_marks.h) take no advance and are drawn over their
 * base, in its font where that font has them.
 */
#ifndef FERRY_PDF_TEXT_H
#define FERRY_PDF_TEXT_H

#include <hpdf.h>
#include "pdf_content.h"
#include "pdf_outline.h"
#include <stddef.h>
#include <stdint.h>

#define PDF_FONT_PRIMARY  1                       /* fallback k is PDF_FONT_PRIMARY + 1 + k */
#define PDF_MAX_FALLBACKS 8                       /* most fallback fonts */
#define PDF_NFONTS        (2 + PDF_MAX_FALLBACKS) /* slot 0 unused */
#define PDF_FONT_NONE     255                     /* cached: no font has the character */
#define PDF_BOX_CACHE     512                     /* glyph boxes cached (marks and bases) */

/* A glyph's ink box in 1/1000 em, from the baseline at its origin; all 0
 * for a glyph with no outline. */
typedef struct pdf_box {
    int16_t x0, y0, x1, y1;
} pdf_box;

/* The fonts of one document, and per-character caches. Owned by the
 * plugin's state; the HPDF_Font handles belong to the document. */
typedef struct pdf_fonts {
    HPDF_Doc pdf; /* borrowed */
    HPDF_Font font[PDF_NFONTS];
    HPDF_FontDef def[PDF_NFONTS];
    const char *path[PDF_NFONTS]; /* borrowed (options); NULL: none */
    const char *name[PDF_NFONTS]; /* libharu's name of a loaded definition */
    int tried[PDF_NFONTS];
    int nfonts;                /* slots in use: PDF_FONT_PRIMARY + 1 + fallbacks */
    uint8_t *which;            /* 65536: 0 unknown, else PDF_FONT_* ; malloc */
    int16_t *width;            /* 65536: advance in 1/1000 em, -1 unknown; malloc */
    uint32_t spaced;           /* bit k: a space measured in font k */
    float space_w[PDF_NFONTS]; /* its advance in 1/1000 em */
    struct {
        uint16_t cp;
        uint8_t font; /* 0: an empty slot */
        pdf_box box;
    } box[PDF_BOX_CACHE]; /* direct-mapped by character and font */
    pdf_outline *outline; /* scratch for marks' outlines; malloc */
    HPDF_Dict resources;  /* borrowed: every page's, where marks' forms are named */
} pdf_fonts;

/* One shaped character. */
typedef struct pdf_glyph {
    uint16_t cp;
    uint8_t font;  /* PDF_FONT_* */
    uint8_t brk;   /* 1: a space (a line may break here); 2: a newline; 3: not drawn */
    uint8_t level; /* bidi embedding level: odd is right-to-left */
    uint8_t digit; /* 1: an ASCII digit (lines do not break between two) */
    uint8_t
        mark; /* 1: a nonspacing mark over the glyph before it (its base); 2: one with no base */
    float w;  /* advance in 1/1000 em: 0 for a mark over a base */
    int16_t dx, dy; /* a mark's place in 1/1000 em: from its base's origin (2: its own) */
} pdf_glyph;

/* What shaping could not carry exactly. */
typedef struct pdf_issues {
    uint32_t invalid;    /* invalid UTF-8 sequences, drawn as U+FFFD */
    uint32_t control;    /* control characters, drawn as Control Pictures */
    uint32_t missing;    /* characters no font has (every one above U+FFFF), as U+FFFD */
    uint32_t missing_cp; /* the first of them above U+FFFF, else the first */
} pdf_issues;

/* A shaped text; a reused scratch. */
typedef struct pdf_text {
    pdf_glyph *g; /* malloc */
    size_t n, cap;
    int rtl;   /* the first paragraph is right-to-left: align right */
    int bidi;  /* some glyph has a non-zero level */
    int marks; /* some glyph is a mark */
    pdf_issues issues;
    uint16_t *codes; /* malloc: a run's character codes for drawing */
    size_t codes_cap;
    uint32_t *u32; /* malloc: scratch for FriBidi, and the visual order */
    size_t u32_cap;
} pdf_text;

/*
 * Loads the primary font (embedded) and prepares the caches; the
 * fallbacks (paths borrowed, at most PDF_MAX_FALLBACKS; an empty one is
 * skipped) load on first need, in order. Returns 0, or -1 with a message
 * in err[0..errlen).
 */
int pdf_fonts_init(pdf_fonts *f, HPDF_Doc pdf, const char *primary_path,
                   const char *const *fallbacks, size_t nfallbacks, char *err, size_t errlen);
void pdf_fonts_free(pdf_fonts *f); /* the caches; the fonts go with the document */

/* Shapes s[0..len) into t (replacing its contents, counting t->issues).
 * A line break ('\n', '\r', "\r\n", VT, FF, NEL, U+2028, U+2029: Unicode's
 * mandatory breaks) breaks the line with keep_newlines, else is a space;
 * a tab is a space. Returns 0 or -1 (memory). */
int pdf_text_shape(pdf_fonts *f, pdf_text *t, const char *s, size_t len, int keep_newlines);
void pdf_text_free(pdf_text *t);

/* Width of glyphs [a, b) in points at `size`. */
float pdf_text_width(const pdf_text *t, size_t a, size_t b, float size);

/*
 * The line that starts at glyph `a` and fits in `width` points: sets *end
 * (exclusive, trailing spaces dropped) and *next (where the next line
 * starts). Breaks after a space when it can, inside a word when it must
 * (never between two digits unless the word is all digits); a line holds
 * at least one glyph.
 */
void pdf_text_line(const pdf_text *t, size_t a, float width, float size, size_t *end, size_t *next);

/* Glyphs of [a, b) that fit in `width` with an ellipsis after them;
 * returns the new end (a when nothing fits). */
size_t pdf_text_fit_ellipsis(pdf_fonts *f, const pdf_text *t, size_t a, size_t b, float width,
                             float size);

/* Draws glyphs [a, b) (one line, logical order) at (x, y) (baseline) in
 * visual order, switching font per run, and an ellipsis after them when
 * `ellipsis`, through c (in its open text object, or a new one). Returns 0
 * or -1 (memory). */
int pdf_text_draw(pdf_fonts *f, pdf_text *t, pdf_content *c, size_t a, size_t b, float x, float y,
                  float size, int ellipsis);

#endif
