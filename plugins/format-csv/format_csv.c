/*
 * format-csv — RFC 4180 CSV, streamed: a header row of the field labels,
 * then one line per record, each value rendered by its field style
 * (host->format_value, the same text PDF and previews show). Fields that
 * hold the delimiter, a quote, CR or LF are quoted and quotes doubled; a
 * record whose only field is empty is written "", never a blank line, and
 * the file's first field is quoted when it starts with U+FEFF.
 * Strings that a spreadsheet would run as a formula (=, +, -, @, tab, CR
 * first) get a leading ' unless formula_guard is off (OWASP's advice); so
 * that the guard stays reversible, a string that already starts with
 * quotes before such a character gets one more (a reader strips exactly
 * one ' where ' and a formula character follow). The same guard covers
 * text a field style makes (null_text, a date or timestamp format), which
 * a shared template chooses. Invalid UTF-8 is replaced
 * by U+FFFD (one per maximal invalid subpart) and reported, or refused,
 * as format-json does: a file served as charset=utf-8 holds only UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ferry/ferry.h"
#include "fvalue.h"
#include "utf8.h"

typedef struct config {
    const char *delimiter;
    const char *line_ending;
    int bom;
    int header;
    const char *quote;
    int formula_guard;
    const char *invalid_utf8;
} config;

static const ferry_option options[] = {
    FERRY_OPTION("delimiter", FERRY_OPT_STRING, FERRY_OPT_TEMPLATE, "comma",
                 "comma|semicolon|tab|pipe", config, delimiter, "field separator", NULL),
    FERRY_OPTION("line_ending", FERRY_OPT_STRING, FERRY_OPT_TEMPLATE, "crlf", "crlf|lf", config,
                 line_ending, "record terminator: CRLF (RFC 4180) or LF", NULL),
    FERRY_OPTION("bom", FERRY_OPT_BOOL, FERRY_OPT_TEMPLATE, "false", NULL, config, bom,
                 "start with a UTF-8 byte order mark, so Excel reads the file as UTF-8", NULL),
    FERRY_OPTION("header", FERRY_OPT_BOOL, FERRY_OPT_TEMPLATE, "true", NULL, config, header,
                 "write a header row of the field labels", NULL),
    FERRY_OPTION("quote", FERRY_OPT_STRING, FERRY_OPT_TEMPLATE, "minimal", "minimal|all", config,
                 quote, "quote only fields that need it, or every field", NULL),
    FERRY_OPTION("formula_guard", FERRY_OPT_BOOL, 0, "true", NULL, config, formula_guard,
                 "prefix ' to strings starting with = + - @ tab or CR (formula injection)", NULL),
    FERRY_OPTION(
        "invalid_utf8", FERRY_OPT_STRING, 0, "replace", "replace|reject", config, invalid_utf8,
        "invalid UTF-8 in text: replaced with U+FFFD (and reported), or the export fails naming "
        "the row",
        NULL),
    {0},
};

typedef struct state {
    ferry_ctx *fx;
    const ferry_host *host;
    const config *cfg;
    ferry_output *out;
    const ferry_schema *schema;
    char *line; /* pending output, flushed in large writes */
    size_t len, cap;
    ferry_buf cell;
    ferry_buf fixed; /* a string with its invalid UTF-8 replaced */
    uint64_t row;    /* data rows written, for warnings */
    size_t lead;     /* where the file's first field starts in line; SIZE_MAX once flushed */
    char delim;
    const char *eol;
    size_t eol_len;
    int all;
    unsigned char special[256]; /* bytes that make a field quoted */
    uint64_t swar[4];           /* the four special bytes, each in all 8 lanes */
} state;

/* Room for `need` more bytes of output. */
static int grow(state *s, size_t need)
{
    size_t cap = s->cap ? s->cap : 128 * 1024;
    while (cap < s->len + need)
        cap *= 2;
    char *x = realloc(s->line, cap);
    if (!x)
        return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
    s->line = x;
    s->cap = cap;
    return 0;
}

static inline int reserve(state *s, size_t need)
{
    return s->len + need <= s->cap ? 0 : grow(s, need);
}

static int put(state *s, const void *p, size_t n)
{
    int rc = reserve(s, n);
    if (!rc) {
        memcpy(s->line + s->len, p, n);
        s->len += n;
    }
    return rc;
}

static int init(ferry_ctx *fx, const ferry_host *host, const void *cfg, void **out)
{
    state *s = host->alloc(fx, sizeof *s);
    if (!s)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    s->fx = fx;
    s->host = host;
    s->cfg = cfg;
    *out = s;
    const char *d = s->cfg->delimiter;
    s->delim = !strcmp(d, "semicolon") ? ';'
               : !strcmp(d, "tab")     ? '\t'
               : !strcmp(d, "pipe")    ? '|'
                                       : ',';
    int crlf = strcmp(s->cfg->line_ending, "crlf") == 0;
    s->eol = crlf ? "\r\n" : "\n";
    s->eol_len = crlf ? 2 : 1;
    s->all = strcmp(s->cfg->quote, "all") == 0;
    s->special[(unsigned char)s->delim] = s->special['"'] = 1;
    s->special['\r'] = s->special['\n'] = 1;
    const unsigned char sp[4] = {(unsigned char)s->delim, '"', '\r', '\n'};
    for (int k = 0; k < 4; k++)
        s->swar[k] = UINT64_C(0x0101010101010101) * sp[k];
    return 0;
}

static void destroy(void *st)
{
    state *s = st;
    if (!s)
        return;
    free(s->line);
    s->host->buf_free(&s->cell);
    s->host->buf_free(&s->fixed);
    s->host->free(s->fx, s);
}

static int formula_char(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* A formula character first, or after leading quotes (kept reversible). */
static int needs_guard(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] == '\'')
        i++;
    return i < n && formula_char(p[i]);
}

/* Nonzero when one of the 8 bytes of w is a special byte (the delimiter,
 * '"', CR, LF): the zero-byte test of w XOR each, 8 bytes at a time. */
static inline uint64_t has_special(const state *s, uint64_t w)
{
    const uint64_t lo = UINT64_C(0x0101010101010101), hi = UINT64_C(0x8080808080808080);
    uint64_t x0 = w ^ s->swar[0], x1 = w ^ s->swar[1], x2 = w ^ s->swar[2], x3 = w ^ s->swar[3];
    return (((x0 - lo) & ~x0) | ((x1 - lo) & ~x1) | ((x2 - lo) & ~x2) | ((x3 - lo) & ~x3)) & hi;
}

/* 1 when p[0..n) holds no special byte (and, with ascii, only ASCII),
 * having copied it to o, which has room for n + 16 bytes (what follows
 * o[n] is scratch); else 0, o's bytes undefined. */
static int copy_plain(const state *s, char *o, const char *p, size_t n, int ascii)
{
#ifdef __SSE2__
    const __m128i d = _mm_set1_epi8(s->delim), q = _mm_set1_epi8('"');
    const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
    const int high = ascii ? 0xFFFF : 0;
    size_t i = 0;
    for (;;) { /* 16 bytes at a time where SSE2 is (every x86-64) */
        __m128i x;
        if (n - i >= 16) {
            x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        } else if (n >= 16) { /* the last 16, overlapping what was copied */
            i = n - 16;
            x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        } else { /* a short field, through zeros (no special byte) */
            char t[16] = {0};
            memcpy(t, p, n);
            x = _mm_loadu_si128((const __m128i *)(const void *)t);
        }
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, d), _mm_cmpeq_epi8(x, q)),
                                   _mm_or_si128(_mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, lf)));
        if (_mm_movemask_epi8(hit) | (_mm_movemask_epi8(x) & high))
            return 0;
        _mm_storeu_si128((__m128i *)(void *)(o + i), x);
        i += 16;
        if (i >= n)
            return 1;
    }
#else
    const uint64_t high = ascii ? UINT64_C(0x8080808080808080) : 0;
    size_t i = 0;
    uint64_t w;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        if (has_special(s, w) || (w & high))
            return 0;
        memcpy(o + i, &w, 8);
    }
    for (; i < n; i++) {
        if (s->special[(unsigned char)p[i]] || ((unsigned char)p[i] & high))
            return 0;
        o[i] = p[i];
    }
    return 1;
#endif
}

/* The file's first field starting with U+FEFF: a reader that drops a
 * byte order mark (Excel, Python's utf-8-sig, source-csv) would take that
 * character for one, and "\uFEFF=1" would reach a spreadsheet as the
 * formula =1. So it is quoted (with bom = true too). */
static int bom_first(const state *s, const char *p, size_t n)
{
    return s->len == s->lead && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0;
}

static int add_field(state *s, const char *p, size_t n, int guard)
{
    if (reserve(s, 2 * n + 19))
        return FERRY_ERR_NOMEM;
    char *o = s->line + s->len;
    int neutralise = guard && needs_guard(p, n);
    int quote = s->all || bom_first(s, p, n);
    if (!quote && copy_plain(s, o + neutralise, p, n, 0)) { /* the common case */
        if (neutralise)
            *o = '\'';
        s->len += (size_t)neutralise + n;
        return 0;
    }
    for (size_t i = 0; i < n && !quote; i++)
        quote = s->special[(unsigned char)p[i]];
    if (quote)
        *o++ = '"';
    if (neutralise)
        *o++ = '\'';
    for (size_t i = 0; i < n; i++) {
        *o++ = p[i];
        if (quote && p[i] == '"')
            *o++ = '"';
    }
    if (quote)
        *o++ = '"';
    s->len = (size_t)(o - s->line);
    return 0;
}

static int flush(state *s, int force)
{
    if (s->len && (force || s->len >= 64 * 1024)) {
        int rc = s->host->output_write(s->out, s->line, s->len);
        s->len = 0;
        s->lead = SIZE_MAX;
        if (rc)
            return s->host->error(s->fx, rc, "write failed");
    }
    return 0;
}

/* Sets *p and *n to a valid UTF-8 version of the text (s->fixed when bytes
 * had to be replaced, reported once per value), or refuses it. Row 0 is
 * the header: the text is column col's label. */
static int valid_text(state *s, uint32_t col, const char **p, size_t *n)
{
    if (ferry_utf8_valid(*p, *n))
        return 0;
    const char *name = s->schema->columns[col].name;
    if (strcmp(s->cfg->invalid_utf8, "reject") == 0 && s->row == 0)
        return s->host->error(s->fx, FERRY_ERR_DATA,
                              "invalid UTF-8 in the header of column %u (option invalid_utf8 = "
                              "\"reject\")",
                              col + 1);
    if (strcmp(s->cfg->invalid_utf8, "reject") == 0)
        return s->host->error(s->fx, FERRY_ERR_DATA,
                              "invalid UTF-8 in column %s, row %llu (option invalid_utf8 = "
                              "\"reject\")",
                              name, (unsigned long long)s->row);
    s->fixed.len = 0;
    for (size_t i = 0; i < *n;) {
        uint32_t cp;
        int k = ferry_utf8_decode(*p + i, *n - i, &cp);
        int rc = k > 0 ? s->host->buf_append(&s->fixed, *p + i, (size_t)k)
                       : s->host->buf_append(&s->fixed, "\xEF\xBF\xBD", 3);
        if (rc)
            return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
        i += (size_t)(k > 0 ? k : -k);
    }
    int warn = s->host->size >= offsetof(ferry_host, warn) + sizeof s->host->warn;
    if (warn && s->row == 0)
        s->host->warn(s->fx, 0, (int32_t)col,
                      "the header of column %u: invalid UTF-8 replaced with U+FFFD", col + 1);
    else if (warn)
        s->host->warn(s->fx, s->row, (int32_t)col, "column %s: invalid UTF-8 replaced with U+FFFD",
                      name);
    *p = s->fixed.data;
    *n = s->fixed.len;
    return 0;
}

/* A string: copied as it is when it is plain ASCII that needs neither
 * quotes nor the formula guard; else checked for UTF-8, then quoted as
 * needed. */
static int add_text(state *s, uint32_t c, const char *p, size_t n)
{
    if (reserve(s, n + 16))
        return FERRY_ERR_NOMEM;
    if (!s->all && !(s->cfg->formula_guard && needs_guard(p, n)) &&
        copy_plain(s, s->line + s->len, p, n, 1)) {
        s->len += n;
        return 0;
    }
    int rc = valid_text(s, c, &p, &n);
    return rc ? rc : add_field(s, p, n, s->cfg->formula_guard);
}

/* Ends the record of `ncolumns` fields that started at s->line[start]. A
 * record of fields but no text (one column, its value empty, or null with
 * an empty null_text, or an empty label) is written as "", as Python's
 * csv.writer does: a blank line is no record to csv.reader ([]), and
 * DictReader and source-csv skip it, so the row would be lost. */
static int end_record(state *s, size_t start, uint32_t ncolumns)
{
    if (reserve(s, 2 + s->eol_len))
        return FERRY_ERR_NOMEM;
    if (s->len == start && ncolumns) {
        s->line[s->len++] = '"';
        s->line[s->len++] = '"';
    }
    s->line[s->len++] = s->eol[0];
    if (s->eol_len == 2)
        s->line[s->len++] = s->eol[1];
    return 0;
}

static int fmt_open(void *st, const ferry_schema *schema, ferry_output *out, const char *path,
                    const char *tmpdir, int64_t row_count)
{
    state *s = st;
    s->out = out;
    s->schema = schema;
    s->len = 0;
    s->row = 0;
    if (s->cfg->bom && put(s, "\xEF\xBB\xBF", 3))
        return FERRY_ERR_NOMEM;
    s->lead = s->len;
    if (s->cfg->header) {
        size_t start = s->len;
        for (uint32_t c = 0; c < schema->ncolumns; c++) {
            if (c && put(s, &s->delim, 1))
                return FERRY_ERR_NOMEM;
            const char *l = schema->columns[c].label;
            int rc = add_text(s, c, l, strlen(l)); /* s->row 0: the header */
            if (rc)
                return rc;
        }
        if (end_record(s, start, schema->ncolumns))
            return FERRY_ERR_NOMEM;
    }
    return flush(s, 0);
}

/* An integer straight into the line: digits and '-' need no quotes but
 * with quote = "all". */
static int put_int(state *s, int64_t x)
{
    char t[21];
    size_t n = x < 0;
    t[0] = '-';
    n += fv_u64_text(t + n, x < 0 ? (uint64_t)(-(x + 1)) + 1 : (uint64_t)x);
    if (s->all) /* quote = "all" */
        return add_field(s, t, n, 0);
    if (reserve(s, n))
        return FERRY_ERR_NOMEM;
    memcpy(s->line + s->len, t, n);
    s->len += n;
    return 0;
}

/* Whether a formatted value of this type is text a template can choose
 * (null_text, date_format, timestamp_format), so guarded like a string;
 * numbers keep their sign. */
static int styled_text(uint8_t type)
{
    return type == FERRY_TYPE_NULL || type == FERRY_TYPE_DATE || type == FERRY_TYPE_TIMESTAMP;
}

/* One value: integers and decimal text as they are (what format_value
 * renders for them whatever the style), strings checked for UTF-8, the
 * rest through host->format_value; then quoted as needed. */
static int put_value(state *s, const ferry_batch *b, uint32_t c, const ferry_value *v)
{
    if (v->type == FERRY_TYPE_INT64)
        return put_int(s, v->u.i64);
    if (v->type == FERRY_TYPE_DECIMAL)
        return add_field(s, v->u.str, v->len, 0);
    if (v->type == FERRY_TYPE_STRING)
        return add_text(s, c, v->u.str, v->len);
    s->cell.len = 0;
    int rc = s->host->format_value(s->fx, &b->schema->columns[c], v, &s->cell);
    if (rc)
        return s->host->error(s->fx, rc, "cannot format column %s", b->schema->columns[c].name);
    return add_field(s, s->cell.data ? s->cell.data : "", s->cell.len,
                     s->cfg->formula_guard && styled_text(v->type));
}

static int fmt_write(void *st, const ferry_batch *b)
{
    state *s = st;
    for (uint32_t r = 0; r < b->nrows; r++) {
        s->row++;
        size_t start = s->len;
        const ferry_value *v = ferry_batch_at(b, r, 0);
        for (uint32_t c = 0; c < b->schema->ncolumns; c++) {
            if (c) {
                if (reserve(s, 1))
                    return FERRY_ERR_NOMEM;
                s->line[s->len++] = s->delim;
            }
            int rc = put_value(s, b, c, &v[c]);
            if (rc)
                return rc;
        }
        if (end_record(s, start, b->schema->ncolumns))
            return FERRY_ERR_NOMEM;
        int rc = s->len >= 64 * 1024 ? flush(s, 0) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

static int fmt_finish(void *st)
{
    return flush(st, 1);
}

static void fmt_close(void *st)
{
    state *s = st;
    s->len = 0;
}

static const ferry_format_ops ops = {fmt_open, fmt_write, fmt_finish, fmt_close};

static const ferry_plugin_descriptor format_csv = {
    FERRY_PLUGIN_HEADER,
    FERRY_KIND_FORMAT,
    "format-csv",
    "1.0.0",
    "RFC 4180 CSV with a header row, streamed",
    options,
    sizeof(config),
    0,
    0,
    "csv",
    "text/csv; charset=utf-8",
    init,
    destroy,
    NULL,
    NULL,
    &ops,
    NULL,
    NULL,
};

FERRY_PLUGIN_DEFINE(format_csv)
