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
 * and header repeated.
 *
 * Every value is carried exactly or reported with host->warn (row and
 * column): strings with OOXML escapes and cut at 32,767 characters with a
 * mark (xlsx_value.c); a value is written by its own type, whatever its
 * column's; a double as the fewest digits that read back exactly (never
 * libxlsxwriter's "%.16G", which changes some); a DECIMAL is a number only
 * when a double holds it; dates outside Excel's range, NaN and infinities
 * are text.
 *
 * The data rows' XML is written here (xlsx_rowxml.c) straight into the
 * sheet's constant-memory row file, as libxlsxwriter would write the same
 * cells; title and header rows go through libxlsxwriter and are flushed
 * before the first data row.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xlsxwriter.h>

#include "ferry/ferry.h"
#include "utf8.h"
#include "xlsx_numfmt.h"
#include "xlsx_rowxml.h"
#include "xlsx_value.h"

#define XLSX_SHEETNAME_MAX 31u

typedef struct xlsx_config {
    const char *sheet_name;
    const char *title;
    int64_t sheet_rows;
} xlsx_config;

static const ferry_option xlsx_options[] = {
    FERRY_OPTION(
        "sheet_name", FERRY_OPT_STRING, FERRY_OPT_TEMPLATE, "Export", NULL, xlsx_config, sheet_name,
        "worksheet name (at most 31 characters, in UTF-16 units; []:*?/\\, control characters, "
        "U+FFFE and U+FFFF become _; Excel's reserved \"History\" becomes \"History_\"); further "
        "sheets add \" (2)\", \" (3)\"…",
        "Time entries"),
    FERRY_OPTION(
        "title", FERRY_OPT_STRING, FERRY_OPT_TEMPLATE, NULL, NULL, xlsx_config, title,
        "a title row above the header on every sheet, and the document title (where what XML "
        "cannot hold, such as control characters, is U+FFFD); unset: none",
        "Timesheet"),
    FERRY_OPTION(
        "sheet_rows", FERRY_OPT_INT, 0, "1048576", NULL, xlsx_config, sheet_rows,
        "rows per sheet, title and header included, before a new sheet starts (Excel's maximum "
        "1048576)",
        NULL),
    {0},
};

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
    lxw_format *decimal_fmt[16];                   /* "0", "0.0", … by digits after the point */
    lxw_format *type_fmt[FERRY_TYPE_DURATION + 1]; /* a date or time value in
                                                      a column of another type */
    xlsx_column *cols;
    char base_name[XLSX_SHEETNAME_MAX * 4 + 1];
    char *tmpdir; /* malloc */
    uint32_t sheets;
    uint32_t header_row;  /* 0, or 1 under a title */
    lxw_row_t row;        /* next row of the current sheet */
    lxw_row_t sheet_rows; /* rows per sheet */
    uint64_t data_row;    /* 1-based data row of the workbook being written */
    char (*colref)[4];    /* malloc, per column: its letters, "A" … "XFD" */
    char rowref[12];      /* the current row's number (1-based) as text */
    size_t rowref_len;
    size_t row_start;                 /* where the current row starts in xml */
    lxw_col_t row_colmin, row_colmax; /* cells written in the current row */
    int row_cells;
    xlsx_xml xml;  /* data rows not yet in the sheet's row file */
    char *scratch; /* malloc: the escaped text of a string cell */
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
    st = host->alloc(fx, sizeof *st);
    if (!st)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(st, 0, sizeof *st);
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
    free(st->colref);
    st->colref = NULL;
}

static void xlsx_destroy(void *state)
{
    xlsx_state *st = state;

    if (!st)
        return;
    xlsx_drop(st);
    xlsx_xml_free(&st->xml);
    free(st->tmpdir);
    free(st->scratch);
    st->host->buf_free(&st->text);
    st->host->free(st->fx, st);
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

/* Whether cp may stand in a sheet name: Excel forbids []:*?/\ (and
 * control characters), XML cannot hold U+FFFE and U+FFFF. */
static int xlsx_sheet_char(uint32_t cp)
{
    return cp >= 0x20 && cp != 0xFFFE && cp != 0xFFFF &&
           !(cp < 0x80 && strchr("[]:*?/\\", (int)cp));
}

/* A valid sheet name from the option: forbidden characters become '_',
 * leading/trailing apostrophes go, at most `max` UTF-16 units (Excel's
 * limit, as for a cell's text). */
static void xlsx_sheet_name(const char *in, size_t max, char *out, size_t cap)
{
    size_t i = 0, n = 0, units = 0, len = strlen(in);
    uint32_t cp;

    while (i < len && in[i] == '\'')
        i++;
    while (i < len) {
        int k = ferry_utf8_decode(in + i, len - i, &cp);
        if (k < 0) { /* bad byte: '_' */
            i += (size_t)-k;
            k = 0;
            cp = '_';
        }
        if (n + 5 > cap || units + (cp > 0xFFFF ? 2 : 1) > max)
            break;
        if (k == 0 || !xlsx_sheet_char(cp)) {
            out[n++] = '_';
        } else {
            memcpy(out + n, in + i, (size_t)k);
            n += (size_t)k;
        }
        i += (size_t)k;
        units += cp > 0xFFFF ? 2 : 1;
    }
    while (n && out[n - 1] == '\'')
        n--;
    out[n] = '\0';
    if (n == 0)
        snprintf(out, cap, "Sheet");
}

/* Whether XML can hold cp (not C0 controls but tab, line feed and carriage
 * return, not U+FFFE, U+FFFF). */
static int xlsx_xml_char(uint32_t cp)
{
    return (cp >= 0x20 || cp == '\t' || cp == '\n' || cp == '\r') && cp != 0xFFFE && cp != 0xFFFF;
}

/* s with what XML cannot hold (and invalid UTF-8) as U+FFFD: the document
 * title (docProps/core.xml, which libxlsxwriter writes as it is, and which
 * has no _xHHHH_ escapes). malloc'd; NULL when out of memory. */
static char *xlsx_xml_text(const char *s)
{
    return ferry_utf8_replaced(s, xlsx_xml_char);
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

/* Text outside the data (title, header labels) escaped as a cell's is, in
 * st->scratch; NULL when out of memory. Invalid UTF-8 in column c's label
 * (c >= 0) is reported once, on the first sheet, as row 0. */
static const char *xlsx_label(xlsx_state *st, const char *s, int32_t c)
{
    size_t len = strlen(s);
    xlsx_text_info info;

    if (xlsx_scratch(st, len * 7 + 8) < 0)
        return NULL;
    xlsx_cell_text(s, len, st->scratch, &info);
    if (info.repaired && c >= 0 && st->sheets == 1 &&
        st->host->size >= offsetof(ferry_host, warn) + sizeof(void *) && st->host->warn)
        st->host->warn(st->fx, 0, c, "the header of column %d: invalid UTF-8 replaced by U+FFFD",
                       c + 1);
    return st->scratch;
}

/* Sets the worksheet's name as formulas refer to it to the quoted form,
 * always ('A1', 'O''Brien'): libxlsxwriter leaves a name of letters,
 * digits, '_' and '.' bare, and Excel reads a bare "A1!$A$1:$C$9" or
 * "R1C1!…" in the autofilter's defined name as a cell reference (a
 * workbook it repairs). libxlsxwriter frees the field with the sheet. */
static int xlsx_quote_sheet(lxw_worksheet *ws, const char *name)
{
    size_t i, n = 3;
    char *q, *p;

    for (i = 0; name[i]; i++)
        n += 1 + (name[i] == '\'');
    if (!(q = malloc(n)))
        return -1;
    p = q;
    *p++ = '\'';
    for (i = 0; name[i]; i++) {
        if (name[i] == '\'')
            *p++ = '\'';
        *p++ = name[i];
    }
    *p++ = '\'';
    *p = '\0';
    free(ws->quoted_name);
    ws->quoted_name = q;
    return 0;
}

/* Title row, header row, freeze and column widths of a new sheet. */
static int xlsx_new_sheet(xlsx_state *st)
{
    char name[sizeof st->base_name + 16];
    uint32_t c, nc = st->schema->ncolumns;
    const char *label = NULL;
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
    if (xlsx_quote_sheet(st->ws, name) < 0)
        return xlsx_nomem(st);
    st->sheets++;
    st->row = 0;
    if (st->cfg->title && st->cfg->title[0]) {
        const char *t = xlsx_label(st, st->cfg->title, -1);
        e = t ? worksheet_write_string(st->ws, 0, 0, t, st->title_fmt)
              : LXW_ERROR_MEMORY_MALLOC_FAILED;
        if (e)
            return xlsx_lxw(st, e, "writing the title");
    }
    for (c = 0; c < nc; c++) {
        e = worksheet_set_column(st->ws, (lxw_col_t)c, (lxw_col_t)c, st->cols[c].width, NULL);
        if (!e && !(label = xlsx_label(st, st->schema->columns[c].label, (int32_t)c)))
            e = LXW_ERROR_MEMORY_MALLOC_FAILED;
        if (!e)
            e = worksheet_write_string(st->ws, (lxw_row_t)st->header_row, (lxw_col_t)c, label,
                                       st->bold);
        if (e)
            return xlsx_lxw(st, e, "writing the header");
    }
    worksheet_freeze_panes(st->ws, (lxw_row_t)(st->header_row + 1), 0);
    /* the header row into the row file now: the data rows follow it there */
    lxw_worksheet_write_single_row(st->ws);
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
    st->data_row = 0;
    st->xml.len = 0;
    if (schema->ncolumns > LXW_COL_MAX)
        return st->host->error(st->fx, FERRY_ERR_CONFIG, "%u columns: Excel has at most %d",
                               schema->ncolumns, LXW_COL_MAX);
    memset(st->decimal_fmt, 0, sizeof st->decimal_fmt);
    memset(st->type_fmt, 0, sizeof st->type_fmt);
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
        props.title = xlsx_xml_text(st->cfg->title);
        rc = !props.title || workbook_set_properties(st->wb, &props);
        free(props.title);
        if (rc)
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
    st->colref = calloc(schema->ncolumns ? schema->ncolumns : 1, sizeof *st->colref);
    if (!st->cols || !st->colref)
        return xlsx_nomem(st);
    for (i = 0; i < schema->ncolumns; i++) {
        lxw_col_to_name(st->colref[i], (lxw_col_t)i, LXW_FALSE);
        if ((rc = xlsx_setup_column(st, i)) < 0)
            return rc;
    }
    xlsx_sheet_name(st->cfg->sheet_name ? st->cfg->sheet_name : "Export", XLSX_SHEETNAME_MAX,
                    st->base_name, sizeof st->base_name);
    if (strcasecmp(st->base_name, "History") == 0) /* reserved by Excel */
        strcat(st->base_name, "_");
    return xlsx_new_sheet(st);
}

/* Reports a value not carried exactly (ABI 1.2 hosts; older ones log). */
static void xlsx_warn(xlsx_state *st, uint32_t c, const char *fmt, ...) FERRY_PRINTF(3, 4);
static void xlsx_warn(xlsx_state *st, uint32_t c, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (st->host->size >= offsetof(ferry_host, warn) + sizeof(void *) && st->host->warn)
        st->host->warn(st->fx, st->data_row, (int32_t)c, "column %s: %s",
                       st->schema->columns[c].name, msg);
    else
        st->host->log(st->fx, FERRY_LOG_WARN, "row %" PRIu64 " column %s: %s", st->data_row,
                      st->schema->columns[c].name, msg);
}

/* Room for a cell of `more` bytes in st->xml, and its start there. */
static int xlsx_cell_start(xlsx_state *st, uint32_t c, size_t more, lxw_format *f, const char *type)
{
    if (more > SIZE_MAX - 128 || xlsx_xml_reserve(&st->xml, more + 128) < 0)
        return xlsx_nomem(st);
    xlsx_xml_cell(&st->xml, st->colref[c], st->rowref, st->rowref_len,
                  f ? lxw_format_get_xf_index(f) : 0, type);
    if (st->row_cells++ == 0 || c < st->row_colmin)
        st->row_colmin = (lxw_col_t)c;
    if (st->row_cells == 1 || c > st->row_colmax)
        st->row_colmax = (lxw_col_t)c;
    return 0;
}

/* A string cell, escaped, repaired and cut by xlsx_cell_text unless it is
 * plain ASCII text that needs none of it. An empty string is no cell. */
static int xlsx_string(xlsx_state *st, uint32_t c, const char *s, size_t len)
{
    xlsx_text_info info;
    size_t n;
    int rc;

    if (len == 0)
        return 0;
    if (len > (SIZE_MAX - 8) / 7)
        return xlsx_nomem(st);
    if ((rc = xlsx_cell_start(st, c, len * 7 + 40, NULL, "inlineStr")) < 0)
        return rc;
    if (len <= XLSX_CELL_MAX_CHARS && xlsx_xml_string(&st->xml, s, len, 1) == 0)
        return 0;
    if ((rc = xlsx_scratch(st, len * 7 + 8)) < 0)
        return rc;
    n = xlsx_cell_text(s, len, st->scratch, &info);
    if (info.repaired)
        xlsx_warn(st, c, "invalid UTF-8 replaced by U+FFFD (%" PRIu64 " sequences)", info.repaired);
    if (info.cut)
        xlsx_warn(st, c, "text of %" PRIu64 " characters cut to Excel's 32767 (ends \"[…]\")",
                  info.chars);
    if (xlsx_xml_reserve(&st->xml, n * 7 + 40) < 0)
        return xlsx_nomem(st);
    xlsx_xml_string(&st->xml, st->scratch, n, 0);
    return 0;
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

/* The value as the text CSV would show, in a string cell. */
static int xlsx_as_text(xlsx_state *st, uint32_t c, const ferry_value *v)
{
    int rc = xlsx_text(st, &st->schema->columns[c], v);

    if (rc < 0)
        return rc;
    return xlsx_string(st, c, st->text.data ? st->text.data : "", st->text.len);
}

/* The offset in seconds of the column's zone at `v` (host->zone_offset). */
static int xlsx_zone_offset(xlsx_state *st, xlsx_column *xc, const ferry_value *v, int64_t *secs)
{
    int64_t us = v->u.i64;
    int64_t utc = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    int32_t off = 0;
    int rc = st->host->zone_offset(st->fx, xc->zcol.style->timezone, utc, &off);

    *secs = off;
    if (rc < 0)
        return st->host->error(st->fx, rc, "cannot render column %s", xc->zcol.name);
    return 0;
}

/* A number cell, its value as the fewest digits that read back exactly. */
static int xlsx_number(xlsx_state *st, uint32_t c, double x, lxw_format *f)
{
    char t[32];
    size_t n = xlsx_number_text(x, t);
    int rc = xlsx_cell_start(st, c, n + 16, f, NULL);

    if (rc < 0)
        return rc;
    xlsx_xml_put(&st->xml, "<v>", 3);
    xlsx_xml_put(&st->xml, t, n);
    xlsx_xml_put(&st->xml, "</v></c>", 8);
    return 0;
}

/* An exact decimal as a number when a double holds it, formatted with its
 * own digits after the point (General past 15 of them); else text. */
static int xlsx_decimal(xlsx_state *st, uint32_t c, const ferry_value *v)
{
    const char *s = v->u.str, *dot = memchr(s, '.', v->len);
    size_t frac = dot ? v->len - (size_t)(dot - s) - 1 : 0;
    double x;

    if (!xlsx_decimal_double(s, v->len, &x))
        return xlsx_string(st, c, s, v->len);
    if (frac > 15)
        return xlsx_number(st, c, x, NULL);
    if (!st->decimal_fmt[frac]) {
        char nf[24];
        xlsx_numfmt_decimals((int)frac, nf, sizeof nf);
        st->decimal_fmt[frac] = xlsx_numfmt(st, nf);
        if (!st->decimal_fmt[frac])
            return xlsx_nomem(st);
    }
    return xlsx_number(st, c, x, st->decimal_fmt[frac]);
}

/* The number format for a date, time or duration value: the column's when
 * the column has the value's type, else a plain one for the type. */
static int xlsx_value_fmt(xlsx_state *st, uint32_t c, int type, lxw_format **f)
{
    static const char *const plain[] = {
        [FERRY_TYPE_DATE] = "yyyy-mm-dd",
        [FERRY_TYPE_TIMESTAMP] = "yyyy-mm-dd hh:mm:ss",
        [FERRY_TYPE_DURATION] = "[h]:mm:ss",
    };

    if (st->schema->columns[c].type == type) {
        *f = st->cols[c].fmt;
        return 0;
    }
    if (type == FERRY_TYPE_DURATION && st->cols[c].zstyle.duration_style != FERRY_DURATION_HMM &&
        st->cols[c].zstyle.duration_style != FERRY_DURATION_HMMSS) {
        *f = NULL; /* hours or seconds: a plain number */
        return 0;
    }
    if (!st->type_fmt[type] && !(st->type_fmt[type] = xlsx_numfmt(st, plain[type])))
        return xlsx_nomem(st);
    *f = st->type_fmt[type];
    return 0;
}

/* A DATE or TIMESTAMP value: an Excel datetime, or ISO text outside
 * Excel's range; microseconds below the millisecond are reported (Excel
 * and openpyxl read a datetime to the millisecond). */
static int xlsx_datetime(xlsx_state *st, uint32_t c, const ferry_value *v)
{
    double serial;
    lxw_format *f;
    int64_t off = 0;
    int rc;

    if (v->type == FERRY_TYPE_DATE) {
        rc = xlsx_date_serial(v->u.i64, &serial);
    } else {
        if ((rc = xlsx_zone_offset(st, &st->cols[c], v, &off)) < 0)
            return rc;
        /* Excel keeps the millisecond: the serial of the nearest one (half
         * up), so that the day is right once rounded (1900-02-28
         * 23:59:59.9995 is 1900-03-01, not Excel's phantom 1900-02-29;
         * 9999-12-31 23:59:59.9995 is past the last day: text) and a reader
         * rounding the serial gets this millisecond at any date. */
        int64_t local = v->u.i64 + off * 1000000, ms;
        if (v->u.i64 > INT64_MAX / 2 || v->u.i64 < INT64_MIN / 2) {
            rc = -1;
        } else {
            ms = (local + 500) / 1000 - ((local + 500) % 1000 < 0);
            rc = xlsx_datetime_serial(ms * 1000, &serial);
        }
    }
    if (rc < 0) {
        xlsx_warn(st, c, "%s outside Excel's dates (1900-01-01 to 9999-12-31): written as text",
                  v->type == FERRY_TYPE_DATE ? "date" : "timestamp");
        return xlsx_as_text(st, c, v);
    }
    if (v->type == FERRY_TYPE_TIMESTAMP && v->u.i64 % 1000 != 0)
        xlsx_warn(st, c, "microseconds .%06d rounded to the millisecond Excel keeps",
                  (int)((v->u.i64 % 1000000 + 1000000) % 1000000));
    if ((rc = xlsx_value_fmt(st, c, v->type, &f)) < 0)
        return rc;
    return xlsx_number(st, c, serial, f);
}

/* A TIME value: hours or seconds as a plain number, else a time value in
 * days. Like a timestamp, a time value keeps the millisecond (Excel shows
 * and openpyxl reads no finer): the nearest one (half away from zero,
 * -0.0015 s is -0.002 s), with a warning when microseconds are lost. */
static int xlsx_duration(xlsx_state *st, uint32_t c, const ferry_value *v)
{
    lxw_format *f;
    int64_t us = v->u.i64, ms;
    int rc = xlsx_value_fmt(st, c, FERRY_TYPE_DURATION, &f);

    if (rc < 0)
        return rc;
    switch (st->cols[c].zstyle.duration_style) {
    case FERRY_DURATION_HOURS:
        return xlsx_number(st, c, (double)us / 3.6e9, f);
    case FERRY_DURATION_SECONDS:
        return xlsx_number(st, c, (double)us / 1e6, f);
    default:
        ms = us / 1000 + (us % 1000 >= 500) - (us % 1000 <= -500);
        if (us % 1000 != 0)
            xlsx_warn(st, c, "microseconds .%06d rounded to the millisecond Excel keeps",
                      (int)(us % 1000000 < 0 ? -(us % 1000000) : us % 1000000));
        return xlsx_number(st, c, (double)ms / 8.64e7, f);
    }
}

static int xlsx_double(xlsx_state *st, uint32_t c, double x)
{
    const ferry_column *col = &st->schema->columns[c];

    if (!isfinite(x)) { /* no such Excel number: as text */
        const char *t = isnan(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
        xlsx_warn(st, c, "%s is no Excel number: written as text", t);
        return xlsx_string(st, c, t, strlen(t));
    }
    return xlsx_number(st, c, x, col->type == FERRY_TYPE_DOUBLE ? st->cols[c].fmt : NULL);
}

/* One cell, by the value's own type (it may differ from the column's). */
static int xlsx_cell(xlsx_state *st, uint32_t c, const ferry_value *v)
{
    const ferry_field_style *fs = &st->cols[c].zstyle;
    int rc;

    if (v->type != FERRY_TYPE_NULL && (st->schema->columns[c].flags & FERRY_COLUMN_JSON))
        return v->type == FERRY_TYPE_STRING ? xlsx_string(st, c, v->u.str, v->len)
                                            : xlsx_as_text(st, c, v);
    switch (v->type) {
    case FERRY_TYPE_NULL:
        if (fs->null_text && fs->null_text[0])
            return xlsx_string(st, c, fs->null_text, strlen(fs->null_text));
        return 0;
    case FERRY_TYPE_BOOL:
        if ((rc = xlsx_cell_start(st, c, 16, NULL, "b")) < 0)
            return rc;
        xlsx_xml_put(&st->xml, v->u.i64 != 0 ? "<v>1</v></c>" : "<v>0</v></c>", 12);
        return 0;
    case FERRY_TYPE_INT64:
        if (v->u.i64 > (INT64_C(1) << 53) || v->u.i64 < -(INT64_C(1) << 53)) {
            char t[24];
            int n = snprintf(t, sizeof t, "%" PRId64, v->u.i64);
            return xlsx_string(st, c, t, (size_t)n); /* a double would change it */
        }
        return xlsx_number(st, c, (double)v->u.i64, NULL);
    case FERRY_TYPE_DOUBLE:
        return xlsx_double(st, c, v->u.f64);
    case FERRY_TYPE_DECIMAL:
        return xlsx_decimal(st, c, v);
    case FERRY_TYPE_STRING:
        return xlsx_string(st, c, v->u.str, v->len);
    case FERRY_TYPE_DATE:
    case FERRY_TYPE_TIMESTAMP:
        return xlsx_datetime(st, c, v);
    case FERRY_TYPE_DURATION:
        return xlsx_duration(st, c, v);
    default:
        return st->host->error(st->fx, FERRY_ERR_DATA, "column %s has a value of unknown type %d",
                               st->schema->columns[c].name, v->type);
    }
}

/* Appends st->xml's rows to the sheet's row file. */
static int xlsx_flush(xlsx_state *st)
{
    if (st->xml.len && fwrite(st->xml.data, 1, st->xml.len, st->ws->file) != st->xml.len)
        return st->host->error(st->fx, FERRY_ERR_IO, "writing the sheet's rows: %s",
                               strerror(errno));
    st->xml.len = 0;
    return 0;
}

static int xlsx_row_begin(xlsx_state *st)
{
    size_t n = xlsx_xml_u32(st->rowref, (uint32_t)st->row + 1);

    if (xlsx_xml_reserve(&st->xml, 32) < 0)
        return xlsx_nomem(st);
    st->rowref_len = n;
    st->row_start = st->xml.len;
    st->row_cells = 0;
    xlsx_xml_put(&st->xml, "<row r=\"", 8);
    xlsx_xml_put(&st->xml, st->rowref, n);
    xlsx_xml_put(&st->xml, "\">", 2);
    return 0;
}

/* Ends the row (a row without cells is left out, as libxlsxwriter does)
 * and widens the sheet's dimensions as worksheet_write_* would. */
static int xlsx_row_end(xlsx_state *st)
{
    lxw_worksheet *ws = st->ws;

    if (st->row_cells == 0) {
        st->xml.len = st->row_start;
        return 0;
    }
    if (xlsx_xml_reserve(&st->xml, 8) < 0)
        return xlsx_nomem(st);
    xlsx_xml_put(&st->xml, "</row>", 6);
    if (st->row < ws->dim_rowmin)
        ws->dim_rowmin = st->row;
    if (st->row > ws->dim_rowmax)
        ws->dim_rowmax = st->row;
    if (st->row_colmin < ws->dim_colmin)
        ws->dim_colmin = st->row_colmin;
    if (st->row_colmax > ws->dim_colmax)
        ws->dim_colmax = st->row_colmax;
    return st->xml.len >= 1u << 16 ? xlsx_flush(st) : 0;
}

static int xlsx_write(void *state, const ferry_batch *batch)
{
    xlsx_state *st = state;
    uint32_t r, c, nc = st->schema->ncolumns;
    int rc;

    for (r = 0; r < batch->nrows; r++) {
        if (st->row >= st->sheet_rows) {
            if ((rc = xlsx_flush(st)) < 0 || (rc = xlsx_end_sheet(st)) < 0 ||
                (rc = xlsx_new_sheet(st)) < 0)
                return rc;
        }
        st->data_row++;
        if ((rc = xlsx_row_begin(st)) < 0)
            return rc;
        for (c = 0; c < nc; c++)
            if ((rc = xlsx_cell(st, c, ferry_batch_at(batch, r, c))) < 0)
                return rc;
        if ((rc = xlsx_row_end(st)) < 0)
            return rc;
        st->row++;
    }
    return xlsx_flush(st);
}

static int xlsx_finish(void *state)
{
    xlsx_state *st = state;
    lxw_error e;
    int rc;

    if ((rc = xlsx_end_sheet(st)) < 0)
        return rc;
    errno = 0;
    e = workbook_close(st->wb); /* writes the file and frees the workbook */
    int sys = errno;
    st->wb = NULL;
    st->ws = NULL;
    /* a ZIP error from the file system (disk full, EIO): name that cause */
    if (e && e != LXW_ERROR_MEMORY_MALLOC_FAILED && sys)
        return st->host->error(st->fx, FERRY_ERR_IO, "writing the workbook: %s (%s)", strerror(sys),
                               lxw_strerror(e));
    if (e)
        return xlsx_lxw(st, e, "writing the workbook");
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
