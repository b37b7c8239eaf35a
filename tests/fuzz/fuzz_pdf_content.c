/*
 * fuzz_pdf_content.c — format-pdf's hand-written page content operators
 * (plugins/format-pdf/pdf_content.c), read back by a small content-stream
 * reader. The input is a sequence of calls (per call a byte, then its
 * operands: doubles from 8 arbitrary bytes, as floats as the plugin takes
 * them; code sequences length-prefixed): move, font, show, fill_rect,
 * hline, take (what pdf_page_deflate gets), a new page, fresh or not,
 * show_hidden (narrow or not), a path (move, lines and curves, fill) and
 * a form XObject drawn at a point and size.
 *
 * Invariants: the stream is only the operators pdf_content.h promises,
 * in BT … ET where PDF wants them; every number is a PDF number (no
 * exponent, no inf or nan) with at most two decimals, within half a
 * hundredth of the value (a font size at most a hundredth below it);
 * the Td moves add up to each moved-to point; every shown literal string,
 * read back per ISO 32000-1 7.3.4.2 (escapes, octal, balanced
 * parentheses, an unescaped CR or CRLF read as LF), is exactly the codes'
 * big-endian bytes; text is shown black in the selected font and size,
 * in rendering mode 0 at 100% horizontal scaling (hidden text in mode 3,
 * narrow at 1%), rectangles and rules in their gray and width, paths
 * outside text objects through their points and filled black, a form as
 * q, a scale of its size cut to hundredths and its point, Do its name, Q.
 */
#include <math.h>

#include "fuzz_common.h"
#include "pdf_content.h"

#define MAXCALLS 256
#define NUM_MAX  1e7 /* pdf_content.c clamps numbers to ±10,000,000 */

enum { C_MOVE, C_SHOW, C_RECT, C_HLINE, C_PMOVE, C_PLINE, C_PCURVE, C_FILL, C_FORM };

typedef struct call {
    int kind;
    int hidden, narrow; /* C_SHOW: show_hidden */
    float v[6];
    const uint8_t *codes; /* big-endian pairs */
    size_t ncodes;
    const char *font;
    float size;
} call;

static HPDF_Doc pdf;
static HPDF_Page page;
static HPDF_Font fonts[2];
static const char *font_names[2];

static call calls[MAXCALLS];
static size_t ncalls, next_call;

/* the reader's state, kept across takes of one page */
static struct {
    int in_text, known;          /* known: a fresh page, else gray/width unknown */
    int64_t tx, ty;              /* text line start since BT, hundredths */
    int64_t fill, stroke, width; /* hundredths; INT64_MIN: unknown */
    char font[32];
    int64_t size;
    int64_t m[2];          /* a rule's start */
    int64_t render, scale; /* Tr, Tz in hundredths */
} rd;

static void fail(const char *what, const char *buf, size_t len)
{
    fprintf(stderr, "fuzz_pdf_content: %s\n  stream: [%.*s]\n", what,
            (int)(len > 3000 ? 3000 : len), buf ? buf : "");
    abort();
}

static void error_handler(HPDF_STATUS e, HPDF_STATUS d, void *u)
{
    (void)u;
    fprintf(stderr, "fuzz_pdf_content: libharu error 0x%04X %u\n", (unsigned)e, (unsigned)d);
    abort();
}

static void setup(void)
{
    if (pdf)
        return;
    pdf = HPDF_New(error_handler, NULL);
    if (!pdf || !(page = HPDF_AddPage(pdf)))
        abort();
    fonts[0] = HPDF_GetFont(pdf, "Helvetica", NULL);
    fonts[1] = HPDF_GetFont(pdf, "Courier", NULL);
    font_names[0] = HPDF_Page_GetLocalFontName(page, fonts[0]);
    font_names[1] = HPDF_Page_GetLocalFontName(page, fonts[1]);
    if (!fonts[0] || !fonts[1] || !font_names[0] || !font_names[1])
        abort();
}

/* The value the plugin is to write for v: clamped, NaN as 0. */
static double expect(float v)
{
    double d = v;
    if (d != d)
        return 0;
    return d > NUM_MAX ? NUM_MAX : d < -NUM_MAX ? -NUM_MAX : d;
}

/* |h - 100 v| <= 1/2, exactly (100 v of a float is exact in a double). */
static int near(int64_t h, float v)
{
    return fabs((double)h - expect(v) * 100.0) <= 0.5;
}

/* ---- the reader ----------------------------------------------------- */

typedef struct tok {
    int type;  /* 'n' number, 's' string, '/' name, 'o' operator */
    int64_t h; /* number: hundredths */
    char str[8192];
    size_t len;
} tok;

static int is_ws(char c)
{
    return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

static int is_delim(char c)
{
    return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' ||
           c == '}' || c == '/' || c == '%';
}

/* A PDF number with at most two decimals and no exponent, as hundredths. */
static int read_number(const char *s, size_t n, int64_t *h)
{
    size_t i = 0;
    int neg = 0, dec = -1, digits = 0;
    int64_t v = 0;

    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    for (; i < n; i++) {
        if (s[i] == '.' && dec < 0) {
            dec = 0;
        } else if (s[i] >= '0' && s[i] <= '9') {
            if (++digits > 15)
                return -1;
            v = v * 10 + (s[i] - '0');
            if (dec >= 0 && ++dec > 2)
                return -1;
        } else {
            return -1;
        }
    }
    if (!digits)
        return -1;
    for (; dec < 2; dec = dec < 0 ? 1 : dec + 1)
        v *= 10;
    *h = neg ? -v : v;
    return 0;
}

/* ISO 32000-1 7.3.4.2: the literal string at s[*i] == '('. */
static int read_literal(const char *s, size_t n, size_t *i, tok *t)
{
    int depth = 1;

    t->len = 0;
    (*i)++;
    for (;;) {
        char c;
        if (*i >= n || t->len >= sizeof t->str - 1)
            return -1;
        c = s[(*i)++];
        if (c == '\\') {
            char e;
            if (*i >= n)
                return -1;
            e = s[(*i)++];
            switch (e) {
            case 'n':
                t->str[t->len++] = '\n';
                break;
            case 'r':
                t->str[t->len++] = '\r';
                break;
            case 't':
                t->str[t->len++] = '\t';
                break;
            case 'b':
                t->str[t->len++] = '\b';
                break;
            case 'f':
                t->str[t->len++] = '\f';
                break;
            case '\r': /* a line continuation: nothing */
                if (*i < n && s[*i] == '\n')
                    (*i)++;
                break;
            case '\n':
                break;
            default:
                if (e >= '0' && e <= '7') {
                    unsigned v = (unsigned)(e - '0');
                    int k;
                    for (k = 1; k < 3 && *i < n && s[*i] >= '0' && s[*i] <= '7'; k++)
                        v = v * 8 + (unsigned)(s[(*i)++] - '0');
                    t->str[t->len++] = (char)(v & 0xFF);
                } else {
                    t->str[t->len++] = e; /* ( ) \ and any other: the backslash is dropped */
                }
            }
        } else if (c == '(') {
            depth++;
            t->str[t->len++] = c;
        } else if (c == ')') {
            if (--depth == 0)
                return 0;
            t->str[t->len++] = c;
        } else if (c == '\r') { /* CR or CR LF: LF */
            if (*i < n && s[*i] == '\n')
                (*i)++;
            t->str[t->len++] = '\n';
        } else {
            t->str[t->len++] = c;
        }
    }
}

/* The operands before an operator: as many as types names, of those types. */
static void args(const tok *st, size_t nst, const char *types, const char *buf, size_t len)
{
    size_t k, nn = strlen(types);

    if (nst != nn)
        fail("wrong operand count", buf, len);
    for (k = 0; k < nn; k++)
        if (st[k].type != types[k])
            fail("wrong operand type", buf, len);
}

/* The kind of the next call, -1 when none is left. */
static int next_kind(void)
{
    return next_call < ncalls ? calls[next_call].kind : -1;
}

static call *next(int kind, const char *buf, size_t len)
{
    if (next_call >= ncalls || calls[next_call].kind != kind)
        fail("an operator no call asked for", buf, len);
    return &calls[next_call++];
}

static int take(void *arg, const char *buf, size_t len)
{
    static tok st[7]; /* c: six operands, then its operator */
    size_t i = 0, nst = 0;
    (void)arg;

    while (i < len) {
        tok *t;
        size_t j;
        if (is_ws(buf[i])) {
            i++;
            continue;
        }
        if (nst == 7)
            fail("too many operands", buf, len);
        t = &st[nst];
        if (buf[i] == '(') {
            t->type = 's';
            if (read_literal(buf, len, &i, t) < 0)
                fail("unterminated literal string", buf, len);
            nst++;
            continue;
        }
        if (buf[i] == '/') {
            j = ++i;
            while (i < len && !is_ws(buf[i]) && !is_delim(buf[i]))
                i++;
            if (i == j || i - j >= sizeof rd.font)
                fail("bad name", buf, len);
            t->type = '/';
            memcpy(t->str, buf + j, i - j);
            t->str[i - j] = '\0';
            nst++;
            continue;
        }
        if (is_delim(buf[i]))
            fail("a delimiter the writer never writes", buf, len);
        j = i;
        while (i < len && !is_ws(buf[i]) && !is_delim(buf[i]))
            i++;
        if (buf[j] == '-' || buf[j] == '+' || buf[j] == '.' || (buf[j] >= '0' && buf[j] <= '9')) {
            t->type = 'n';
            if (read_number(buf + j, i - j, &t->h) < 0)
                fail("not a PDF number of at most two decimals", buf + j, i - j);
            nst++;
            continue;
        }
        /* an operator: check its operands */
        {
            char op[4] = "";
            size_t k, ol = i - j;
            call *c;
            if (ol > 2)
                fail("unknown operator", buf + j, ol);
            memcpy(op, buf + j, ol);
            if (!strcmp(op, "BT")) {
                args(st, nst, "", buf + j, len - j);
                if (rd.in_text)
                    fail("BT inside BT", buf, len);
                rd.in_text = 1;
                rd.tx = rd.ty = 0;
            } else if (!strcmp(op, "ET")) {
                args(st, nst, "", buf + j, len - j);
                if (!rd.in_text)
                    fail("ET outside BT", buf, len);
                rd.in_text = 0;
            } else if (!strcmp(op, "Td")) {
                args(st, nst, "nn", buf + j, len - j);
                if (!rd.in_text)
                    fail("Td outside BT", buf, len);
                c = next(C_MOVE, buf + j, len - j);
                rd.tx += st[0].h;
                rd.ty += st[1].h;
                if (!near(rd.tx, c->v[0]) || !near(rd.ty, c->v[1]))
                    fail("Td moves do not add up to the point moved to", buf + j, len - j);
            } else if (!strcmp(op, "Tf")) {
                args(st, nst, "/n", buf + j, len - j);
                strcpy(rd.font, st[0].str);
                rd.size = st[1].h;
            } else if (!strcmp(op, "Tj")) {
                args(st, nst, "s", buf + j, len - j);
                if (!rd.in_text)
                    fail("Tj outside BT", buf, len);
                c = next(C_SHOW, buf + j, len - j);
                if (st[0].len != c->ncodes * 2 || memcmp(st[0].str, c->codes, st[0].len) != 0)
                    fail("the string read back is not the codes shown", buf, len);
                if (rd.fill != 0)
                    fail("text not black", buf, len);
                if (strcmp(rd.font, c->font) != 0)
                    fail("text not in the selected font", buf, len);
                if (!((double)rd.size <= (double)c->size * 100.0 &&
                      (double)rd.size > (double)c->size * 100.0 - 1.0))
                    fail("font size not the size cut to hundredths", buf, len);
                if (rd.render != (c->hidden ? 300 : 0) || rd.scale != (c->narrow ? 100 : 10000))
                    fail("text not in its rendering mode and scaling", buf, len);
            } else if (!strcmp(op, "Tr") || !strcmp(op, "Tz")) {
                args(st, nst, "n", buf + j, len - j);
                *(op[1] == 'r' ? &rd.render : &rd.scale) = st[0].h;
            } else if (!strcmp(op, "g") || !strcmp(op, "G") || !strcmp(op, "w")) {
                args(st, nst, "n", buf + j, len - j);
                *(op[0] == 'g' ? &rd.fill : op[0] == 'G' ? &rd.stroke : &rd.width) = st[0].h;
            } else if (!strcmp(op, "re")) {
                args(st, nst, "nnnn", buf + j, len - j);
                if (rd.in_text)
                    fail("re inside BT", buf, len);
                c = next(C_RECT, buf + j, len - j);
                for (k = 0; k < 4; k++)
                    if (!near(st[k].h, c->v[k]))
                        fail("re operand not the value", buf + j, len - j);
                if (rd.fill == INT64_MIN || !near(rd.fill, c->v[4]))
                    fail("rectangle not in its gray", buf, len);
                while (i < len && is_ws(buf[i]))
                    i++;
                if (len - i < 1 || buf[i] != 'f' || (len - i > 1 && !is_ws(buf[i + 1])))
                    fail("re not followed by f", buf + j, len - j);
                i++;
            } else if (!strcmp(op, "m")) {
                args(st, nst, "nn", buf + j, len - j);
                if (rd.in_text)
                    fail("m inside BT", buf, len);
                rd.m[0] = st[0].h;
                rd.m[1] = st[1].h;
                if (next_kind() == C_PMOVE) {
                    c = next(C_PMOVE, buf + j, len - j);
                    if (!near(st[0].h, c->v[0]) || !near(st[1].h, c->v[1]))
                        fail("m not the point moved to", buf + j, len - j);
                }
            } else if (!strcmp(op, "l") && next_kind() == C_PLINE) {
                args(st, nst, "nn", buf + j, len - j);
                c = next(C_PLINE, buf + j, len - j);
                if (!near(st[0].h, c->v[0]) || !near(st[1].h, c->v[1]))
                    fail("l not the point drawn to", buf + j, len - j);
            } else if (!strcmp(op, "c")) {
                args(st, nst, "nnnnnn", buf + j, len - j);
                c = next(C_PCURVE, buf + j, len - j);
                for (k = 0; k < 6; k++)
                    if (!near(st[k].h, c->v[k]))
                        fail("c operand not the value", buf + j, len - j);
            } else if (!strcmp(op, "q") || !strcmp(op, "Q")) {
                args(st, nst, "", buf + j, len - j);
                if (rd.in_text)
                    fail("q or Q inside BT", buf, len);
            } else if (!strcmp(op, "cm")) {
                args(st, nst, "nnnnnn", buf + j, len - j);
                c = next(C_FORM, buf + j, len - j);
                if (st[0].h != st[3].h || st[1].h != 0 || st[2].h != 0 ||
                    !((double)st[0].h <= (double)c->v[2] * 100.0 &&
                      (double)st[0].h > (double)c->v[2] * 100.0 - 1.0) ||
                    !near(st[4].h, c->v[0]) || !near(st[5].h, c->v[1]))
                    fail("cm not the form's size and point", buf + j, len - j);
            } else if (!strcmp(op, "Do")) {
                args(st, nst, "/", buf + j, len - j);
                if (strcmp(st[0].str, "Fm1") != 0)
                    fail("Do not the form's name", buf + j, len - j);
            } else if (!strcmp(op, "h")) {
                args(st, nst, "", buf + j, len - j);
                next(C_FILL, buf + j, len - j);
                if (rd.in_text || rd.fill != 0)
                    fail("path not filled black outside text", buf, len);
                while (i < len && is_ws(buf[i]))
                    i++;
                if (len - i < 1 || buf[i] != 'f' || (len - i > 1 && !is_ws(buf[i + 1])))
                    fail("h not followed by f", buf + j, len - j);
                i++;
            } else if (!strcmp(op, "l")) {
                args(st, nst, "nn", buf + j, len - j);
                c = next(C_HLINE, buf + j, len - j);
                if (!near(rd.m[0], c->v[0]) || !near(st[0].h, c->v[1]) || !near(rd.m[1], c->v[2]) ||
                    st[1].h != rd.m[1])
                    fail("rule not from x0 to x1 at y", buf + j, len - j);
                if (rd.stroke == INT64_MIN || !near(rd.stroke, c->v[3]) || rd.width == INT64_MIN ||
                    !near(rd.width, c->v[4]))
                    fail("rule not in its gray and width", buf, len);
            } else if (!strcmp(op, "S")) {
                args(st, nst, "", buf + j, len - j);
            } else {
                fail("unknown operator", buf + j, ol);
            }
            nst = 0;
        }
    }
    if (nst)
        fail("operands without an operator", buf, len);
    if (rd.in_text)
        fail("take left a text object open", buf, len);
    if (next_call != ncalls)
        fail("a call wrote nothing", buf, len);
    return 0;
}

static void new_page(pdf_content *c, int fresh)
{
    pdf_content_page(c, page, fresh);
    memset(&rd, 0, sizeof rd);
    rd.fill = rd.stroke = fresh ? 0 : INT64_MIN;
    rd.width = fresh ? 100 : INT64_MIN;
    rd.size = -1;
    rd.scale = 10000;
}

static float arg(const uint8_t *data, size_t size, size_t *i)
{
    double d = 0;
    if (size - *i >= 8) {
        memcpy(&d, data + *i, 8);
        *i += 8;
    } else {
        *i = size;
    }
    return (float)d; /* callers pass floats; out of range: ±inf */
}

/* A show (or show_hidden, narrow or not) of length-prefixed codes, in a
 * text line (the plugin moves first) and a font. */
static void show(pdf_content *c, call *k, const uint8_t *data, size_t size, size_t *i, int hidden,
                 int narrow)
{
    size_t n = *i < size ? data[(*i)++] : 0, q;
    uint16_t codes[256];

    if (n * 2 > size - *i)
        n = (size - *i) / 2;
    if (!c->in_text)
        return;
    if (!c->font)
        pdf_content_font(c, fonts[0], 8.0f);
    k->kind = C_SHOW;
    k->hidden = hidden;
    k->narrow = hidden && narrow;
    k->codes = data + *i;
    k->ncodes = n;
    k->font = font_names[c->font == fonts[1]];
    k->size = c->size;
    for (q = 0; q < n; q++)
        codes[q] = (uint16_t)(data[*i + 2 * q] << 8 | data[*i + 2 * q + 1]);
    ncalls++;
    if (hidden)
        pdf_content_show_hidden(c, codes, n, k->narrow);
    else
        pdf_content_show(c, codes, n);
    *i += 2 * n;
}

/* A filled path: a move, up to 7 lines or curves (a count byte, a kind
 * bit each), the fill. Takes first when too few calls are left. */
static void path(pdf_content *c, const uint8_t *data, size_t size, size_t *i)
{
    unsigned n = *i < size ? data[(*i)++] : 0, q, v;

    if (ncalls + 9 > MAXCALLS) {
        if (pdf_content_take(c, take, NULL) != 0)
            abort();
        ncalls = next_call = 0;
    }
    for (q = 0; q <= (n & 7) + 1; q++) {
        call *k = &calls[ncalls++];
        memset(k, 0, sizeof *k);
        k->kind = q == 0               ? C_PMOVE
                  : q == (n & 7) + 1   ? C_FILL
                  : (n >> (q - 1)) & 8 ? C_PCURVE
                                       : C_PLINE;
        for (v = 0; v < (k->kind == C_PCURVE ? 6u : k->kind == C_FILL ? 0u : 2u); v++)
            k->v[v] = arg(data, size, i);
        if (k->kind == C_PMOVE)
            pdf_content_path_move(c, k->v[0], k->v[1]);
        else if (k->kind == C_PLINE)
            pdf_content_path_line(c, k->v[0], k->v[1]);
        else if (k->kind == C_PCURVE)
            pdf_content_path_curve(c, k->v);
        else
            pdf_content_fill(c);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pdf_content c;
    size_t i = 1;

    if (size < 1)
        return 0;
    setup();
    memset(&c, 0, sizeof c);
    ncalls = next_call = 0;
    new_page(&c, data[0] & 1);
    while (i < size && ncalls < MAXCALLS) {
        uint8_t op = data[i++];
        call *k = &calls[ncalls];
        memset(k, 0, sizeof *k);
        switch (op % 10) {
        case 0:
            k->kind = C_MOVE;
            k->v[0] = arg(data, size, &i);
            k->v[1] = arg(data, size, &i);
            ncalls++;
            pdf_content_move(&c, k->v[0], k->v[1]);
            break;
        case 1: { /* font: sizes as options allow, 4 to 24 points */
            float s = arg(data, size, &i);
            if (!(s >= 4 && s <= 24))
                s = isfinite(s) ? 4.0f + fmodf(fabsf(s), 20.0f) : 8.0f;
            pdf_content_font(&c, fonts[(op >> 3) & 1], s);
            break;
        }
        case 2:
            show(&c, k, data, size, &i, 0, 0);
            break;
        case 7:
            show(&c, k, data, size, &i, 1, op >> 7);
            break;
        case 8:
            path(&c, data, size, &i);
            break;
        case 9: { /* a form, at sizes as fonts take (4 to 24 points) */
            k->kind = C_FORM;
            k->v[0] = arg(data, size, &i);
            k->v[1] = arg(data, size, &i);
            k->v[2] = 4.0f + (float)(i < size ? data[i++] : 0) / 12.75f;
            ncalls++;
            pdf_content_form(&c, "Fm1", k->v[0], k->v[1], k->v[2]);
            break;
        }
        case 3:
            k->kind = C_RECT;
            for (int q = 0; q < 4; q++)
                k->v[q] = arg(data, size, &i);
            k->v[4] = i < size ? (float)data[i++] / 255.0f : 0.5f;
            ncalls++;
            pdf_content_fill_rect(&c, k->v[0], k->v[1], k->v[2], k->v[3], k->v[4]);
            break;
        case 4:
            k->kind = C_HLINE;
            for (int q = 0; q < 3; q++)
                k->v[q] = arg(data, size, &i);
            k->v[3] = i < size ? (float)data[i++] / 255.0f : 0.5f;
            k->v[4] = i < size ? (float)data[i++] / 16.0f : 1.0f;
            ncalls++;
            pdf_content_hline(&c, k->v[0], k->v[1], k->v[2], k->v[3], k->v[4]);
            break;
        case 5:
            if (pdf_content_take(&c, take, NULL) != 0)
                abort();
            ncalls = next_call = 0;
            break;
        default:
            if (pdf_content_take(&c, take, NULL) != 0)
                abort();
            ncalls = next_call = 0;
            new_page(&c, op & 8);
            break;
        }
        if (ncalls == MAXCALLS) {
            if (pdf_content_take(&c, take, NULL) != 0)
                abort();
            ncalls = next_call = 0;
        }
    }
    if (pdf_content_take(&c, take, NULL) != 0)
        abort();
    pdf_content_free(&c);
    return 0;
}
