/*
 * format_xlsx.c — the format-xlsx plugin: an Excel workbook written with
 * libxlsxwriter in constant-memory mode (each row goes to a temporary file
 * in the staging directory as it is written, so memory stays flat).
 *
 * Typed cells: numbers as numbers, dates and timestamps as Excel datetimes
 * (timestamps in the field style's zone) with a number format from the
 * style, durations as the style says (a fraction of a day shown [h]:mm,
 * or hours or seconds as numbers). Every string is written with
 * worksheet_write_string, never as a formula, so "=HYPERLINK(…)" stays
 * inert text. A bold, frozen header row with an autofilter; an optional
 * title row above it. Past a sheet's row limit (Excel: 1,048,576 rows) the
 * export goes on in a new sheet "NAME (2)", "NAME (3)", … with the title
 * and header repeated. Strings over Excel's 32,767-character cell limit
 * are cut on a character boundary; the count is logged at finish.
 */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "ferry/ferry.h"
#include "utf8.h"
#include "xlsx_numfmt.h"

#define XLSX_CELL_MAX_UNITS   32767u /* Excel's cell limit, UTF-16 units */
#define XLSX_SHEETNAME_MAX    31u
#define XLSX_EXCEL_EPOCH_DAYS 25569 /* 1970-01-01 as an Excel serial day */

typedef struct xlsx_config {
    const char *sheet_name;
    const char *title;
    int64_t sheet_rows;
} xlsx_config;

static const ferry_option xlsx_options[] = {
    {"sheet_name", FERRY_OPT_STRING, FERRY_OPT_TEMPLATE, "Export", NULL,
     offsetof(xlsx_config, sheet_name),
     "worksheet name (at most 31 characters; []:*?/\\ become _); further sheets add \" (2)\", "
     "\" (3)\"…",
     "Time entries"},
    {"title", FERRY_OPT_STRING, FERRY_OPT_TEMPLATE, NULL, NULL, offsetof(xlsx_config, title),
     "a title row above the header on every sheet, and the document title; unset: none",
     "Timesheet"},
    {"sheet_rows", FERRY_OPT_INT, 0, "1048576", NULL, offsetof(xlsx_config, sheet_rows),
     "rows per sheet, title and header included, before a new sheet starts (Excel's maximum "
     "1048576)",
     NULL},
    {0}};

/* Per column: Excel formats and a style copy whose timestamps render as
 * the offset of their zone ("%z"), for local Excel datetimes. */
typedef struct xlsx_column {
    lxw_format *fmt;   /* number format of the column's cells, or NULL */
    ferry_column zcol; /* the schema column with style = &zstyle */
    ferry_field_style zstyle;
    double width;
} xlsx_column;

typedef struct xlsx_state {
    ferry_ctx *fx;
    const ferry_host *host;
    const xlsx_config *cfg;
    const ferry_schema *schema;
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold, *title_fmt;
    lxw_format *decimal_fmt[16]; /* "0", "0.0", … by digits after the point */
    xlsx_column *cols;
    char base_name[XLSX_SHEETNAME_MAX * 4 + 1];
    char *tmpdir; /* malloc */
    uint32_t sheets;
    uint32_t header_row;  /* 0, or 1 under a title */
    lxw_row_t row;        /* next row of the current sheet */
    lxw_row_t sheet_rows; /* rows per sheet */
    uint64_t cut_cells;
    char *scratch; /* malloc: strings that need a copy (cut, repaired) */
    size_t scratch_cap;
    ferry_buf text; /* host->format_value output */
} xlsx_state;

static int xlsx_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    const xlsx_config *cfg = config;
    xlsx_state *st;

    if (cfg->sheet_rows < 3 || cfg->sheet_rows > LXW_ROW_MAX)
        return host->error(fx, FERRY_ERR_CONFIG,
                           "option sheet_rows = %lld is out of range (3 to %d)",
                           (long long)cfg->sheet_rows, LXW_ROW_MAX);
    st = calloc(1, sizeof *st);
    if (!st)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    st->fx = fx;
    st->host = host;
    st->cfg = cfg;
    st->sheet_rows = (lxw_row_t)cfg->sheet_rows;
    *state = st;
    return 0;
}

/* Frees the workbook without writing it: libxlsxwriter has no "discard",
 * so the half-written file at `path` is removed by the core (staging). */
static void xlsx_drop(xlsx_state *st)
{
    if (st->wb)
        lxw_workbook_free(st->wb);
    st->wb = NULL;
    st->ws = NULL;
    free(st->cols);
    st->cols = NULL;
}

static void xlsx_destroy(void *state)
{
    xlsx_state *st = state;

    if (!st)
        return;
    xlsx_drop(st);
    free(st->tmpdir);
    free(st->scratch);
    st->host->buf_free(&st->text);
    free(st);
}

static int xlsx_nomem(xlsx_state *st)
{
    return st->host->error(st->fx, FERRY_ERR_NOMEM, "out of memory");
}

static int xlsx_lxw(xlsx_state *st, lxw_error e, const char *what)
{
    return st->host->error(st->fx,
                           e == LXW_ERROR_MEMORY_MALLOC_FAILED ? FERRY_ERR_NOMEM : FERRY_ERR_IO,
                           "%s: %s", what, lxw_strerror(e));
}

/* A valid sheet name from the option: forbidden characters become '_',
 * leading/trailing apostrophes go, at most `max` characters. */
static void xlsx_sheet_name(const char *in, size_t max, char *out, size_t cap)
{
    size_t i = 0, n = 0, chars = 0, len = strlen(in);
    uint32_t cp;

    while (i < len && in[i] == '\'')
        i++;
    while (i < len && chars < max) {
        int k = ferry_utf8_decode(in + i, len - i, &cp);
        if (k < 0) { /* bad byte: '_' */
            i += (size_t)-k;
            k = 0;
            cp = '_';
        }
        if (n + 5 > cap)
            break;
        if (k == 0 || strchr("[]:*?/\\", (int)cp) || cp < 0x20) {
            out[n++] = '_';
        } else {
            memcpy(out + n, in + i, (size_t)k);
            n += (size_t)k;
        }
        i += (size_t)k;
        chars++;
    }
    while (n && out[n - 1] == '\'')
        n--;
    out[n] = '\0';
    if (n == 0)
        snprintf(out, cap, "Sheet");
}

static double xlsx_text_width(const char *s)
{
    double w = 0;
    size_t i = 0, len = strlen(s);
    uint32_t cp;

    while (i < len) {
        int k = ferry_utf8_decode(s + i, len - i, &cp);
        i += (size_t)(k > 0 ? k : -k);
        /* Wide (CJK) characters take about two columns. */
        w += (k > 0 && cp >= 0x1100 &&
              (cp <= 0x115F || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
               (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFF60) || cp >= 0x20000))
                 ? 2
                 : 1;
    }
    return w;
}

/* Title row, header row, freeze and column widths of a new sheet. */
static int xlsx_new_sheet(xlsx_state *st)
{
    char name[sizeof st->base_name + 16];
    uint32_t c, nc = st->schema->ncolumns;
    lxw_error e;

    if (st->sheets == 0) {
        snprintf(name, sizeof name, "%s", st->base_name);
    } else {
        char suffix[16], base[sizeof st->base_name];
        int sl = snprintf(suffix, sizeof suffix, " (%u)", st->sheets + 1);
        xlsx_sheet_name(st->base_name, XLSX_SHEETNAME_MAX - (size_t)sl, base, sizeof base);
        snprintf(name, sizeof name, "%s%s", base, suffix);
    }
    st->ws = workbook_add_worksheet(st->wb, name);
    if (!st->ws)
        return st->host->error(st->fx, FERRY_ERR_CONFIG,
                               "cannot add worksheet \"%s\" (option sheet_name)", name);
    st->sheets++;
    st->row = 0;
    if (st->cfg->title && st->cfg->title[0]) {
        e = worksheet_write_string(st->ws, 0, 0, st->cfg->title, st->title_fmt);
        if (e)
            return xlsx_lxw(st, e, "writing the title");
    }
    for (c = 0; c < nc; c++) {
        e = worksheet_set_column(st->ws, (lxw_col_t)c, (lxw_col_t)c, st->cols[c].width, NULL);
        if (!e)
            e = worksheet_write_string(st->ws, (lxw_row_t)st->header_row, (lxw_col_t)c,
                                       st->schema->columns[c].label, st->bold);
        if (e)
            return xlsx_lxw(st, e, "writing the header");
    }
    worksheet_freeze_panes(st->ws, (lxw_row_t)(st->header_row + 1), 0);
    st->row = (lxw_row_t)(st->header_row + 1);
    return 0;
}

/* The autofilter over what the sheet holds: called when a sheet is done. */
static int xlsx_end_sheet(xlsx_state *st)
{
    lxw_error e;

    if (!st->ws || st->schema->ncolumns == 0)
        return 0;
    e = worksheet_autofilter(st->ws, (lxw_row_t)st->header_row, 0,
                             st->row > st->header_row + 1 ? st->row - 1 : st->header_row,
                             (lxw_col_t)(st->schema->ncolumns - 1));
    return e ? xlsx_lxw(st, e, "setting the autofilter") : 0;
}

static lxw_format *xlsx_numfmt(xlsx_state *st, const char *numfmt)
{
    lxw_format *f = workbook_add_format(st->wb);
    if (f)
        format_set_num_format(f, numfmt);
    return f;
}

/* The column's number format and width from its type and style. */
static int xlsx_setup_column(xlsx_state *st, uint32_t i)
{
    const ferry_column *c = &st->schema->columns[i];
    xlsx_column *xc = &st->cols[i];
    char nf[128];
    double min = 8;
    int wants_fmt = 1;

    xc->zcol = *c;
    xc->zstyle = *c->style;
    xc->zstyle.timestamp_format = "%z";
    xc->zcol.style = &xc->zstyle;
    switch (c->type) {
    case FERRY_TYPE_DATE:
        if (!c->style->date_format ||
            xlsx_numfmt_from_strftime(c->style->date_format, nf, sizeof nf) < 0)
            snprintf(nf, sizeof nf, "yyyy-mm-dd");
        xc->fmt = xlsx_numfmt(st, nf);
        min = (double)strlen(nf) + 2;
        break;
    case FERRY_TYPE_TIMESTAMP:
        if (!c->style->timestamp_format ||
            xlsx_numfmt_from_strftime(c->style->timestamp_format, nf, sizeof nf) < 0)
            snprintf(nf, sizeof nf, "yyyy-mm-dd hh:mm:ss");
        xc->fmt = xlsx_numfmt(st, nf);
        min = 21;
        break;
    case FERRY_TYPE_DURATION:
        switch (c->style->duration_style) {
        case FERRY_DURATION_HOURS:
            xlsx_numfmt_decimals(c->style->decimals >= 0 ? c->style->decimals : 2, nf, sizeof nf);
            break;
        case FERRY_DURATION_SECONDS:
            snprintf(nf, sizeof nf, "0");
            break;
        case FERRY_DURATION_HMMSS:
            snprintf(nf, sizeof nf, "[h]:mm:ss");
            break;
        default:
            snprintf(nf, sizeof nf, "[h]:mm");
        }
        xc->fmt = xlsx_numfmt(st, nf);
        min = 10;
        break;
    case FERRY_TYPE_DOUBLE:
        if (c->style->decimals >= 0) {
            xlsx_numfmt_decimals(c->style->decimals, nf, sizeof nf);
            xc->fmt = xlsx_numfmt(st, nf);
        }
        break;
    default:
        wants_fmt = 0;
        break;
    }
    if (c->type == FERRY_TYPE_DOUBLE && c->style->decimals < 0)
        wants_fmt = 0;
    if (wants_fmt && !xc->fmt)
        return xlsx_nomem(st);
    xc->width = c->style->width > 0 ? (double)c->style->width : xlsx_text_width(c->label) + 2;
    if (c->style->width <= 0 && xc->width < min)
        xc->width = min;
    if (xc->width > 255)
        xc->width = 255;
    return 0;
}

static int xlsx_open(void *state, const ferry_schema *schema, ferry_output *out, const char *path,
                     const char *tmpdir, int64_t row_count)
{
    xlsx_state *st = state;
    lxw_workbook_options opts;
    uint32_t i;
    int rc;

    if (!path)
        return st->host->error(st->fx, FERRY_ERR, "no file path to write");
    st->schema = schema;
    st->sheets = 0;
    st->cut_cells = 0;
    st->header_row = st->cfg->title && st->cfg->title[0] ? 1 : 0;
    free(st->tmpdir);
    if (tmpdir) {
        st->tmpdir = strdup(tmpdir);
    } else { /* beside the staging file, never /tmp */
        const char *slash = strrchr(path, '/');
        st->tmpdir = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup(".");
    }
    if (!st->tmpdir)
        return xlsx_nomem(st);
    memset(&opts, 0, sizeof opts);
    opts.constant_memory = LXW_TRUE;
    opts.tmpdir = st->tmpdir;
    opts.use_zip64 = LXW_FALSE;
    st->wb = workbook_new_opt(path, &opts);
    if (!st->wb)
        return st->host->error(st->fx, FERRY_ERR_IO, "cannot create workbook %s", path);
    if (st->cfg->title && st->cfg->title[0]) {
        lxw_doc_properties props;
        memset(&props, 0, sizeof props);
        props.title = (char *)st->cfg->title;
        if (workbook_set_properties(st->wb, &props))
            return xlsx_nomem(st);
    }
    st->bold = workbook_add_format(st->wb);
    st->title_fmt = workbook_add_format(st->wb);
    if (!st->bold || !st->title_fmt)
        return xlsx_nomem(st);
    format_set_bold(st->bold);
    format_set_bold(st->title_fmt);
    format_set_font_size(st->title_fmt, 14);
    st->cols = calloc(schema->ncolumns ? schema->ncolumns : 1, sizeof *st->cols);
    if (!st->cols)
        return xlsx_nomem(st);
    for (i = 0; i < schema->ncolumns; i++)
        if ((rc = xlsx_setup_column(st, i)) < 0)
            return rc;
    xlsx_sheet_name(st->cfg->sheet_name ? st->cfg->sheet_name : "Export", XLSX_SHEETNAME_MAX,
                    st->base_name, sizeof st->base_name);
    return xlsx_new_sheet(st);
}

static int xlsx_scratch(xlsx_state *st, size_t need)
{
    char *p;

    if (need <= st->scratch_cap)
        return 0;
    p = realloc(st->scratch, need);
    if (!p)
        return xlsx_nomem(st);
    st->scratch = p;
    st->scratch_cap = need;
    return 0;
}

/* A string cell: invalid UTF-8 repaired (U+FFFD), cut to Excel's limit. */
static int xlsx_string(xlsx_state *st, uint32_t c, const char *s, size_t len)
{
    const char *w = s;
    size_t keep;
    lxw_error e;
    int rc;

    if (!ferry_utf8_valid(s, len) || memchr(s, '\0', len)) {
        size_t i = 0, n = 0;
        uint32_t cp;
        if ((rc = xlsx_scratch(st, len * 3 + 1)) < 0)
            return rc;
        while (i < len) {
            int k = ferry_utf8_decode(s + i, len - i, &cp);
            if (k < 0) {
                n += (size_t)ferry_utf8_encode(0xFFFD, st->scratch + n);
                i += (size_t)-k;
            } else if (cp == 0) { /* a NUL would end the C string */
                i++;
            } else {
                memcpy(st->scratch + n, s + i, (size_t)k);
                n += (size_t)k;
                i += (size_t)k;
            }
        }
        st->scratch[n] = '\0';
        w = st->scratch;
        len = n;
    }
    keep = len > XLSX_CELL_MAX_UNITS ? ferry_utf8_prefix_units(w, len, XLSX_CELL_MAX_UNITS) : len;
    if (keep < len) {
        if (w != st->scratch) {
            if ((rc = xlsx_scratch(st, keep + 1)) < 0)
                return rc;
            memcpy(st->scratch, w, keep);
            w = st->scratch;
        }
        st->scratch[keep] = '\0';
        st->cut_cells++;
    }
    e = worksheet_write_string(st->ws, st->row, (lxw_col_t)c, w, NULL);
    return e ? xlsx_lxw(st, e, "writing a string cell") : 0;
}

/* Runs host->format_value into st->text. */
static int xlsx_text(xlsx_state *st, const ferry_column *col, const ferry_value *v)
{
    int rc;

    st->text.len = 0;
    rc = st->host->format_value(st->fx, col, v, &st->text);
    if (rc < 0)
        return st->host->error(st->fx, rc, "cannot render column %s", col->name);
    return 0;
}

/* The offset in seconds of the column's zone at `v`, from "+0130". */
static int xlsx_zone_offset(xlsx_state *st, xlsx_column *xc, const ferry_value *v, int64_t *secs)
{
    const char *t;
    int rc = xlsx_text(st, &xc->zcol, v);

    if (rc < 0)
        return rc;
    t = st->text.data;
    *secs = 0;
    if (st->text.len >= 5 && (t[0] == '+' || t[0] == '-')) {
        int64_t h = (t[1] - '0') * 10 + (t[2] - '0'), m = (t[3] - '0') * 10 + (t[4] - '0');
        *secs = (h * 3600 + m * 60) * (t[0] == '-' ? -1 : 1);
    }
    return 0;
}

static int xlsx_number(xlsx_state *st, uint32_t c, double x, lxw_format *f)
{
    lxw_error e = worksheet_write_number(st->ws, st->row, (lxw_col_t)c, x, f);
    return e ? xlsx_lxw(st, e, "writing a number cell") : 0;
}

/* An exact decimal as a number when a double holds it (15 significant
 * digits), formatted with its own digits after the point; else text. */
static int xlsx_decimal(xlsx_state *st, uint32_t c, const ferry_value *v)
{
    const char *s = v->u.str, *dot = memchr(s, '.', v->len);
    size_t i, digits = 0, frac = dot ? v->len - (size_t)(dot - s) - 1 : 0;
    char *end;
    double x;

    for (i = 0; i < v->len; i++)
        digits += (s[i] >= '0' && s[i] <= '9');
    x = strtod(s, &end);
    if (digits > 15 || end != s + v->len || frac > 15 || !isfinite(x))
        return xlsx_string(st, c, s, v->len);
    if (!st->decimal_fmt[frac]) {
        char nf[24];
        xlsx_numfmt_decimals((int)frac, nf, sizeof nf);
        st->decimal_fmt[frac] = xlsx_numfmt(st, nf);
        if (!st->decimal_fmt[frac])
            return xlsx_nomem(st);
    }
    return xlsx_number(st, c, x, st->decimal_fmt[frac]);
}

static int xlsx_cell(xlsx_state *st, uint32_t c, const ferry_value *v)
{
    xlsx_column *xc = &st->cols[c];
    const ferry_field_style *fs = &xc->zstyle;
    lxw_error e;
    int rc;

    switch (v->type) {
    case FERRY_TYPE_NULL:
        if (fs->null_text && fs->null_text[0])
            return xlsx_string(st, c, fs->null_text, strlen(fs->null_text));
        return 0;
    case FERRY_TYPE_BOOL:
        e = worksheet_write_boolean(st->ws, st->row, (lxw_col_t)c, v->u.i64 != 0, NULL);
        return e ? xlsx_lxw(st, e, "writing a boolean cell") : 0;
    case FERRY_TYPE_INT64:
        if (v->u.i64 > (INT64_C(1) << 53) || v->u.i64 < -(INT64_C(1) << 53)) {
            char t[24];
            int n = snprintf(t, sizeof t, "%" PRId64, v->u.i64);
            return xlsx_string(st, c, t, (size_t)n); /* a double would change it */
        }
        return xlsx_number(st, c, (double)v->u.i64, NULL);
    case FERRY_TYPE_DOUBLE:
        if (!isfinite(v->u.f64)) { /* no such Excel number: as text */
            const char *t = isnan(v->u.f64) ? "NaN" : v->u.f64 > 0 ? "Infinity" : "-Infinity";
            return xlsx_string(st, c, t, strlen(t));
        }
        return xlsx_number(st, c, v->u.f64, xc->fmt);
    case FERRY_TYPE_DECIMAL:
        return xlsx_decimal(st, c, v);
    case FERRY_TYPE_STRING:
        return xlsx_string(st, c, v->u.str, v->len);
    case FERRY_TYPE_DATE:
        if (v->u.i64 < -25508) /* before 1900-03-01: Excel cannot show it */
            break;
        return xlsx_number(st, c, (double)(v->u.i64 + XLSX_EXCEL_EPOCH_DAYS), xc->fmt);
    case FERRY_TYPE_TIMESTAMP: {
        int64_t off;
        if ((rc = xlsx_zone_offset(st, xc, v, &off)) < 0)
            return rc;
        if (v->u.i64 / 1000000 + off < -25508 * INT64_C(86400))
            break;
        return xlsx_number(
            st, c, (double)XLSX_EXCEL_EPOCH_DAYS + ((double)v->u.i64 / 1e6 + (double)off) / 86400.0,
            xc->fmt);
    }
    case FERRY_TYPE_DURATION:
        switch (fs->duration_style) {
        case FERRY_DURATION_HOURS:
            return xlsx_number(st, c, (double)v->u.i64 / 3.6e9, xc->fmt);
        case FERRY_DURATION_SECONDS:
            return xlsx_number(st, c, (double)v->u.i64 / 1e6, xc->fmt);
        default:
            return xlsx_number(st, c, (double)v->u.i64 / 8.64e10, xc->fmt);
        }
    default:
        return st->host->error(st->fx, FERRY_ERR_DATA, "column %s has a value of unknown type %d",
                               xc->zcol.name, v->type);
    }
    /* Out of Excel's date range: the text CSV would show. */
    if ((rc = xlsx_text(st, &st->schema->columns[c], v)) < 0)
        return rc;
    return xlsx_string(st, c, st->text.data ? st->text.data : "", st->text.len);
}

static int xlsx_write(void *state, const ferry_batch *batch)
{
    xlsx_state *st = state;
    uint32_t r, c, nc = st->schema->ncolumns;
    int rc;

    for (r = 0; r < batch->nrows; r++) {
        if (st->row >= st->sheet_rows) {
            if ((rc = xlsx_end_sheet(st)) < 0 || (rc = xlsx_new_sheet(st)) < 0)
                return rc;
        }
        for (c = 0; c < nc; c++)
            if ((rc = xlsx_cell(st, c, ferry_batch_at(batch, r, c))) < 0)
                return rc;
        st->row++;
    }
    return 0;
}

static int xlsx_finish(void *state)
{
    xlsx_state *st = state;
    lxw_error e;
    int rc;

    if ((rc = xlsx_end_sheet(st)) < 0)
        return rc;
    e = workbook_close(st->wb); /* writes the file and frees the workbook */
    st->wb = NULL;
    st->ws = NULL;
    if (e)
        return xlsx_lxw(st, e, "writing the workbook");
    if (st->cut_cells)
        st->host->log(st->fx, FERRY_LOG_WARN,
                      "%" PRIu64 " cells cut to Excel's 32767-character limit", st->cut_cells);
    return 0;
}

static void xlsx_close(void *state)
{
    xlsx_drop(state);
}

static const ferry_format_ops xlsx_ops = {xlsx_open, xlsx_write, xlsx_finish, xlsx_close};

static const ferry_plugin_descriptor format_xlsx = {
    FERRY_PLUGIN_HEADER,
    FERRY_KIND_FORMAT,
    "format-xlsx",
    "1.0.0",
    "Excel workbook (libxlsxwriter, constant memory): typed cells, frozen header, autofilter",
    xlsx_options,
    sizeof(xlsx_config),
    FERRY_FORMAT_WANTS_FILE,
    0,
    "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    xlsx_init,
    xlsx_destroy,
    NULL,
    NULL,
    &xlsx_ops,
    NULL,
    NULL};

FERRY_PLUGIN_DEFINE(format_xlsx)
