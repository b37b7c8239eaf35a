/*
 * format_pdf.c — the format-pdf plugin: a paginated table in a PDF written
 * with libharu.
 *
 * Each page has a header (title, generation time, subtitle such as the
 * filters), the table header, rows, and "Page N of M" at the bottom (drawn
 * at finish, once every page exists: libharu keeps all pages until the
 * document is saved). Text is the core's host->format_value rendering, the
 * same as CSV, drawn in embedded TrueType fonts (pdf_text.h) and wrapped
 * or cut with an ellipsis. An optional totals row sums number and duration
 * columns.
 *
 * libharu holds the whole document in memory, so the format has a row cap:
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
#include "pdf_text.h"

#define PDF_MARGIN 36.0f /* points: half an inch */
#define PDF_PAD    3.0f  /* cell padding */

typedef struct pdf_config {
    const char *page_size;
    const char *orientation;
    const char *title;
    const char *subtitle;
    const char *font;
    const char *fallback_font;
    double font_size;
    const char *overflow;
    ferry_strlist totals;
    int64_t row_cap;
} pdf_config;

static const ferry_option pdf_options[] = {
    {"page_size", FERRY_OPT_STRING, 0, "A4", "A4|Letter", offsetof(pdf_config, page_size),
     "paper size", "Letter"},
    {"orientation", FERRY_OPT_STRING, 0, "portrait", "portrait|landscape",
     offsetof(pdf_config, orientation), "page orientation", "landscape"},
    {"title", FERRY_OPT_STRING, 0, "Export", NULL, offsetof(pdf_config, title),
     "title in the header of every page", "Timesheet"},
    {"subtitle", FERRY_OPT_STRING, 0, NULL, NULL, offsetof(pdf_config, subtitle),
     "a line under the title, such as the filters applied; unset: none", "Project: Apollo"},
    {"font", FERRY_OPT_STRING, 0, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", NULL,
     offsetof(pdf_config, font), "TrueType font for text, embedded (fonts-dejavu-core)", NULL},
    {"fallback_font", FERRY_OPT_STRING, 0,
     "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", NULL,
     offsetof(pdf_config, fallback_font),
     "TrueType font for characters the main font lacks, such as CJK (fonts-droid-fallback); "
     "embedded when used",
     NULL},
    {"font_size", FERRY_OPT_DOUBLE, 0, "8", NULL, offsetof(pdf_config, font_size),
     "table text size in points (4 to 24); the title is larger", "10"},
    {"overflow", FERRY_OPT_STRING, 0, "wrap", "wrap|ellipsis", offsetof(pdf_config, overflow),
     "text wider than its column: wrapped onto more lines, or cut with an ellipsis", "ellipsis"},
    {"totals", FERRY_OPT_LIST, 0, NULL, NULL, offsetof(pdf_config, totals),
     "columns (number or duration fields) summed in a totals row at the end", NULL},
    {"row_cap", FERRY_OPT_INT, 0, "100000", NULL, offsetof(pdf_config, row_cap),
     "most rows a PDF may hold (libharu keeps the document in memory); more is an error", "5000"},
    {0}};

/* A column's place, alignment, total and shaped text of the current row. */
typedef struct pdf_col {
    float x, w;
    int right;
    int total; /* summed in the totals row */
    int64_t sum_i64;
    double sum_f64;
    int sum_frac; /* digits after the point of decimals */
    pdf_text text;
    size_t *lines; /* start,end pairs; malloc */
    size_t nlines, lines_cap;
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
    ferry_buf text;
    HPDF_Page page;
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

static int pdf_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    const pdf_config *cfg = config;
    pdf_state *st;

    if (cfg->row_cap < 1)
        return host->error(fx, FERRY_ERR_CONFIG, "option row_cap = %lld must be at least 1",
                           (long long)cfg->row_cap);
    if (!(cfg->font_size >= 4 && cfg->font_size <= 24))
        return host->error(fx, FERRY_ERR_CONFIG, "option font_size = %g is out of range (4 to 24)",
                           cfg->font_size);
    if (!cfg->font || !cfg->font[0])
        return host->error(fx, FERRY_ERR_CONFIG, "option font is empty");
    st = calloc(1, sizeof *st);
    if (!st)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
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
            pdf_text_free(&st->cols[i].text);
            free(st->cols[i].lines);
        }
    free(st->cols);
    st->cols = NULL;
    st->ncols = 0;
    if (st->fonts_live)
        pdf_fonts_free(&st->fonts);
    st->fonts_live = 0;
    if (st->pdf)
        HPDF_Free(st->pdf);
    st->pdf = NULL;
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
    free(st);
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

/* Column widths: the style's width (in characters), else the widest of
 * the label (up to 30 characters) and a sample value of the type rendered
 * by the style; scaled to the page, spare width going to text columns. */
static void pdf_layout_columns(pdf_state *st)
{
    uint32_t i, n = st->schema->ncolumns, ntext = 0;
    float avail = st->pw - 2 * PDF_MARGIN, total = 0, em = st->size * 0.6f;

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
        st->cols[i].w = w + 2 * PDF_PAD;
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
        if (total > avail)
            for (i = 0; i < n; i++)
                st->cols[i].w *= avail / total;
    }
    for (i = 0, total = PDF_MARGIN; i < n; i++) {
        st->cols[i].x = total;
        total += st->cols[i].w;
    }
}

/* Lays out the text of column i (st->cols[i].text) into lines, at most
 * max_lines: wrap 1 wraps, 0 cuts one line with an ellipsis, -1 keeps one
 * line whole (the totals row, whose sums may overflow their column). */
static int pdf_lines(pdf_state *st, pdf_col *pc, size_t max_lines, int wrap)
{
    float w = pc->w - 2 * PDF_PAD;
    size_t a = 0;

    pc->nlines = 0;
    if (w < st->size)
        w = st->size;
    while (a < pc->text.n && pc->nlines < max_lines) {
        size_t end, next;
        if (pc->nlines + 1 > pc->lines_cap) {
            size_t cap = pc->lines_cap ? pc->lines_cap * 2 : 8;
            size_t *p = realloc(pc->lines, cap * 2 * sizeof *p);
            if (!p)
                return pdf_nomem(st);
            pc->lines = p;
            pc->lines_cap = cap;
        }
        if (wrap > 0) {
            pdf_text_line(&pc->text, a, w, st->size, &end, &next);
        } else {
            end = pc->text.n;
            next = end;
        }
        pc->lines[2 * pc->nlines] = a;
        pc->lines[2 * pc->nlines + 1] = end;
        pc->nlines++;
        a = next;
    }
    /* Text left over (a cell taller than a page, or one line in ellipsis
     * mode) ends its last line with an ellipsis. */
    if (wrap >= 0 && pc->nlines && (a < pc->text.n || !wrap)) {
        size_t s = pc->lines[2 * pc->nlines - 2], e = pc->lines[2 * pc->nlines - 1];
        if (a < pc->text.n || pdf_text_width(&pc->text, s, e, st->size) > w) {
            pc->lines[2 * pc->nlines - 1] =
                pdf_text_fit_ellipsis(&st->fonts, &pc->text, s, e, w, st->size, NULL);
            pc->lines[2 * pc->nlines - 1] |= (size_t)1 << (sizeof(size_t) * 8 - 1);
        }
    }
    return 0;
}

#define PDF_ELLIPSIS_BIT ((size_t)1 << (sizeof(size_t) * 8 - 1))

/* Draws the laid-out cells of one row whose top is st->y. */
static int pdf_draw_cells(pdf_state *st, float row_h)
{
    uint32_t i;

    for (i = 0; i < st->schema->ncolumns; i++) {
        pdf_col *pc = &st->cols[i];
        size_t l;
        for (l = 0; l < pc->nlines; l++) {
            size_t a = pc->lines[2 * l], e = pc->lines[2 * l + 1] & ~PDF_ELLIPSIS_BIT;
            int ell = (pc->lines[2 * l + 1] & PDF_ELLIPSIS_BIT) != 0;
            float x = pc->x + PDF_PAD;
            float yb = st->y - PDF_PAD - st->size - (float)l * st->line_h + st->size * 0.2f;
            if (pc->right && !ell)
                x = pc->x + pc->w - PDF_PAD - pdf_text_width(&pc->text, a, e, st->size);
            if (pdf_text_draw(&st->fonts, &pc->text, st->page, a, e, x, yb, st->size, ell) < 0)
                return pdf_nomem(st);
        }
    }
    (void)row_h;
    return 0;
}

/* The height of the row laid out in st->cols. */
static float pdf_row_height(pdf_state *st)
{
    size_t most = 1;
    uint32_t i;

    for (i = 0; i < st->schema->ncolumns; i++)
        if (st->cols[i].nlines > most)
            most = st->cols[i].nlines;
    return (float)most * st->line_h + 2 * PDF_PAD;
}

/* Most lines a cell may take so that its row fits on an empty page. */
static size_t pdf_max_lines(pdf_state *st)
{
    float room = st->ph - 2 * PDF_MARGIN - st->size * 16 - 30;
    size_t n = room > st->line_h ? (size_t)(room / st->line_h) : 1;
    return st->wrap ? n : 1;
}

static void pdf_fill_rect(pdf_state *st, float x, float y, float w, float h, float gray)
{
    HPDF_Page_SetGrayFill(st->page, gray);
    HPDF_Page_Rectangle(st->page, x, y, w, h);
    HPDF_Page_Fill(st->page);
    HPDF_Page_SetGrayFill(st->page, 0);
}

static void pdf_hline(pdf_state *st, float y, float gray, float width)
{
    HPDF_Page_SetGrayStroke(st->page, gray);
    HPDF_Page_SetLineWidth(st->page, width);
    HPDF_Page_MoveTo(st->page, PDF_MARGIN, y);
    HPDF_Page_LineTo(st->page, st->pw - PDF_MARGIN, y);
    HPDF_Page_Stroke(st->page);
    HPDF_Page_SetGrayStroke(st->page, 0);
}

/* One line of page-header text, cut with an ellipsis to the page width. */
static int pdf_header_line(pdf_state *st, const char *s, float size)
{
    float w = st->pw - 2 * PDF_MARGIN;
    size_t end;
    int ell;

    if (pdf_text_shape(&st->fonts, &st->scratch, s, strlen(s), 0) < 0)
        return pdf_nomem(st);
    end = st->scratch.n;
    ell = pdf_text_width(&st->scratch, 0, end, size) > w;
    if (ell)
        end = pdf_text_fit_ellipsis(&st->fonts, &st->scratch, 0, end, w, size, NULL);
    st->y -= size * 1.3f;
    if (pdf_text_draw(&st->fonts, &st->scratch, st->page, 0, end, PDF_MARGIN, st->y, size, ell) < 0)
        return pdf_nomem(st);
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

    st->page = HPDF_AddPage(st->pdf);
    if (!st->page)
        return pdf_check(st, "adding a page") ? FERRY_ERR : pdf_nomem(st);
    HPDF_Page_SetSize(st->page, size, dir);
    st->pw = HPDF_Page_GetWidth(st->page);
    st->ph = HPDF_Page_GetHeight(st->page);
    st->pages++;
    st->y = st->ph - PDF_MARGIN;
    if (st->cfg->title && st->cfg->title[0] &&
        (rc = pdf_header_line(st, st->cfg->title, st->size * 1.8f)) < 0)
        return rc;
    if ((rc = pdf_header_line(st, st->generated, st->size)) < 0)
        return rc;
    if (st->cfg->subtitle && st->cfg->subtitle[0] &&
        (rc = pdf_header_line(st, st->cfg->subtitle, st->size)) < 0)
        return rc;
    st->y -= st->line_h;
    if (st->cols[0].w == 0)
        pdf_layout_columns(st);
    /* The table header: labels, wrapped, on a grey band. */
    for (i = 0; i < st->schema->ncolumns; i++) {
        const char *label = st->schema->columns[i].label;
        if (pdf_text_shape(&st->fonts, &st->cols[i].text, label, strlen(label), 0) < 0)
            return pdf_nomem(st);
        if ((rc = pdf_lines(st, &st->cols[i], 3, 1)) < 0)
            return rc;
    }
    h = pdf_row_height(st);
    pdf_fill_rect(st, PDF_MARGIN, st->y - h, st->pw - 2 * PDF_MARGIN, h, 0.85f);
    if ((rc = pdf_draw_cells(st, h)) < 0)
        return rc;
    st->y -= h;
    pdf_hline(st, st->y, 0, 0.8f);
    return pdf_check(st, "drawing the page header");
}

static int pdf_open(void *state, const ferry_schema *schema, ferry_output *out, const char *path,
                    const char *tmpdir, int64_t row_count)
{
    pdf_state *st = state;
    char err[600];
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
    if (st->cfg->title) { /* the info dictionary is not UTF-8: ASCII titles only */
        const char *p = st->cfg->title;
        while (*p && (unsigned char)*p < 0x80)
            p++;
        if (!*p)
            HPDF_SetInfoAttr(st->pdf, HPDF_INFO_TITLE, st->cfg->title);
    }
    if (pdf_fonts_init(&st->fonts, st->pdf, st->cfg->font, st->cfg->fallback_font, err,
                       sizeof err) < 0) {
        st->fonts_live = 1;
        return st->host->error(st->fx, FERRY_ERR_CONFIG, "option font: %s", err);
    }
    st->fonts_live = 1;
    st->hpdf_err = 0;
    return pdf_new_page(st);
}

/* Lays out and draws one row of cells already shaped into st->cols. */
static int pdf_put_row(pdf_state *st, float gray, int force, int wrap)
{
    size_t maxl = pdf_max_lines(st);
    uint32_t i;
    float h;
    int rc;

    for (i = 0; i < st->schema->ncolumns; i++)
        if ((rc = pdf_lines(st, &st->cols[i], maxl, wrap)) < 0)
            return rc;
    h = pdf_row_height(st);
    if (!force && st->y - h < PDF_MARGIN + st->line_h * 1.5f) {
        /* pdf_new_page reshapes the header into st->cols: shape again after. */
        return 1;
    }
    if (gray < 1)
        pdf_fill_rect(st, PDF_MARGIN, st->y - h, st->pw - 2 * PDF_MARGIN, h, gray);
    if ((rc = pdf_draw_cells(st, h)) < 0)
        return rc;
    st->y -= h;
    pdf_hline(st, st->y, 0.8f, 0.3f);
    return 0;
}

static int pdf_shape_row(pdf_state *st, const ferry_batch *batch, uint32_t r)
{
    uint32_t c;

    for (c = 0; c < st->schema->ncolumns; c++) {
        const ferry_column *col = &st->schema->columns[c];
        int rc = pdf_render(st, col, ferry_batch_at(batch, r, c));
        if (rc < 0)
            return rc;
        if (pdf_text_shape(&st->fonts, &st->cols[c].text, st->text.data ? st->text.data : "",
                           st->text.len, st->wrap) < 0)
            return pdf_nomem(st);
    }
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
    uint32_t r;
    int rc;

    for (r = 0; r < batch->nrows; r++) {
        if (st->rows >= (uint64_t)st->cfg->row_cap)
            return st->host->error(st->fx, FERRY_ERR_LIMIT,
                                   "the export has more than %" PRId64
                                   " rows, the PDF row cap (option row_cap); use CSV, JSON or "
                                   "Excel, or narrow the filters",
                                   st->cfg->row_cap);
        if ((rc = pdf_shape_row(st, batch, r)) < 0)
            return rc;
        rc = pdf_put_row(st, 1, 0, st->wrap);
        if (rc == 1) {
            if ((rc = pdf_new_page(st)) < 0 || (rc = pdf_shape_row(st, batch, r)) < 0)
                return rc;
            rc = pdf_put_row(st, 1, 1, st->wrap);
        }
        if (rc < 0)
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
    int label_done = 0;

    for (c = 0; c < st->schema->ncolumns; c++) {
        const ferry_column *col = &st->schema->columns[c];
        pdf_col *pc = &st->cols[c];
        ferry_value v;
        const char *s = "";
        size_t n = 0;
        char tmp[64];
        memset(&v, 0, sizeof v);
        if (pc->total) {
            int rc;
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
        if (pdf_text_shape(&st->fonts, &pc->text, s, n, 0) < 0)
            return pdf_nomem(st);
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
        if (!st->page)
            return pdf_check(st, "numbering pages") ? FERRY_ERR : pdf_nomem(st);
        snprintf(label, sizeof label, "Page %u of %u", i + 1, st->pages);
        if (pdf_text_shape(&st->fonts, &st->scratch, label, strlen(label), 0) < 0)
            return pdf_nomem(st);
        w = pdf_text_width(&st->scratch, 0, st->scratch.n, st->size);
        if (pdf_text_draw(&st->fonts, &st->scratch, st->page, 0, st->scratch.n, (st->pw - w) / 2,
                          PDF_MARGIN * 0.6f, st->size, 0) < 0)
            return pdf_nomem(st);
    }
    return pdf_check(st, "numbering pages");
}

static int pdf_finish(void *state)
{
    pdf_state *st = state;
    uint32_t c;
    int rc, any_total = 0;

    for (c = 0; c < st->schema->ncolumns; c++)
        any_total |= st->cols[c].total;
    if (st->rows == 0) {
        static const char none[] = "No rows.";
        if (pdf_text_shape(&st->fonts, &st->scratch, none, sizeof none - 1, 0) < 0)
            return pdf_nomem(st);
        st->y -= st->line_h + PDF_PAD;
        if (pdf_text_draw(&st->fonts, &st->scratch, st->page, 0, st->scratch.n,
                          PDF_MARGIN + PDF_PAD, st->y, st->size, 0) < 0)
            return pdf_nomem(st);
    } else if (any_total) {
        if ((rc = pdf_shape_totals(st)) < 0)
            return rc;
        rc = pdf_put_row(st, 0.92f, 0, -1);
        if (rc == 1) {
            if ((rc = pdf_new_page(st)) < 0 || (rc = pdf_shape_totals(st)) < 0)
                return rc;
            rc = pdf_put_row(st, 0.92f, 1, -1);
        }
        if (rc < 0)
            return rc;
    }
    if ((rc = pdf_footer(st)) < 0)
        return rc;
    if (HPDF_SaveToFile(st->pdf, st->path) != HPDF_OK || st->hpdf_err)
        return st->host->error(st->fx, FERRY_ERR_IO, "cannot write %s (libharu error 0x%04X)",
                               st->path, (unsigned)st->hpdf_err);
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
