/*
 * fuzz_xlsx_rowxml.c — format-xlsx's hand-written row XML (plugins/
 * format-xlsx/xlsx_rowxml.c) and exact cell values (xlsx_value.c), checked
 * three ways. Byte 0 picks the mode, the rest is the payload:
 *
 *   0  the payload as one string cell; 1  the same repeated to 4,700
 *      bytes and more, or to 32,000 and more (Excel's cut); both: the
 *      cell's text is well-
 *      formed XML character data with nothing XML 1.0 forbids, and read
 *      back (XML entities, then OOXML's _xHHHH_ escapes left to right) it
 *      is the input with invalid UTF-8 as U+FFFD (docs/formats.md), or a
 *      prefix of it on a character boundary and "[…]" when over Excel's
 *      32,767 characters;
 *   2  every 8 bytes a double: its <v> text reads back (strtod) as the
 *      same bits, has the digits of the fewest of %.15g/%.16g/%.17g that
 *      read back, and is a plain xsd:double (no inf or nan);
 *   3  a row of cells (per cell a byte: kind, column step, style; then a
 *      length-prefixed string, 8 bytes of a double or a byte of a bool).
 *
 * In every mode the row the cells make is also written by libxlsxwriter
 * itself (constant-memory worksheet, lxw_worksheet_write_single_row, the
 * string as xlsx_cell_text hands it over) and the two rows must be the
 * same bytes but for the number text inside <v>…</v>, which ferry writes
 * exactly and libxlsxwriter with "%.16G". The cell code below composes the
 * plugin's functions as format_xlsx.c's xlsx_string, xlsx_number and
 * xlsx_row_begin/_end do.
 */
#include <math.h>
#include <xlsxwriter.h>

#include "fuzz_common.h"
#include "xlsx_rowxml.h"
#include "xlsx_value.h"

#define MAXCELLS 64

/* The oracle's own code is left out of the coverage that guides the
 * fuzzer (and costs half the time of a 32,767-character cell). */
#if defined(__clang__) && __clang_major__ >= 13
#define ORACLE __attribute__((no_sanitize("coverage")))
#else
#define ORACLE
#endif

typedef struct cell {
    int kind; /* 0 string, 1 number, 2 bool */
    uint32_t col;
    const char *s;
    size_t len;
    double x;
    int style; /* number: 1 uses a format */
} cell;

static lxw_workbook *wb;
static lxw_worksheet *ws;
static lxw_format *fmt;
static uint32_t next_row;
static char wb_path[80];

/* memcmp(a, b, n) == 0 without libFuzzer's memcmp hook, which hashes
 * every byte of a 200 KiB row. */
ORACLE static int same(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static void fail(const char *what, const char *a, size_t an, const char *b, size_t bn)
{
    fprintf(stderr, "fuzz_xlsx_rowxml: %s\n  got:  [%.*s]\n  want: [%.*s]\n", what,
            (int)(an > 2000 ? 2000 : an), a ? a : "", (int)(bn > 2000 ? 2000 : bn), b ? b : "");
    abort();
}

/* A fresh constant-memory workbook when none is open or its rows ran out. */
static void lxw_open(void)
{
    lxw_workbook_options o;

    if (wb && next_row < LXW_ROW_MAX)
        return;
    if (wb) {
        workbook_close(wb);
        unlink(wb_path);
    }
    snprintf(wb_path, sizeof wb_path, "/tmp/ferry-fuzz-xlsx-%d.xlsx", (int)getpid());
    memset(&o, 0, sizeof o);
    o.constant_memory = LXW_TRUE;
    wb = workbook_new_opt(wb_path, &o);
    ws = wb ? workbook_add_worksheet(wb, NULL) : NULL;
    fmt = wb ? workbook_add_format(wb) : NULL;
    if (!ws || !fmt)
        abort();
    format_set_num_format(fmt, "0.00");
    next_row = 0;
}

/* ---- reading XML back ---------------------------------------------- */

/* Strict UTF-8 (Unicode Table 3-7): the length of the sequence at s, or
 * minus the length of its maximal invalid subpart. */
ORACLE static int ref_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char b = s[0], lo = 0x80, hi = 0xBF;
    int need, i;
    uint32_t v;

    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF)
        need = 2;
    else if (b >= 0xE0 && b <= 0xEF)
        need = 3;
    else if (b >= 0xF0 && b <= 0xF4)
        need = 4;
    else
        return -1;
    lo = b == 0xE0 ? 0xA0 : b == 0xF0 ? 0x90 : 0x80;
    hi = b == 0xED ? 0x9F : b == 0xF4 ? 0x8F : 0xBF;
    v = b & (need == 2 ? 0x1Fu : need == 3 ? 0x0Fu : 0x07u);
    for (i = 1; i < need; i++) {
        if ((size_t)i >= n || s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF))
            return -i;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    *cp = v;
    return need;
}

ORACLE static size_t put_utf8(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

ORACLE static int xml_char(uint32_t c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* XML 1.0 character data s[0..n) unescaped into out (room for n): valid
 * UTF-8, only Char, no '<', '&' only in a reference, no "]]>", no CR
 * (a reader would turn it into LF). Returns the length, or -1. */
ORACLE static long xml_chardata(const char *s, size_t n, char *out)
{
    static const struct {
        const char *ref;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    size_t i = 0, o = 0, e;
    uint32_t cp;

    while (i < n) {
        int k = ref_decode((const unsigned char *)s + i, n - i, &cp);
        if (k < 0 || !xml_char(cp) || cp == '<' || cp == '\r')
            return -1;
        if (cp == ']' && n - i >= 3 && s[i + 1] == ']' && s[i + 2] == '>')
            return -1;
        if (cp == '&') {
            for (e = 0; e < sizeof ents / sizeof *ents; e++)
                if (n - i >= strlen(ents[e].ref) &&
                    memcmp(s + i, ents[e].ref, strlen(ents[e].ref)) == 0)
                    break;
            if (e == sizeof ents / sizeof *ents)
                return -1; /* ferry writes no character references */
            out[o++] = ents[e].c;
            i += strlen(ents[e].ref);
            continue;
        }
        memcpy(out + o, s + i, (size_t)k);
        o += (size_t)k;
        i += (size_t)k;
    }
    return (long)o;
}

ORACLE static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : -1;
}

/* OOXML's ST_Xstring escapes read left to right: "_xHHHH_" (either case)
 * is the UTF-16 unit HHHH (here never a surrogate). Returns the length of
 * the text in out (room for n), or -1. */
ORACLE static long ooxml_unescape(const char *s, size_t n, char *out)
{
    size_t i = 0, o = 0;

    while (i < n) {
        if (n - i >= 7 && s[i] == '_' && s[i + 1] == 'x' && hexval(s[i + 2]) >= 0 &&
            hexval(s[i + 3]) >= 0 && hexval(s[i + 4]) >= 0 && hexval(s[i + 5]) >= 0 &&
            s[i + 6] == '_') {
            uint32_t u = (uint32_t)(hexval(s[i + 2]) << 12 | hexval(s[i + 3]) << 8 |
                                    hexval(s[i + 4]) << 4 | hexval(s[i + 5]));
            if (u >= 0xD800 && u <= 0xDFFF)
                return -1;
            o += put_utf8(u, out + o);
            i += 7;
        } else {
            out[o++] = s[i++];
        }
    }
    return (long)o;
}

/* A well-formed element sequence: tags balanced, attributes name="value"
 * (character data, no '<'), text between tags character data. */
ORACLE static int xml_wellformed(const char *s, size_t n, char *tmp)
{
    const char *stack[16];
    size_t stlen[16], depth = 0, i = 0;

    while (i < n) {
        if (s[i] != '<') {
            size_t j = i;
            while (j < n && s[j] != '<')
                j++;
            if (depth == 0 || xml_chardata(s + i, j - i, tmp) < 0)
                return 0;
            i = j;
            continue;
        }
        int close = i + 1 < n && s[i + 1] == '/';
        size_t nm = i + 1 + (size_t)close, ne = nm;
        while (ne < n && (s[ne] == ':' || (s[ne] >= 'a' && s[ne] <= 'z')))
            ne++;
        if (ne == nm)
            return 0;
        i = ne;
        if (close) {
            if (depth == 0 || i >= n || s[i] != '>' || stlen[depth - 1] != ne - nm ||
                memcmp(stack[depth - 1], s + nm, ne - nm) != 0)
                return 0;
            depth--;
            i++;
            continue;
        }
        while (i < n && s[i] == ' ') { /* attributes */
            size_t a = ++i, v;
            while (i < n && (s[i] == ':' || (s[i] >= 'a' && s[i] <= 'z')))
                i++;
            if (i == a || i + 1 >= n || s[i] != '=' || s[i + 1] != '"')
                return 0;
            v = i += 2;
            while (i < n && s[i] != '"')
                i++;
            if (i >= n || memchr(s + v, '<', i - v) || xml_chardata(s + v, i - v, tmp) < 0)
                return 0;
            i++;
        }
        if (i >= n || s[i] != '>' || depth == 16)
            return 0;
        stack[depth] = s + nm;
        stlen[depth++] = ne - nm;
        i++;
    }
    return depth == 0;
}

/* ---- the oracles --------------------------------------------------- */

/* The characters of a text per ferry's contract: code points, invalid
 * UTF-8 as U+FFFD; each one's bytes in the repaired text. */
typedef struct ref_text {
    char *utf8; /* repaired text */
    size_t len;
    size_t *ends; /* ends[i]: end of character i in utf8 */
    uint32_t *cps;
    size_t nchars;
} ref_text;

ORACLE static void ref_make(ref_text *r, const char *s, size_t n)
{
    size_t i = 0;

    r->utf8 = malloc(n * 3 + 4);
    r->ends = malloc((n + 1) * sizeof *r->ends);
    r->cps = malloc((n + 1) * sizeof *r->cps);
    if (!r->utf8 || !r->ends || !r->cps)
        abort();
    r->len = r->nchars = 0;
    while (i < n) {
        uint32_t cp = 0xFFFD;
        int k = ref_decode((const unsigned char *)s + i, n - i, &cp);
        if (k < 0)
            cp = 0xFFFD;
        r->len += put_utf8(cp, r->utf8 + r->len);
        r->cps[r->nchars] = cp;
        r->ends[r->nchars++] = r->len;
        i += (size_t)(k < 0 ? -k : k);
    }
}

static void ref_free(ref_text *r)
{
    free(r->utf8);
    free(r->ends);
    free(r->cps);
}

/* Checks a string cell's XML (from its "<c " to its "</c>") against the
 * text s[0..n) it was written from. */
ORACLE static void check_string_cell(const char *x, size_t xn, const char *s, size_t n)
{
    static const char tail[] = "</t></is></c>";
    const char *t = memmem(x, xn, "<is><t", 6), *body, *end;
    int preserve;
    long m, u;
    char *tmp, *txt;
    ref_text r;

    if (!t || !memmem(x, (size_t)(t - x), " t=\"inlineStr\">", 15))
        fail("string cell is not an inline string", x, xn, NULL, 0);
    body = (const char *)memchr(t + 5, '>', xn - (size_t)(t + 5 - x)) + 1;
    preserve = body - t == (long)strlen("<is><t xml:space=\"preserve\">");
    if (!preserve && body - t != 7)
        fail("odd <t> element", x, xn, NULL, 0);
    end = memchr(body, '<', xn - (size_t)(body - x));
    if (!end || (size_t)(xn - (size_t)(end - x)) != sizeof tail - 1 ||
        memcmp(end, tail, sizeof tail - 1) != 0)
        fail("string cell does not end </t></is></c> after its text", x, xn, NULL, 0);
    tmp = malloc((size_t)(end - body) + 1);
    txt = malloc((size_t)(end - body) * 4 + 8);
    if (!tmp || !txt)
        abort();
    m = xml_chardata(body, (size_t)(end - body), tmp);
    if (m < 0)
        fail("cell text is not XML 1.0 character data", body, (size_t)(end - body), NULL, 0);
    if (m > 0 && !preserve && (strchr(" \t\n", tmp[0]) || strchr(" \t\n", tmp[m - 1])))
        fail("white space at an end without xml:space=\"preserve\"", x, xn, NULL, 0);
    u = ooxml_unescape(tmp, (size_t)m, txt);
    if (u < 0)
        fail("an _xHHHH_ escape of a surrogate", tmp, (size_t)m, NULL, 0);
    ref_make(&r, s, n);
    if ((size_t)u == r.len && same(txt, r.utf8, r.len)) {
        /* whole: then nothing said it had to be cut */
        size_t units = 0, i;
        for (i = 0; i < r.nchars; i++)
            units += r.cps[i] >= 0x10000 ? 2 : 1;
        if (units > XLSX_CELL_MAX_CHARS)
            fail("more than 32,767 UTF-16 units not cut", NULL, 0, NULL, 0);
    } else {
        /* cut: a prefix on a character boundary, then the mark, and only
         * when the text (or its escaped form) is over the limit */
        const size_t mark = sizeof XLSX_CUT_MARK - 1;
        size_t p = (size_t)u - mark, i, units = 0, esc = 0, all_units = 0, all_esc = 0;
        if ((size_t)u < mark || memcmp(txt + p, XLSX_CUT_MARK, mark) != 0 || p > r.len ||
            !same(txt, r.utf8, p))
            fail("text read back differs from the input", txt, (size_t)u, r.utf8, r.len);
        for (i = 0; i < r.nchars; i++) {
            size_t cu = r.cps[i] >= 0x10000 ? 2 : 1;
            /* the most an escaped character can take: 7 for '_' and for
             * what is written as _xHHHH_ */
            size_t ce = r.cps[i] == '_' || r.cps[i] == 0 || r.cps[i] == 0xFFFE || r.cps[i] == 0xFFFF
                            ? 7
                            : 1;
            if (r.ends[i] <= p) {
                units += cu;
                esc += ce;
            } else if (i == 0 || r.ends[i - 1] == p) {
                /* the first character left out had to be */
                if (units + cu + XLSX_CUT_MARK_CHARS <= XLSX_CELL_MAX_CHARS &&
                    esc + ce + XLSX_CUT_MARK_CHARS <= XLSX_CELL_MAX_CHARS)
                    fail("cut shorter than it had to be", NULL, 0, NULL, 0);
            }
            all_units += cu;
            all_esc += ce;
        }
        for (i = 0; p && i < r.nchars && r.ends[i] < p; i++)
            ;
        if (p && (i == r.nchars || r.ends[i] != p))
            fail("cut inside a character", txt, (size_t)u, NULL, 0);
        if (units + XLSX_CUT_MARK_CHARS > XLSX_CELL_MAX_CHARS)
            fail("cut text still over 32,767 units", NULL, 0, NULL, 0);
        if (all_units <= XLSX_CELL_MAX_CHARS && all_esc <= XLSX_CELL_MAX_CHARS)
            fail("a text within Excel's limit was cut", txt, (size_t)u, r.utf8, r.len);
    }
    ref_free(&r);
    free(tmp);
    free(txt);
}

/* The significant digits of a number's text, without leading and
 * trailing zeros, into d; their count. */
ORACLE static size_t sig_digits(const char *t, char *d)
{
    size_t n = 0;

    for (; *t && *t != 'e' && *t != 'E'; t++)
        if (*t >= '0' && *t <= '9' && (n || *t != '0'))
            d[n++] = *t;
    while (n && d[n - 1] == '0')
        n--;
    d[n] = '\0';
    return n;
}

ORACLE static void check_number_text(double x, const char *t, size_t n)
{
    const char *p = t;
    char d[40], rd[40], ref[48];
    double back;
    int prec;

    if (n != strlen(t) || n == 0 || n >= 32)
        fail("number text length", t, n, NULL, 0);
    /* -?D+(.D+)?(E[+-]D+)? : xsd:double without INF/NaN */
    if (*p == '-')
        p++;
    if (!(*p >= '0' && *p <= '9'))
        fail("number text", t, n, NULL, 0);
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p == '.') {
        if (!(*++p >= '0' && *p <= '9'))
            fail("number text", t, n, NULL, 0);
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'E' || *p == 'e') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            fail("number text", t, n, NULL, 0);
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p)
        fail("number text", t, n, NULL, 0);
    back = strtod(t, NULL);
    if (memcmp(&back, &x, sizeof x) != 0) {
        snprintf(ref, sizeof ref, "%.17g", x);
        fail("number does not read back as the same double", t, n, ref, strlen(ref));
    }
    if (sig_digits(t, d) > 17)
        fail("more than 17 significant digits", t, n, NULL, 0);
    for (prec = 15; prec <= 17; prec++) {
        snprintf(ref, sizeof ref, "%.*e", prec - 1, x);
        if (strtod(ref, NULL) == x)
            break;
    }
    sig_digits(ref, rd);
    if (strcmp(d, rd) != 0)
        fail("not the digits of the fewest of %.15g/%.16g/%.17g that read back", t, n, ref,
             strlen(ref));
}

/* ---- one row both ways --------------------------------------------- */

static xlsx_xml fx;
static char *scratch;
static size_t scratch_cap;

static void need_scratch(size_t n)
{
    if (n > scratch_cap) {
        free(scratch);
        scratch = malloc(n);
        if (!scratch)
            abort();
        scratch_cap = n;
    }
}

/* The text xlsx_cell_text hands over for s (what libxlsxwriter gets). */
ORACLE static size_t cell_text(const char *s, size_t n)
{
    xlsx_text_info info;

    need_scratch(n * 7 + 8);
    return xlsx_cell_text(s, n, scratch, &info);
}

/* Masks the text of every <v>…</v> with '#'. */
ORACLE static size_t mask_v(char *s, size_t n)
{
    size_t i = 0, o = 0;

    while (i < n) {
        if (s[i] == '<' && n - i >= 3 && s[i + 1] == 'v' && s[i + 2] == '>') {
            memmove(s + o, "<v>#", 4);
            o += 4;
            i += 3;
            while (i < n && s[i] != '<')
                i++;
        } else {
            s[o++] = s[i++];
        }
    }
    return o;
}

ORACLE static void run_row(const cell *cells, size_t ncells)
{
    char rowref[12], colref[4], num[32];
    size_t rowlen, i, row_start, cell_start[MAXCELLS], cell_end[MAXCELLS], lpos, ln;
    int row_cells = 0;
    char *lx;
    uint32_t row;

    lxw_open();
    row = next_row++;
    /* ferry: xlsx_row_begin, the cells, xlsx_row_end */
    fx.len = 0;
    rowlen = xlsx_xml_u32(rowref, row + 1);
    if (xlsx_xml_reserve(&fx, 32) < 0)
        abort();
    row_start = fx.len;
    xlsx_xml_put(&fx, "<row r=\"", 8);
    xlsx_xml_put(&fx, rowref, rowlen);
    xlsx_xml_put(&fx, "\">", 2);
    for (i = 0; i < ncells; i++) {
        const cell *c = &cells[i];
        lxw_col_to_name(colref, (lxw_col_t)c->col, LXW_FALSE);
        cell_start[i] = fx.len;
        if (c->kind == 0) { /* xlsx_string */
            if (c->len == 0) {
                cell_end[i] = fx.len;
                continue;
            }
            if (xlsx_xml_reserve(&fx, c->len * 7 + 40 + 128) < 0)
                abort();
            xlsx_xml_cell(&fx, colref, rowref, rowlen, 0, "inlineStr");
            if (!(c->len <= XLSX_CELL_MAX_CHARS && xlsx_xml_string(&fx, c->s, c->len, 1) == 0)) {
                size_t n = cell_text(c->s, c->len);
                if (xlsx_xml_reserve(&fx, n * 7 + 40) < 0)
                    abort();
                xlsx_xml_string(&fx, scratch, n, 0);
            }
        } else if (c->kind == 1) { /* xlsx_number */
            size_t n = xlsx_number_text(c->x, num);
            check_number_text(c->x, num, n);
            if (xlsx_xml_reserve(&fx, n + 16 + 128) < 0)
                abort();
            xlsx_xml_cell(&fx, colref, rowref, rowlen, c->style ? lxw_format_get_xf_index(fmt) : 0,
                          NULL);
            xlsx_xml_put(&fx, "<v>", 3);
            xlsx_xml_put(&fx, num, n);
            xlsx_xml_put(&fx, "</v></c>", 8);
        } else {
            if (xlsx_xml_reserve(&fx, 16 + 128) < 0)
                abort();
            xlsx_xml_cell(&fx, colref, rowref, rowlen, 0, "b");
            xlsx_xml_put(&fx, c->x != 0 ? "<v>1</v></c>" : "<v>0</v></c>", 12);
        }
        cell_end[i] = fx.len;
        row_cells++;
    }
    if (row_cells == 0) {
        fx.len = row_start;
    } else {
        if (xlsx_xml_reserve(&fx, 8) < 0)
            abort();
        xlsx_xml_put(&fx, "</row>", 6);
    }

    /* each string cell read back */
    for (i = 0; i < ncells; i++)
        if (cells[i].kind == 0 && cells[i].len)
            check_string_cell(fx.data + cell_start[i], cell_end[i] - cell_start[i], cells[i].s,
                              cells[i].len);
    lx = malloc(fx.len + 1);
    if (!lx)
        abort();
    if (fx.len && !xml_wellformed(fx.data, fx.len, lx))
        fail("row is not well-formed XML", fx.data, fx.len, NULL, 0);
    free(lx);

    /* libxlsxwriter: the same cells, its own row writer */
    for (i = 0; i < ncells; i++) {
        const cell *c = &cells[i];
        lxw_error e = LXW_NO_ERROR;
        if (c->kind == 0 && c->len)
            e = worksheet_write_string(ws, row, (lxw_col_t)c->col,
                                       (cell_text(c->s, c->len), scratch), NULL);
        else if (c->kind == 1)
            e = worksheet_write_number(ws, row, (lxw_col_t)c->col, c->x, c->style ? fmt : NULL);
        else if (c->kind == 2)
            e = worksheet_write_boolean(ws, row, (lxw_col_t)c->col, c->x != 0, NULL);
        if (e != LXW_NO_ERROR)
            fail("libxlsxwriter refused a cell ferry wrote", lxw_strerror(e),
                 strlen(lxw_strerror(e)), NULL, 0);
    }
    fflush(ws->file);
    lpos = (size_t)ftell(ws->file);
    lxw_worksheet_write_single_row(ws);
    fflush(ws->file);
    ln = (size_t)ftell(ws->file) - lpos;
    lx = malloc(ln + fx.len + 1);
    if (!lx || pread(fileno(ws->file), lx, ln, (off_t)lpos) != (ssize_t)ln)
        abort();
    if (ftruncate(fileno(ws->file), 0) != 0)
        abort();
    rewind(ws->file);
    memcpy(lx + ln, fx.data, fx.len);
    {
        size_t a = mask_v(lx + ln, fx.len), b = mask_v(lx, ln);
        if (a != b || !same(lx, lx + ln, a))
            fail("row differs from libxlsxwriter's (numbers' text masked)", lx + ln, a, lx, b);
    }
    free(lx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cell cells[MAXCELLS];
    size_t n = 0, i;

    if (size < 1)
        return 0;
    switch (data[0] % 4) {
    case 0:
    case 1: {
        const char *s = (const char *)data + 1;
        size_t len = size - 1;
        char *rep = NULL;
        if (data[0] % 4 == 1 && len) {
            /* bit 2 set: 32,000 bytes and up, about Excel's 32,767
             * characters; clear: 4,700 and up, over it only when escapes
             * (7 characters each) fill it, and 7 times faster */
            size_t want = data[0] & 4 ? 32000 + (size_t)(data[0] >> 3) * 128
                                      : 4700 + (size_t)(data[0] >> 3) * 32,
                   k;
            rep = malloc(want + len);
            if (!rep)
                abort();
            for (k = 0; k < want; k += len)
                memcpy(rep + k, s, len);
            s = rep;
            len = k;
        }
        cells[0] = (cell){.kind = 0, .col = data[0] >> 2, .s = s, .len = len};
        run_row(cells, 1);
        free(rep);
        return 0;
    }
    case 2:
        for (i = 1; i + 8 <= size && n < MAXCELLS; i += 8) {
            double x;
            memcpy(&x, data + i, 8);
            if (!isfinite(x))
                continue;
            cells[n] = (cell){.kind = 1, .col = (uint32_t)n, .x = x, .style = (int)(n & 1)};
            n++;
        }
        run_row(cells, n);
        return 0;
    default: {
        uint32_t col = 0;
        i = 1;
        while (i < size && n < MAXCELLS) {
            uint8_t h = data[i++];
            cell *c = &cells[n];
            memset(c, 0, sizeof *c);
            c->kind = h % 3;
            col += (h >> 2) & 7;
            if (h & 0x80)
                col += 1000;
            if (col >= LXW_COL_MAX)
                break;
            c->col = col++;
            if (c->kind == 0) {
                size_t len = i < size ? data[i++] : 0;
                if (len > size - i)
                    len = size - i;
                c->s = (const char *)data + i;
                c->len = len;
                i += len;
            } else if (c->kind == 1) {
                if (size - i < 8)
                    break;
                memcpy(&c->x, data + i, 8);
                i += 8;
                if (!isfinite(c->x))
                    c->x = 0;
                c->style = (h >> 5) & 1;
            } else {
                c->x = i < size ? data[i++] & 1 : 0;
            }
            n++;
        }
        run_row(cells, n);
        return 0;
    }
    }
}
