/*
 * format_pdf.c — the format-pdf plugin: a paginated table in a PDF written
 * with libharu.
 *
 * Each page has a header (title, generation time, subtitle such as the
 * filters), the table header, rows, and "Page N of M" at the bottom (drawn
 * at finish, once every page exists, in a second content stream of each
 * page: libharu keeps all pages until the document is saved). Text is the
 * core's host->format_value rendering, the same as CSV, drawn in embedded
 * TrueType fonts (pdf_text.h) and wrapped or cut with an ellipsis. An
 * optional totals row sums number and duration columns. The plugin writes
 * the pages' operators itself (pdf_content.h) and deflates each page when
 * the next one starts (pdf_stream.h).
 *
 * libharu holds the whole document in memory (compressed pages, here), so
 * the format has a row cap:
 * a source that reports more rows than the cap fails in open, before any
 * work; otherwise the export fails when the cap is hit (and the core
 * publishes nothing).
 */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ferry/ferry.h"
#include "pdf_stream.h"
#include "pdf_text.h"
#include "utf8.h"

#define PDF_MARGIN       36.0f                                   /* points: half an inch */
#define PDF_PAD          3.0f                                    /* cell padding */
#define PDF_ELLIPSIS_BIT ((size_t)1 << (sizeof(size_t) * 8 - 1)) /* in a line's end */
#define PDF_DEFAULT_FALLBACKS                                                                      \
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf,"                                   \
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf,"                                             \
    "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf,"                                  \
    "/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf,"                             \
    "/usr/share/fonts/truetype/tlwg/Loma.ttf"

typedef struct pdf_config {
    const char *page_size;
    const char *orientation;
    const char *title;
    const char *subtitle;
    const char *font;
    ferry_strlist fallback_fonts;
    const char *fallback_font; /* an alias: fallback_fonts of one font */
    double font_size;
    const char *overflow;
    ferry_strlist totals;
    int64_t row_cap;
    int64_t max_cell_chars;
} pdf_config;

static const ferry_option pdf_options[] = {
    FERRY_OPTION("page_size", FERRY_OPT_STRING, FERRY_OPT_TEMPLATE, "A4", "A4|Letter", pdf_config,
                 page_size, "paper size", "Letter"),
    FERRY_OPTION("orientation", FERRY_OPT_STRING, FERRY_OPT_TEMPLATE, "portrait",
                 "portrait|landscape", pdf_config, orientation, "page orientation", "landscape"),
    FERRY_OPTION("title", FERRY_OPT_STRING, FERRY_OPT_TEMPLATE, "Export", NULL, pdf_config, title,
                 "title in the header of every page", "Timesheet"),
    FERRY_OPTION("subtitle", FERRY_OPT_STRING, FERRY_OPT_TEMPLATE, NULL, NULL, pdf_config, subtitle,
                 "a line under the title, such as the filters applied; unset: none",
                 "Project: Apollo"),
    FERRY_OPTION("font", FERRY_OPT_STRING, 0, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                 NULL, pdf_config, font, "TrueType font for text, embedded (fonts-dejavu-core)",
                 NULL),
    FERRY_OPTION(
        "fallback_fonts", FERRY_OPT_LIST, 0, PDF_DEFAULT_FALLBACKS, NULL, pdf_config,
        fallback_fonts,
        "TrueType fonts, in order, for characters the main font lacks: CJK "
        "(fonts-droid-fallback), Hangul (fonts-nanum), symbols and control pictures "
        "(fonts-symbola), Devanagari (fonts-lohit-deva), Thai (fonts-tlwg-loma-ttf); each "
        "read only when a character is looked for in it and embedded only when one is drawn in "
        "it; a missing one is skipped; at most 8",
        "[\"/usr/share/fonts/truetype/nanum/NanumGothic.ttf\"]"),
    FERRY_OPTION("fallback_font", FERRY_OPT_STRING, 0, NULL, NULL, pdf_config, fallback_font,
                 "alias: fallback_fonts of this one font (not both)", NULL),
    FERRY_OPTION("font_size", FERRY_OPT_DOUBLE, FERRY_OPT_TEMPLATE, "8", NULL, pdf_config,
                 font_size, "table text size in points (4 to 24); the title is larger", "10"),
    FERRY_OPTION("overflow", FERRY_OPT_STRING, FERRY_OPT_TEMPLATE, "wrap", "wrap|ellipsis",
                 pdf_config, overflow,
                 "text wider than its column: wrapped onto more lines, or cut with an ellipsis",
                 "ellipsis"),
    FERRY_OPTION("totals", FERRY_OPT_LIST, FERRY_OPT_TEMPLATE, NULL, NULL, pdf_config, totals,
                 "columns (number or duration fields) summed in a totals row at the end", NULL),
    FERRY_OPTION(
        "row_cap", FERRY_OPT_INT, 0, "100000", NULL, pdf_config, row_cap,
        "most rows a PDF may hold (libharu keeps the document in memory); more is an error",
        "5000"),
    FERRY_OPTION(
        "max_cell_chars", FERRY_OPT_INT, 0, "32767", NULL, pdf_config, max_cell_chars,
        "most characters of a value drawn (wrapped over lines and pages); a longer value is cut "
        "with a visible mark and a warning (100 to 10000000)",
        "1000"),
    {0},
};

/* How a cell's text is laid out. */
enum { PDF_WRAP, PDF_ELLIPSIS, PDF_WHOLE };

/* A shaped text laid out in lines. */
typedef struct pdf_cell {
    pdf_text text;
    size_t *lines; /* start,end pairs; malloc */
    size_t nlines, lines_cap;
    float size; /* font size: smaller for a number wider than its column */
    int right;  /* aligned right: a number, or right-to-left text */
} pdf_cell;

/* A column's place, alignment, total, label and cell of the current row. */
typedef struct pdf_col {
    float x, w;
    int right;
    int total; /* summed in the totals row */
    int64_t sum_i64;
    double sum_f64;
    int sum_frac; /* digits after the point of decimals */
    pdf_cell cell, head;
} pdf_col;

typedef struct pdf_state {
    ferry_ctx *fx;
    const ferry_host *host;
    const pdf_config *cfg;
    const ferry_schema *schema;
    const char *path; /* borrowed from open until finish */
    HPDF_Doc pdf;
    HPDF_STATUS hpdf_err, hpdf_detail; /* first libharu error */
    pdf_fonts fonts;
    int fonts_live;
    pdf_col *cols; /* ncols; freed without the schema, which may be gone */
    uint32_t ncols;
    pdf_text scratch;
    ferry_buf text, cut;
    HPDF_Page page;
    pdf_content ct;      /* what is drawn on the page (pdf_content.h) */
    pdf_deflate deflate; /* each page is deflated when the next one starts */
    HPDF_Dict resources; /* every page's (pdf_page_share_resources) */
    uint32_t page_rows;  /* rows (or parts) on the current page */
    float pw, ph, y, size, line_h;
    int wrap;
    uint32_t pages;
    uint64_t rows;
    char generated[64];
} pdf_state;

static void pdf_on_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user_data)
{
    pdf_state *st = user_data;

    if (!st->hpdf_err) {
        st->hpdf_err = error_no;
        st->hpdf_detail = detail_no;
    }
}

/* Whether the list is the default of option fallback_fonts. */
static int pdf_default_fallbacks(const ferry_strlist *l)
{
    const char *d = PDF_DEFAULT_FALLBACKS;
    size_t i, n;

    for (i = 0; i < l->n; i++) {
        n = strlen(l->items[i]);
        if (strncmp(d, l->items[i], n) != 0 || (d[n] != ',' && d[n] != '\0'))
            return 0;
        d += n + (d[n] == ',');
    }
    return *d == '\0';
}

/* fallback_font (the alias) or fallback_fonts, not both; at most 8. */
static int pdf_check_fallbacks(ferry_ctx *fx, const ferry_host *host, const pdf_config *cfg)
{
    if (cfg->fallback_font && !pdf_default_fallbacks(&cfg->fallback_fonts))
        return host->error(fx, FERRY_ERR_CONFIG,
                           "options fallback_font and fallback_fonts are both set; "
                           "fallback_font is an alias of a one-font fallback_fonts: keep one");
    if (!cfg->fallback_font && cfg->fallback_fonts.n > PDF_MAX_FALLBACKS)
        return host->error(fx, FERRY_ERR_CONFIG,
                           "option fallback_fonts has %zu fonts, more than %d",
                           cfg->fallback_fonts.n, PDF_MAX_FALLBACKS);
    return 0;
}

static int pdf_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    const pdf_config *cfg = config;
    pdf_state *st;
    int rc;

    if (cfg->row_cap < 1)
        return host->error(fx, FERRY_ERR_CONFIG, "option row_cap = %lld must be at least 1",
                           (long long)cfg->row_cap);
    if (!(cfg->font_size >= 4 && cfg->font_size <= 24))
        return host->error(fx, FERRY_ERR_CONFIG, "option font_size = %g is out of range (4 to 24)",
                           cfg->font_size);
    if (cfg->max_cell_chars < 100 || cfg->max_cell_chars > 10000000)
        return host->error(fx, FERRY_ERR_CONFIG,
                           "option max_cell_chars = %lld is out of range (100 to 10000000)",
                           (long long)cfg->max_cell_chars);
    if (!cfg->font || !cfg->font[0])
        return host->error(fx, FERRY_ERR_CONFIG, "option font is empty");
    if ((rc = pdf_check_fallbacks(fx, host, cfg)) < 0)
        return rc;
    st = host->alloc(fx, sizeof *st);
    if (!st)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(st, 0, sizeof *st);
    st->fx = fx;
    st->host = host;
    st->cfg = cfg;
    st->size = (float)cfg->font_size;
    st->line_h = st->size * 1.25f;
    st->wrap = strcmp(cfg->overflow, "wrap") == 0;
    *state = st;
    return 0;
}

static void pdf_drop(pdf_state *st)
{
    uint32_t i;

    if (st->cols)
        for (i = 0; i < st->ncols; i++) {
            pdf_text_free(&st->cols[i].cell.text);
            free(st->cols[i].cell.lines);
            pdf_text_free(&st->cols[i].head.text);
            free(st->cols[i].head.lines);
        }
    free(st->cols);
    st->cols = NULL;
    st->ncols = 0;
    if (st->fonts_live)
        pdf_fonts_free(&st->fonts);
    st->fonts_live = 0;
    pdf_deflate_end(&st->deflate);
    pdf_content_free(&st->ct);
    if (st->pdf)
        HPDF_Free(st->pdf);
    st->pdf = NULL;
    st->resources = NULL;
    st->page = NULL;
}

static void pdf_destroy(void *state)
{
    pdf_state *st = state;

    if (!st)
        return;
    pdf_drop(st);
    pdf_text_free(&st->scratch);
    st->host->buf_free(&st->text);
    st->host->buf_free(&st->cut);
    st->host->free(st->fx, st);
}

static int pdf_nomem(pdf_state *st)
{
    return st->host->error(st->fx, FERRY_ERR_NOMEM, "out of memory");
}

/* Turns a recorded libharu error into the instance's error. */
static int pdf_check(pdf_state *st, const char *what)
{
    if (!st->hpdf_err)
        return 0;
    return st->host->error(st->fx,
                           st->hpdf_err == HPDF_FAILD_TO_ALLOC_MEM ? FERRY_ERR_NOMEM : FERRY_ERR,
                           "libharu error 0x%04X (detail %u) while %s", (unsigned)st->hpdf_err,
                           (unsigned)st->hpdf_detail, what);
}

/* Renders a value as CSV shows it, into st->text. */
static int pdf_render(pdf_state *st, const ferry_column *col, const ferry_value *v)
{
    int rc;

    st->text.len = 0;
    rc = st->host->format_value(st->fx, col, v, &st->text);
    if (rc < 0)
        return st->host->error(st->fx, rc, "cannot render column %s", col->name);
    return 0;
}

static int pdf_is_number(int type)
{
    return type == FERRY_TYPE_INT64 || type == FERRY_TYPE_DOUBLE || type == FERRY_TYPE_DECIMAL ||
           type == FERRY_TYPE_DURATION;
}

/* The width in points of `text`, or of the value `v` of column `c` as
 * format_value renders it when text is NULL. */
static float pdf_measure(pdf_state *st, const ferry_column *c, const ferry_value *v,
                         const char *text)
{
    if (!text) {
        if (pdf_render(st, c, v) < 0)
            return 0;
        text = st->text.data ? st->text.data : "";
    }
    if (pdf_text_shape(&st->fonts, &st->scratch, text, strlen(text), 0) < 0)
        return 0;
    return pdf_text_width(&st->scratch, 0, st->scratch.n, st->size);
}

/* The narrowest a column may be: its padding and one character (a line
 * holds at least one), so that no cell is drawn over its neighbour. */
static float pdf_min_col(const pdf_state *st)
{
    return st->size + 2 * PDF_PAD;
}

/* Fails when the columns cannot each have pdf_min_col on the page. */
static int pdf_check_columns(pdf_state *st)
{
    float avail = st->pw - 2 * PDF_MARGIN;
    uint32_t fit = (uint32_t)(avail / pdf_min_col(st));

    if (st->schema->ncolumns <= fit)
        return 0;
    return st->host->error(st->fx, FERRY_ERR_LIMIT,
                           "%u columns do not fit the page: at most %u at font_size %g on %s "
                           "%s; export fewer fields, set orientation = \"landscape\" or a "
                           "smaller font_size, or use CSV, JSON or Excel",
                           st->schema->ncolumns, fit, st->cfg->font_size, st->cfg->page_size,
                           st->cfg->orientation);
}

/* Column widths: the style's width (in characters), else the widest of
 * the label (up to 30 characters) and a sample value of the type rendered
 * by the style; scaled to the page, spare width going to text columns. */
static void pdf_layout_columns(pdf_state *st)
{
    uint32_t i, n = st->schema->ncolumns, ntext = 0;
    float avail = st->pw - 2 * PDF_MARGIN, total = 0, em = st->size * 0.6f;
    float least = pdf_min_col(st);

    for (i = 0; i < n; i++) {
        const ferry_column *c = &st->schema->columns[i];
        ferry_value v;
        float w = 0, lw;
        memset(&v, 0, sizeof v);
        switch (c->type) {
        case FERRY_TYPE_DATE:
            ferry_value_set_i64(&v, FERRY_TYPE_DATE, 11319); /* 2000-12-28 */
            w = pdf_measure(st, c, &v, NULL);
            break;
        case FERRY_TYPE_TIMESTAMP:
            ferry_value_set_i64(&v, FERRY_TYPE_TIMESTAMP, INT64_C(978047999000000));
            w = pdf_measure(st, c, &v, NULL);
            break;
        case FERRY_TYPE_DURATION:
            /* 99:59, or 9999:59 for a total */
            ferry_value_set_i64(&v, FERRY_TYPE_DURATION,
                                st->cols[i].total ? INT64_C(35999940000000)
                                                  : INT64_C(359940000000));
            w = pdf_measure(st, c, &v, NULL);
            break;
        case FERRY_TYPE_BOOL:
            w = pdf_measure(st, c, NULL, "false");
            break;
        case FERRY_TYPE_INT64:
            w = pdf_measure(st, c, NULL, "12345678");
            break;
        case FERRY_TYPE_DOUBLE:
        case FERRY_TYPE_DECIMAL:
            w = pdf_measure(st, c, NULL, "-123456.78");
            break;
        default:
            w = 24 * em;
            ntext++;
        }
        lw = strlen(c->label) <= 30 ? pdf_measure(st, c, NULL, c->label) : 30 * em;
        if (lw > w)
            w = lw;
        if (c->style->width > 0)
            w = (float)c->style->width * em;
        st->cols[i].w = w + 2 * PDF_PAD < least ? least : w + 2 * PDF_PAD;
        st->cols[i].right = pdf_is_number(c->type);
        total += st->cols[i].w;
    }
    if (total < avail && ntext) {
        float extra = (avail - total) / (float)ntext;
        for (i = 0; i < n; i++)
            if (st->schema->columns[i].type == FERRY_TYPE_STRING ||
                st->schema->columns[i].type == FERRY_TYPE_NULL)
                st->cols[i].w += extra;
    } else if (total > avail) {
        /* Too wide: text columns give up width first, down to 8
         * characters, then every column shrinks alike. */
        float excess = total - avail, spare = 0, min = 8 * em + 2 * PDF_PAD;
        for (i = 0; i < n; i++)
            if (st->schema->columns[i].type == FERRY_TYPE_STRING && st->cols[i].w > min)
                spare += st->cols[i].w - min;
        if (spare > 0) {
            float k = excess < spare ? excess / spare : 1;
            for (i = 0; i < n; i++)
                if (st->schema->columns[i].type == FERRY_TYPE_STRING && st->cols[i].w > min) {
                    total -= (st->cols[i].w - min) * k;
                    st->cols[i].w -= (st->cols[i].w - min) * k;
                }
        }
        if (total > avail) { /* what is above the least width shrinks alike */
            float above = 0, k;
            for (i = 0; i < n; i++)
                above += st->cols[i].w - least;
            k = above > 0 ? (avail - least * (float)n) / above : 0;
            for (i = 0; i < n; i++)
                st->cols[i].w = least + (st->cols[i].w - least) * k;
        }
    }
    for (i = 0, total = PDF_MARGIN; i < n; i++) {
        st->cols[i].x = total;
        total += st->cols[i].w;
    }
}

/* Lays out a cell's shaped text in a column of `pc->w` into lines, at
 * most max_lines: PDF_WRAP wraps, PDF_ELLIPSIS cuts one line with an
 * ellipsis, PDF_WHOLE keeps one line whole in a smaller size if it must
 * (numbers). Returns 1 when text was cut, 0, or an error. */
static int pdf_lines(pdf_state *st, const pdf_col *pc, pdf_cell *c, size_t max_lines, int mode)
{
    float w = pc->w - 2 * PDF_PAD;
    size_t a = 0;

    c->nlines = 0;
    c->size = st->size;
    if (w < st->size)
        w = st->size;
    while (a < c->text.n && c->nlines < max_lines) {
        size_t end = c->text.n, next = end;
        if (c->nlines + 1 > c->lines_cap) {
            size_t cap = c->lines_cap ? c->lines_cap * 2 : 8;
            size_t *p = realloc(c->lines, cap * 2 * sizeof *p);
            if (!p)
                return pdf_nomem(st);
            c->lines = p;
            c->lines_cap = cap;
        }
        if (mode == PDF_WRAP)
            pdf_text_line(&c->text, a, w, st->size, &end, &next);
        c->lines[2 * c->nlines] = a;
        c->lines[2 * c->nlines + 1] = end;
        c->nlines++;
        a = next;
    }
    if (mode == PDF_WHOLE) {
        float tw = pdf_text_width(&c->text, 0, c->text.n, st->size);
        if (tw > w)
            c->size = st->size * w / tw * 0.999f;
        return 0;
    }
    /* Text left over (a label longer than its lines, or one line in
     * ellipsis mode) ends its last line with an ellipsis. */
    if (c->nlines && (a < c->text.n || mode == PDF_ELLIPSIS)) {
        size_t s = c->lines[2 * c->nlines - 2], e = c->lines[2 * c->nlines - 1];
        if (a < c->text.n || pdf_text_width(&c->text, s, e, st->size) > w) {
            c->lines[2 * c->nlines - 1] =
                pdf_text_fit_ellipsis(&st->fonts, &c->text, s, e, w, st->size) | PDF_ELLIPSIS_BIT;
            return 1;
        }
    }
    return 0;
}

/* Draws lines [l0, l0 + n) of the cells (of the row, or the labels when
 * `head`) in a band whose top is st->y. */
static int pdf_draw_cells(pdf_state *st, int head, size_t l0, size_t n)
{
    uint32_t i;

    for (i = 0; i < st->schema->ncolumns; i++) {
        pdf_col *pc = &st->cols[i];
        pdf_cell *c = head ? &pc->head : &pc->cell;
        size_t l;
        for (l = l0; l < c->nlines && l < l0 + n; l++) {
            size_t a = c->lines[2 * l], e = c->lines[2 * l + 1] & ~PDF_ELLIPSIS_BIT;
            int ell = (c->lines[2 * l + 1] & PDF_ELLIPSIS_BIT) != 0;
            float x = pc->x + PDF_PAD;
            float yb = st->y - PDF_PAD - st->size - (float)(l - l0) * st->line_h + st->size * 0.2f;
            if (c->right && !ell)
                x = pc->x + pc->w - PDF_PAD - pdf_text_width(&c->text, a, e, c->size);
            if (pdf_text_draw(&st->fonts, &c->text, &st->ct, a, e, x, yb, c->size, ell) < 0)
                return pdf_nomem(st);
        }
    }
    return 0;
}

/* The most lines of the laid-out cells (of the row, or the labels). */
static size_t pdf_row_lines(pdf_state *st, int head)
{
    size_t most = 1;
    uint32_t i;

    for (i = 0; i < st->schema->ncolumns; i++) {
        const pdf_cell *c = head ? &st->cols[i].head : &st->cols[i].cell;
        if (c->nlines > most)
            most = c->nlines;
    }
    return most;
}

/* Lines of a row that fit under st->y on this page; at least one on a
 * page with no rows yet. */
static size_t pdf_room(pdf_state *st)
{
    float room = st->y - PDF_MARGIN - st->line_h * 1.5f - 2 * PDF_PAD;
    size_t n = room >= st->line_h ? (size_t)(room / st->line_h) : 0;
    return n == 0 && st->page_rows == 0 ? 1 : n;
}

static void pdf_fill_rect(pdf_state *st, float x, float y, float w, float h, float gray)
{
    pdf_content_fill_rect(&st->ct, x, y, w, h, gray);
}

static void pdf_hline(pdf_state *st, float y, float gray, float width)
{
    pdf_content_hline(&st->ct, PDF_MARGIN, st->pw - PDF_MARGIN, y, gray, width);
}

static int pdf_take_page(void *arg, const char *buf, size_t len)
{
    pdf_state *st = arg;
    return pdf_page_deflate(&st->deflate, st->page, buf, len);
}

/* The page is done: what is drawn on it is deflated (pdf_stream.h). */
static int pdf_end_page(pdf_state *st)
{
    if (pdf_content_take(&st->ct, pdf_take_page, st) < 0)
        return pdf_check(st, "finishing a page") ? FERRY_ERR : pdf_nomem(st);
    return 0;
}

/* What shaping changed, as "; …" pieces in msg; returns their length. */
static int pdf_issue_text(const pdf_issues *is, char *msg, size_t cap)
{
    int n = 0;

    msg[0] = '\0';
    if (is->invalid)
        n += snprintf(msg + n, cap - (size_t)n, "; %u invalid UTF-8 sequence(s) as U+FFFD",
                      is->invalid);
    if (is->control)
        n += snprintf(msg + n, cap - (size_t)n, "; %u control character(s) as visible symbols",
                      is->control);
    if (is->missing == 1)
        n += snprintf(msg + n, cap - (size_t)n, "; U+%04" PRIX32 " is in no font, drawn as U+FFFD",
                      is->missing_cp);
    else if (is->missing)
        n += snprintf(msg + n, cap - (size_t)n,
                      "; U+%04" PRIX32 " and %u other character(s) are in no font, drawn as U+FFFD",
                      is->missing_cp, is->missing - 1);
    return n;
}

static int pdf_can_warn(const pdf_state *st)
{
    return st->host->size >= offsetof(ferry_host, warn) + sizeof(void *) && st->host->warn;
}

/* Reports a label drawn other than it is, as row 0 (the header). */
static void pdf_warn_label(pdf_state *st, uint32_t c, const pdf_issues *is, int cut)
{
    char msg[400];
    int n = pdf_issue_text(is, msg, sizeof msg);

    if (cut)
        n += snprintf(msg + n, sizeof msg - (size_t)n, "; cut to three lines");
    if (n > 0 && pdf_can_warn(st))
        st->host->warn(st->fx, 0, (int32_t)c, "PDF header of column %u%s", c + 1, msg);
}

/* Reports the title or subtitle drawn other than it is, as row 0 and no
 * column. */
static void pdf_warn_header(pdf_state *st, const char *what, const pdf_issues *is, int cut)
{
    char msg[400];
    int n = pdf_issue_text(is, msg, sizeof msg);

    if (cut)
        n += snprintf(msg + n, sizeof msg - (size_t)n, "; cut with an ellipsis to the page width");
    if (n > 0 && pdf_can_warn(st))
        st->host->warn(st->fx, 0, -1, "PDF %s%s", what, msg);
}

/* One line of page-header text, cut with an ellipsis to the page width;
 * what it could not carry is reported on the first page, as `what` (NULL:
 * the plugin's own text, not reported). */
static int pdf_header_line(pdf_state *st, const char *s, float size, const char *what)
{
    float w = st->pw - 2 * PDF_MARGIN;
    size_t end;
    int ell;

    if (pdf_text_shape(&st->fonts, &st->scratch, s, strlen(s), 0) < 0)
        return pdf_nomem(st);
    end = st->scratch.n;
    ell = pdf_text_width(&st->scratch, 0, end, size) > w;
    if (ell)
        end = pdf_text_fit_ellipsis(&st->fonts, &st->scratch, 0, end, w, size);
    if (what && st->pages == 1)
        pdf_warn_header(st, what, &st->scratch.issues, ell);
    st->y -= size * 1.3f;
    if (pdf_text_draw(&st->fonts, &st->scratch, &st->ct, 0, end, PDF_MARGIN, st->y, size, ell) < 0)
        return pdf_nomem(st);
    return 0;
}

/* Whether the document information can hold cp: libharu drops what is
 * above U+FFFF; controls are no title. */
static int pdf_info_char(uint32_t cp)
{
    return cp <= 0xFFFF && cp >= 0x20 && (cp < 0x7F || cp >= 0xA0);
}

/* The document information's Title: libharu writes it as UTF-16 text once
 * its UTF-8 encoder is current (pdf_fonts_init); what it cannot hold is
 * U+FFFD, as the drawn title shows it (reported there). */
static int pdf_info_title(pdf_state *st)
{
    char *clean;
    if (!st->cfg->title || !*st->cfg->title)
        return 0;
    if (!(clean = ferry_utf8_replaced(st->cfg->title, pdf_info_char)))
        return pdf_nomem(st);
    HPDF_SetInfoAttr(st->pdf, HPDF_INFO_TITLE, clean);
    free(clean);
    return 0;
}

/* A new page: its header and the table header. */
static int pdf_new_page(pdf_state *st)
{
    HPDF_PageSizes size =
        strcmp(st->cfg->page_size, "Letter") == 0 ? HPDF_PAGE_SIZE_LETTER : HPDF_PAGE_SIZE_A4;
    HPDF_PageDirection dir =
        strcmp(st->cfg->orientation, "landscape") == 0 ? HPDF_PAGE_LANDSCAPE : HPDF_PAGE_PORTRAIT;
    uint32_t i;
    float h;
    int rc;

    if (st->page && (rc = pdf_end_page(st)) < 0)
        return rc;
    st->page = HPDF_AddPage(st->pdf);
    if (!st->page)
        return pdf_check(st, "adding a page") ? FERRY_ERR : pdf_nomem(st);
    if (pdf_page_share_resources(st->pdf, st->page, &st->resources) < 0)
        return pdf_check(st, "adding a page") ? FERRY_ERR : pdf_nomem(st);
    st->fonts.resources = st->resources; /* marks' forms are named there */
    pdf_content_page(&st->ct, st->page, 1);
    HPDF_Page_SetSize(st->page, size, dir);
    st->pw = HPDF_Page_GetWidth(st->page);
    st->ph = HPDF_Page_GetHeight(st->page);
    st->pages++;
    st->y = st->ph - PDF_MARGIN;
    if (st->cfg->title && st->cfg->title[0] &&
        (rc = pdf_header_line(st, st->cfg->title, st->size * 1.8f, "title")) < 0)
        return rc;
    if ((rc = pdf_header_line(st, st->generated, st->size, NULL)) < 0)
        return rc;
    if (st->cfg->subtitle && st->cfg->subtitle[0] &&
        (rc = pdf_header_line(st, st->cfg->subtitle, st->size, "subtitle")) < 0)
        return rc;
    st->y -= st->line_h;
    if (st->cols[0].w == 0) {
        if ((rc = pdf_check_columns(st)) < 0)
            return rc;
        pdf_layout_columns(st);
    }
    /* The table header: labels, up to three lines, on a grey band. */
    for (i = 0; i < st->schema->ncolumns && st->pages == 1; i++) {
        const char *label = st->schema->columns[i].label;
        pdf_cell *c = &st->cols[i].head;
        if (pdf_text_shape(&st->fonts, &c->text, label, strlen(label), 0) < 0)
            return pdf_nomem(st);
        c->right = st->cols[i].right || c->text.rtl;
        if ((rc = pdf_lines(st, &st->cols[i], c, 3, PDF_WRAP)) < 0)
            return rc;
        pdf_warn_label(st, i, &c->text.issues, rc == 1);
    }
    h = (float)pdf_row_lines(st, 1) * st->line_h + 2 * PDF_PAD;
    pdf_fill_rect(st, PDF_MARGIN, st->y - h, st->pw - 2 * PDF_MARGIN, h, 0.85f);
    if ((rc = pdf_draw_cells(st, 1, 0, 3)) < 0)
        return rc;
    st->page_rows = 0;
    st->y -= h;
    pdf_hline(st, st->y, 0, 0.8f);
    return pdf_check(st, "drawing the page header");
}

static int pdf_open(void *state, const ferry_schema *schema, ferry_output *out, const char *path,
                    const char *tmpdir, int64_t row_count)
{
    pdf_state *st = state;
    char err[600];
    int rc;
    uint32_t i;
    size_t t;
    time_t now = time(NULL);
    struct tm tm;

    if (row_count > st->cfg->row_cap)
        return st->host->error(st->fx, FERRY_ERR_LIMIT,
                               "the export has %" PRId64 " rows, more than the PDF "
                               "row cap of %" PRId64 " (option row_cap); use CSV, JSON or "
                               "Excel, or narrow the filters",
                               row_count, st->cfg->row_cap);
    if (!path)
        return st->host->error(st->fx, FERRY_ERR, "no file path to write");
    if (schema->ncolumns == 0)
        return st->host->error(st->fx, FERRY_ERR_CONFIG, "no columns to show");
    st->schema = schema;
    st->path = path;
    st->rows = 0;
    st->pages = 0;
    st->hpdf_err = 0;
    st->cols = calloc(schema->ncolumns, sizeof *st->cols);
    if (!st->cols)
        return pdf_nomem(st);
    st->ncols = schema->ncolumns;
    for (t = 0; t < st->cfg->totals.n; t++) {
        const char *name = st->cfg->totals.items[t];
        for (i = 0; i < schema->ncolumns; i++)
            if (strcmp(schema->columns[i].name, name) == 0)
                break;
        if (i == schema->ncolumns)
            return st->host->error(st->fx, FERRY_ERR_CONFIG,
                                   "option totals names \"%s\", which is not an "
                                   "exported field",
                                   name);
        if (!pdf_is_number(schema->columns[i].type))
            return st->host->error(st->fx, FERRY_ERR_CONFIG,
                                   "option totals names \"%s\", a %s field; only "
                                   "numbers and durations can be summed",
                                   name, ferry_type_name(schema->columns[i].type));
        st->cols[i].total = 1;
    }
    gmtime_r(&now, &tm);
    strftime(st->generated, sizeof st->generated, "Generated %Y-%m-%d %H:%M UTC", &tm);
    st->pdf = HPDF_New(pdf_on_error, st);
    if (!st->pdf)
        return pdf_nomem(st);
    HPDF_SetCompressionMode(st->pdf, HPDF_COMP_ALL);
    HPDF_SetInfoAttr(st->pdf, HPDF_INFO_CREATOR, "ferry format-pdf");
    if (st->cfg->fallback_font)
        rc = pdf_fonts_init(&st->fonts, st->pdf, st->cfg->font, &st->cfg->fallback_font, 1, err,
                            sizeof err);
    else
        rc = pdf_fonts_init(&st->fonts, st->pdf, st->cfg->font, st->cfg->fallback_fonts.items,
                            st->cfg->fallback_fonts.n, err, sizeof err);
    if (rc < 0) {
        st->fonts_live = 1;
        return st->host->error(st->fx, FERRY_ERR_CONFIG, "option font: %s", err);
    }
    st->fonts_live = 1;
    st->hpdf_err = 0;
    if ((rc = pdf_info_title(st)) < 0)
        return rc;
    return pdf_new_page(st);
}

/* Draws lines [l0, l0 + n) of the row as a band under st->y. */
static int pdf_band(pdf_state *st, float gray, size_t l0, size_t n)
{
    float h = (float)n * st->line_h + 2 * PDF_PAD;
    int rc;

    if (gray < 1)
        pdf_fill_rect(st, PDF_MARGIN, st->y - h, st->pw - 2 * PDF_MARGIN, h, gray);
    if ((rc = pdf_draw_cells(st, 0, l0, n)) < 0)
        return rc;
    st->y -= h;
    pdf_hline(st, st->y, 0.8f, 0.3f);
    st->page_rows++;
    return 0;
}

/* Draws the row laid out in st->cols: on this page when it fits, else on
 * a new page when it fits there, else in parts over as many pages as it
 * takes (a cell taller than a page continues on the next). */
static int pdf_put_row(pdf_state *st, float gray)
{
    size_t most = pdf_row_lines(st, 0), l0 = 0;
    int rc;

    for (;;) {
        size_t room = pdf_room(st), left = most - l0;
        if (left <= room)
            return pdf_band(st, gray, l0, left);
        if (st->page_rows > 0 && (room == 0 || l0 == 0)) {
            /* A row that would fit on an empty page moves there whole. */
            if ((rc = pdf_new_page(st)) < 0)
                return rc;
            if (pdf_room(st) >= left || room == 0)
                continue;
            room = pdf_room(st);
        }
        if ((rc = pdf_band(st, gray, l0, room)) < 0 || (rc = pdf_new_page(st)) < 0)
            return rc;
        l0 += room;
    }
}

/* Reports a value drawn other than it is, through host->warn (ABI 1.2). */
static void pdf_warn_cell(pdf_state *st, uint32_t c, const pdf_issues *is, size_t cut_chars,
                          size_t chars, int ellipsis)
{
    char msg[400];
    int n;

    if (!pdf_can_warn(st))
        return;
    n = pdf_issue_text(is, msg, sizeof msg);
    if (cut_chars)
        n +=
            snprintf(msg + n, sizeof msg - (size_t)n,
                     "; cut after %zu of %zu characters (option max_cell_chars)", cut_chars, chars);
    if (ellipsis)
        n += snprintf(msg + n, sizeof msg - (size_t)n,
                      "; cut to one line (option overflow = ellipsis)");
    if (n > 0)
        st->host->warn(st->fx, st->rows + 1, (int32_t)c, "PDF cell of column %s%s",
                       st->schema->columns[c].name, msg);
}

/* Whether a value of this type is drawn whole on one line (shrunk when
 * wider than its column): numbers, dates, booleans. */
static int pdf_is_whole(int type)
{
    return pdf_is_number(type) || type == FERRY_TYPE_DATE || type == FERRY_TYPE_BOOL;
}

/* st->text cut to max_cell_chars characters and a visible mark, in
 * st->cut; returns the number of characters when it was cut, else 0. */
static size_t pdf_cut(pdf_state *st, const char **s, size_t *len)
{
    size_t i, chars = 0, at = 0, max = (size_t)st->cfg->max_cell_chars;
    char mark[96];

    for (i = 0; i < *len; i++)
        if (((unsigned char)(*s)[i] & 0xC0) != 0x80 && chars++ == max)
            at = i;
    if (chars <= max)
        return 0;
    snprintf(mark, sizeof mark, "\xe2\x80\xa6 [cut: %zu of %zu characters shown]", max, chars);
    st->cut.len = 0;
    if (st->host->buf_append(&st->cut, *s, at) < 0 ||
        st->host->buf_append(&st->cut, mark, strlen(mark)) < 0)
        return 0;
    *s = st->cut.data;
    *len = st->cut.len;
    return chars;
}

/* Shapes and lays out the cell of column c, row r; warns of what it
 * could not carry. */
static int pdf_shape_cell(pdf_state *st, const ferry_batch *batch, uint32_t r, uint32_t c)
{
    const ferry_column *col = &st->schema->columns[c];
    const ferry_value *v = ferry_batch_at(batch, r, c);
    pdf_col *pc = &st->cols[c];
    int whole = pdf_is_whole(v->type), mode, rc;
    const char *s;
    size_t len, chars;

    if ((rc = pdf_render(st, col, v)) < 0)
        return rc;
    s = st->text.data ? st->text.data : "";
    len = st->text.len;
    chars = whole ? 0 : pdf_cut(st, &s, &len);
    if (pdf_text_shape(&st->fonts, &pc->cell.text, s, len, st->wrap && !whole) < 0)
        return pdf_nomem(st);
    pc->cell.right = whole ? pdf_is_number(v->type) : pc->cell.text.rtl;
    mode = whole ? PDF_WHOLE : st->wrap ? PDF_WRAP : PDF_ELLIPSIS;
    if ((rc = pdf_lines(st, pc, &pc->cell, (size_t)-1 / 4, mode)) < 0)
        return rc;
    pdf_warn_cell(st, c, &pc->cell.text.issues, chars ? (size_t)st->cfg->max_cell_chars : 0, chars,
                  rc == 1);
    return 0;
}

static void pdf_add_totals(pdf_state *st, const ferry_batch *batch, uint32_t r)
{
    uint32_t c;

    for (c = 0; c < st->schema->ncolumns; c++) {
        pdf_col *pc = &st->cols[c];
        const ferry_value *v;
        if (!pc->total)
            continue;
        v = ferry_batch_at(batch, r, c);
        switch (v->type) {
        case FERRY_TYPE_INT64:
        case FERRY_TYPE_DURATION:
            pc->sum_i64 += v->u.i64;
            break;
        case FERRY_TYPE_DOUBLE:
            pc->sum_f64 += v->u.f64;
            break;
        case FERRY_TYPE_DECIMAL: {
            const char *dot = memchr(v->u.str, '.', v->len);
            int frac = dot ? (int)(v->len - (size_t)(dot - v->u.str) - 1) : 0;
            pc->sum_f64 += strtod(v->u.str, NULL);
            if (frac > pc->sum_frac)
                pc->sum_frac = frac;
            break;
        }
        default:
            break;
        }
    }
}

static int pdf_write(void *state, const ferry_batch *batch)
{
    pdf_state *st = state;
    uint32_t r, c;
    int rc;

    for (r = 0; r < batch->nrows; r++) {
        if (st->rows >= (uint64_t)st->cfg->row_cap)
            return st->host->error(st->fx, FERRY_ERR_LIMIT,
                                   "the export has more than %" PRId64
                                   " rows, the PDF row cap (option row_cap); use CSV, JSON or "
                                   "Excel, or narrow the filters",
                                   st->cfg->row_cap);
        for (c = 0; c < st->schema->ncolumns; c++)
            if ((rc = pdf_shape_cell(st, batch, r, c)) < 0)
                return rc;
        if ((rc = pdf_put_row(st, 1)) < 0)
            return rc;
        pdf_add_totals(st, batch, r);
        st->rows++;
    }
    if (st->host->cancelled(st->fx))
        return st->host->error(st->fx, FERRY_ERR_CANCEL, "cancelled");
    return pdf_check(st, "drawing rows");
}

/* Shapes the totals row into st->cols: "Total" in the first column that
 * is not summed, the sums as CSV would show them. */
static int pdf_shape_totals(pdf_state *st)
{
    uint32_t c;
    int label_done = 0, rc;

    for (c = 0; c < st->schema->ncolumns; c++) {
        const ferry_column *col = &st->schema->columns[c];
        pdf_col *pc = &st->cols[c];
        ferry_value v;
        const char *s = "";
        size_t n = 0;
        char tmp[64];
        memset(&v, 0, sizeof v);
        if (pc->total) {
            if (col->type == FERRY_TYPE_DECIMAL) {
                n = (size_t)snprintf(tmp, sizeof tmp, "%.*f", pc->sum_frac, pc->sum_f64);
                s = tmp;
            } else {
                if (col->type == FERRY_TYPE_DOUBLE)
                    ferry_value_set_f64(&v, pc->sum_f64);
                else
                    ferry_value_set_i64(&v, (ferry_type)col->type, pc->sum_i64);
                if ((rc = pdf_render(st, col, &v)) < 0)
                    return rc;
                s = st->text.data ? st->text.data : "";
                n = st->text.len;
            }
        } else if (!label_done) {
            s = "Total";
            n = 5;
            label_done = 1;
        }
        if (pdf_text_shape(&st->fonts, &pc->cell.text, s, n, 0) < 0)
            return pdf_nomem(st);
        pc->cell.right = pc->total;
        if ((rc = pdf_lines(st, pc, &pc->cell, 1, PDF_WHOLE)) < 0)
            return rc;
    }
    return 0;
}

static int pdf_footer(pdf_state *st)
{
    uint32_t i;
    char label[64];

    for (i = 0; i < st->pages; i++) {
        float w;
        st->page = HPDF_GetPageByIndex(st->pdf, i);
        if (!st->page || pdf_page_add_stream(st->page, 128) < 0 ||
            pdf_content_page(&st->ct, st->page, 0) < 0)
            return pdf_check(st, "numbering pages") ? FERRY_ERR : pdf_nomem(st);
        snprintf(label, sizeof label, "Page %u of %u", i + 1, st->pages);
        if (pdf_text_shape(&st->fonts, &st->scratch, label, strlen(label), 0) < 0)
            return pdf_nomem(st);
        w = pdf_text_width(&st->scratch, 0, st->scratch.n, st->size);
        if (pdf_text_draw(&st->fonts, &st->scratch, &st->ct, 0, st->scratch.n, (st->pw - w) / 2,
                          PDF_MARGIN * 0.6f, st->size, 0) < 0)
            return pdf_nomem(st);
    }
    if (pdf_content_flush(&st->ct) < 0)
        return pdf_check(st, "numbering pages") ? FERRY_ERR : pdf_nomem(st);
    return pdf_check(st, "numbering pages");
}

static int pdf_finish(void *state)
{
    pdf_state *st = state;
    uint32_t c;
    int rc, any_total = 0, sys;

    for (c = 0; c < st->schema->ncolumns; c++)
        any_total |= st->cols[c].total;
    if (st->rows == 0) {
        static const char none[] = "No rows.";
        if (pdf_text_shape(&st->fonts, &st->scratch, none, sizeof none - 1, 0) < 0)
            return pdf_nomem(st);
        st->y -= st->line_h + PDF_PAD;
        if (pdf_text_draw(&st->fonts, &st->scratch, &st->ct, 0, st->scratch.n, PDF_MARGIN + PDF_PAD,
                          st->y, st->size, 0) < 0)
            return pdf_nomem(st);
    } else if (any_total) {
        if ((rc = pdf_shape_totals(st)) < 0 || (rc = pdf_put_row(st, 0.92f)) < 0)
            return rc;
    }
    if ((rc = pdf_end_page(st)) < 0)
        return rc;
    if ((rc = pdf_footer(st)) < 0)
        return rc;
    if (pdf_save(st->pdf, st->path, &sys) < 0 || st->hpdf_err) {
        if (sys)
            return st->host->error(st->fx, FERRY_ERR_IO, "cannot write %s: %s", st->path,
                                   strerror(sys));
        return st->host->error(st->fx, FERRY_ERR_IO, "cannot write %s (libharu error 0x%04X)",
                               st->path, (unsigned)st->hpdf_err);
    }
    return 0;
}

static void pdf_close(void *state)
{
    pdf_drop(state);
}

static const ferry_format_ops pdf_ops = {pdf_open, pdf_write, pdf_finish, pdf_close};

static const ferry_plugin_descriptor format_pdf = {
    FERRY_PLUGIN_HEADER,
    FERRY_KIND_FORMAT,
    "format-pdf",
    "1.0.0",
    "PDF table (libharu): page header, repeated table header, page numbers, totals, row cap",
    pdf_options,
    sizeof(pdf_config),
    FERRY_FORMAT_WANTS_FILE,
    0,
    "pdf",
    "application/pdf",
    pdf_init,
    pdf_destroy,
    NULL,
    NULL,
    &pdf_ops,
    NULL,
    NULL};

FERRY_PLUGIN_DEFINE(format_pdf)
