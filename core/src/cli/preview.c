/*
 * preview.c — `ferry run --preview N`: collects the first N rows after the
 * filters through the run's row sink and prints them as an aligned table
 * (see preview.h).
 */
#include "preview.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "format_value.h"

static int preview_add(ferry_preview *pv, const ferry_batch *b)
{
    const ferry_schema *s = b->schema;
    if (!pv->zones && ferry_tz_cache_new(&pv->zones))
        return FERRY_ERR_NOMEM;
    pv->ncols = s->ncolumns;
    for (uint32_t r = 0; r < b->nrows && (long)pv->rows < pv->limit; r++) {
        if (pv->rows == pv->cap) {
            pv->cap = pv->cap ? pv->cap * 2 : 64;
            char **n = realloc(pv->cells, pv->cap * pv->ncols * sizeof *n);
            if (!n)
                return FERRY_ERR_NOMEM;
            pv->cells = n;
        }
        for (uint32_t c = 0; c < s->ncolumns; c++) {
            ferry_buf buf = {0};
            ferry_format_value(pv->zones, &s->columns[c], ferry_batch_at(b, r, c), &buf);
            /* One line per row: newlines and tabs shown as spaces. */
            for (size_t i = 0; i < buf.len; i++)
                if (buf.data[i] == '\n' || buf.data[i] == '\r' || buf.data[i] == '\t')
                    buf.data[i] = ' ';
            pv->cells[pv->rows * pv->ncols + c] = buf.data ? buf.data : strdup("");
        }
        pv->rows++;
    }
    return 0;
}

/* Columns a code point takes on a terminal: 2 for East Asian wide and
 * fullwidth ranges, 0 for combining marks, else 1. */
static int cp_width(uint32_t c)
{
    if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F))
        return 0;
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F) ||
        (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
        (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
        (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1FAFF) ||
        (c >= 0x20000 && c <= 0x3FFFD))
        return 2;
    return 1;
}

/* Decodes one UTF-8 sequence at s (never past its NUL); returns its length. */
static int u8next(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    int n = u[0] < 0x80             ? 1
            : (u[0] & 0xE0) == 0xC0 ? 2
            : (u[0] & 0xF0) == 0xE0 ? 3
            : (u[0] & 0xF8) == 0xF0 ? 4
                                    : 1;
    uint32_t c = n == 1 ? u[0] : u[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return i;
        }
        c = c << 6 | (u[i] & 0x3F);
    }
    *cp = c;
    return n;
}

/* Display width of UTF-8 text on a terminal. */
static size_t u8width(const char *s)
{
    size_t w = 0;
    while (*s) {
        uint32_t c;
        s += u8next(s, &c);
        w += (size_t)cp_width(c);
    }
    return w;
}

static void preview_print(const ferry_preview *pv, const ferry_schema *s, FILE *out)
{
    enum { MAXW = 40 };
    size_t *w = calloc(s->ncolumns, sizeof *w);
    if (!w)
        return;
    for (uint32_t c = 0; c < s->ncolumns; c++) {
        w[c] = u8width(s->columns[c].label);
        for (size_t r = 0; r < pv->rows; r++) {
            size_t l = u8width(pv->cells[r * pv->ncols + c]);
            if (l > w[c])
                w[c] = l;
        }
        if (w[c] > MAXW)
            w[c] = MAXW;
    }
    for (size_t r = 0; r <= pv->rows + 1; r++) {
        for (uint32_t c = 0; c < s->ncolumns; c++) {
            const char *text = r == 0   ? s->columns[c].label
                               : r == 1 ? NULL
                                        : pv->cells[(r - 2) * pv->ncols + c];
            fputs(c ? " | " : "", out);
            if (!text) {
                for (size_t i = 0; i < w[c]; i++)
                    fputc('-', out);
                continue;
            }
            size_t shown = 0, total = u8width(text);
            const char *p = text;
            while (*p) {
                uint32_t cp;
                int n = u8next(p, &cp);
                size_t cw = (size_t)cp_width(cp);
                /* Leave room for the ellipsis when the text does not fit. */
                if (total > w[c] && shown + cw > w[c] - 1) {
                    fputs("…", out);
                    shown++;
                    break;
                }
                if (shown + cw > w[c])
                    break;
                fwrite(p, 1, (size_t)n, out);
                p += n;
                shown += cw;
            }
            for (; shown < w[c]; shown++)
                fputc(' ', out);
        }
        fputc('\n', out);
    }
    fprintf(out, "(%zu row%s)\n", pv->rows, pv->rows == 1 ? "" : "s");
    free(w);
}

void ferry_preview_free(ferry_preview *pv)
{
    for (size_t i = 0; i < pv->rows * pv->ncols; i++)
        free(pv->cells[i]);
    free(pv->cells);
    ferry_tz_cache_free(pv->zones);
    pv->zones = NULL;
}

static int preview_rows(void *payload, const ferry_batch *b, int *enough)
{
    ferry_preview *pv = payload;
    int rc = preview_add(pv, b);
    *enough = (long)pv->rows >= pv->limit;
    return rc;
}

static int preview_end(void *payload, const ferry_schema *s)
{
    ferry_preview *pv = payload;
    preview_print(pv, s, pv->out);
    return 0;
}

void ferry_preview_attach(ferry_preview *pv, long limit, FILE *out, ferry_run_opts *o)
{
    memset(pv, 0, sizeof *pv);
    pv->limit = limit;
    pv->out = out;
    o->rows = preview_rows;
    o->rows_end = preview_end;
    o->row_payload = pv;
}
