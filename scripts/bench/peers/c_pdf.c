/* c_pdf.c — the floor for a PDF export: a plain C program that reads a query
 * with Connector/C (text protocol, unbuffered) and draws it with libharu as
 * the same table format-pdf draws: A4 landscape, DejaVu Sans embedded
 * (UTF-8), on every page a title, a "Generated" line and the column labels
 * on a grey band; a rule under each row; text columns wrapped at spaces
 * (HPDF_Font_MeasureText), numbers right-aligned; a totals row of the number
 * columns on a light band; "Page N of M" centred at the bottom of every page
 * (drawn at the end, when M is known); compressed streams. What it leaves
 * out of format-pdf: fallback fonts, bidi, per-type rendering (values are
 * drawn as the server sends them), cell cuts and warnings. Plain libharu
 * API only, as a C programmer would write it.
 *   c_pdf SOCKET DATABASE OUT.pdf [SQL-FILE]   (default: SELECT * FROM wide)
 * Built by scripts/bench/run.sh. */
#include <hpdf.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FONT   "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define SIZE   8.0f
#define LINE   10.0f
#define PAD    3.0f
#define MARGIN 36.0f
#define MAXCOL 64
#define MAXLN  16

typedef struct table {
    HPDF_Doc pdf;
    HPDF_Font font;
    HPDF_Page pg;
    unsigned n, pages;
    MYSQL_FIELD *fs;
    float x[MAXCOL], w[MAXCOL], y, pw, ph;
    int num[MAXCOL], text[MAXCOL]; /* right-aligned and summed; wrapped */
    double sum[MAXCOL];
    char generated[64];
} table;

static void on_error(HPDF_STATUS e, HPDF_STATUS d, void *u)
{
    (void)u;
    fprintf(stderr, "c_pdf: libharu error %04X/%u\n", (unsigned)e, (unsigned)d);
}

static const char *slurp(const char *path)
{
    static char sql[1 << 16];
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t n = fread(sql, 1, sizeof sql - 1, f);
    fclose(f);
    sql[n] = 0;
    while (n && (sql[n - 1] == '\n' || sql[n - 1] == ';' || sql[n - 1] == ' '))
        sql[--n] = 0;
    return sql;
}

static float width(table *t, const char *s, float size)
{
    return HPDF_Page_TextWidth(t->pg, s) * size / HPDF_Page_GetCurrentFontSize(t->pg);
}

/* Column widths: numbers, dates and booleans as wide as a sample value or
 * their label, text columns share the rest. */
static void layout(table *t)
{
    float fixed = 0, avail = t->pw - 2 * MARGIN;
    unsigned i, ntext = 0;
    for (i = 0; i < t->n; i++) {
        enum enum_field_types ty = t->fs[i].type;
        t->num[i] = IS_NUM(ty) && ty != MYSQL_TYPE_TINY;
        t->text[i] = IS_BLOB(t->fs[i].flags) || ty == MYSQL_TYPE_VAR_STRING ||
                     ty == MYSQL_TYPE_STRING || ty == MYSQL_TYPE_BLOB;
        t->w[i] = 0;
        if (!t->text[i]) {
            const char *sample = t->num[i]                   ? "12345678901"
                                 : ty == MYSQL_TYPE_DATETIME ? "2000-12-28 00:00:00"
                                                             : "2000-12-28";
            float lw = width(t, t->fs[i].name, SIZE), vw = width(t, sample, SIZE);
            t->w[i] = (lw > vw ? lw : vw) + 2 * PAD;
            fixed += t->w[i];
        } else {
            ntext++;
        }
    }
    for (i = 0; i < t->n; i++) {
        if (t->w[i] == 0)
            t->w[i] = (avail - fixed) / (float)(ntext ? ntext : 1);
        t->x[i] = i ? t->x[i - 1] + t->w[i - 1] : MARGIN;
    }
}

static void fill(table *t, float y, float h, float gray)
{
    HPDF_Page_SetGrayFill(t->pg, gray);
    HPDF_Page_Rectangle(t->pg, MARGIN, y, t->pw - 2 * MARGIN, h);
    HPDF_Page_Fill(t->pg);
    HPDF_Page_SetGrayFill(t->pg, 0);
}

static void rule(table *t, float y, float gray, float lw)
{
    HPDF_Page_SetGrayStroke(t->pg, gray);
    HPDF_Page_SetLineWidth(t->pg, lw);
    HPDF_Page_MoveTo(t->pg, MARGIN, y);
    HPDF_Page_LineTo(t->pg, t->pw - MARGIN, y);
    HPDF_Page_Stroke(t->pg);
}

/* Splits s into lines that fit column i: starts and lengths; returns the
 * number of lines (text columns wrap, others are one line). */
static int wrap(table *t, unsigned i, const char *s, const char **ls, unsigned *ll)
{
    float w = t->w[i] - 2 * PAD;
    int n = 0;
    size_t len = strlen(s);
    if (!t->text[i] || len == 0) {
        ls[0] = s;
        ll[0] = (unsigned)len;
        return 1;
    }
    while (len && n < MAXLN) {
        HPDF_UINT k = HPDF_Font_MeasureText(t->font, (const HPDF_BYTE *)s, (HPDF_UINT)len, w, SIZE,
                                            0, 0, HPDF_TRUE, NULL);
        if (k == 0)
            k = HPDF_Font_MeasureText(t->font, (const HPDF_BYTE *)s, (HPDF_UINT)len, w, SIZE, 0, 0,
                                      HPDF_FALSE, NULL);
        if (k == 0)
            k = 1;
        ls[n] = s;
        ll[n++] = k;
        s += k;
        len -= k;
        while (len && *s == ' ')
            s++, len--;
    }
    return n;
}

/* One row: a band when gray < 1, each cell's lines, a rule under it; on
 * a new page first when it does not fit (not the labels: head). */
static void row(table *t, char **v, int head, float gray, float rule_gray, float rule_w);

static void new_page(table *t)
{
    char *labels[MAXCOL];
    t->pg = HPDF_AddPage(t->pdf);
    t->pages++;
    HPDF_Page_SetSize(t->pg, HPDF_PAGE_SIZE_A4, HPDF_PAGE_LANDSCAPE);
    t->pw = HPDF_Page_GetWidth(t->pg);
    t->ph = HPDF_Page_GetHeight(t->pg);
    HPDF_Page_SetFontAndSize(t->pg, t->font, SIZE * 1.8f);
    t->y = t->ph - MARGIN - SIZE * 1.8f * 1.3f;
    HPDF_Page_BeginText(t->pg);
    HPDF_Page_TextOut(t->pg, MARGIN, t->y, "Timesheet");
    HPDF_Page_SetFontAndSize(t->pg, t->font, SIZE);
    t->y -= SIZE * 1.3f;
    HPDF_Page_TextOut(t->pg, MARGIN, t->y, t->generated);
    HPDF_Page_EndText(t->pg);
    t->y -= LINE;
    if (t->x[0] == 0)
        layout(t);
    for (unsigned i = 0; i < t->n; i++)
        labels[i] = t->fs[i].name;
    row(t, labels, 1, 0.85f, 0, 0.8f);
}

static void row(table *t, char **v, int head, float gray, float rule_gray, float rule_w)
{
    const char *ls[MAXCOL][MAXLN];
    unsigned ll[MAXCOL][MAXLN], i;
    int nl[MAXCOL], most = 1;
    char line[1024];
    for (i = 0; i < t->n; i++) {
        nl[i] = wrap(t, i, v[i] ? v[i] : "", ls[i], ll[i]);
        most = nl[i] > most ? nl[i] : most;
    }
    float h = (float)most * LINE + 2 * PAD;
    if (!head && t->y - h < MARGIN + LINE * 1.5f)
        new_page(t);
    if (gray < 1)
        fill(t, t->y - h, h, gray);
    HPDF_Page_BeginText(t->pg);
    for (i = 0; i < t->n; i++)
        for (int l = 0; l < nl[i]; l++) {
            unsigned k = ll[i][l] < sizeof line ? ll[i][l] : sizeof line - 1;
            memcpy(line, ls[i][l], k);
            line[k] = 0;
            float x = t->x[i] + PAD, yb = t->y - PAD - SIZE * 0.8f - (float)l * LINE;
            if (t->num[i])
                x = t->x[i] + t->w[i] - PAD - width(t, line, SIZE);
            HPDF_Page_TextOut(t->pg, x, yb, line);
        }
    HPDF_Page_EndText(t->pg);
    t->y -= h;
    rule(t, t->y, rule_gray, rule_w);
}

static void totals(table *t)
{
    char buf[MAXCOL][32], *v[MAXCOL];
    for (unsigned i = 0; i < t->n; i++) {
        snprintf(buf[i], sizeof buf[i], "%.15g", t->sum[i]);
        v[i] = t->num[i] ? buf[i] : i == 0 ? "Total" : "";
    }
    row(t, v, 0, 0.92f, 0.8f, 0.3f);
}

static void footers(table *t)
{
    unsigned pages = t->pages;
    char label[64];
    for (unsigned i = 0; i < pages; i++) {
        t->pg = HPDF_GetPageByIndex(t->pdf, i);
        snprintf(label, sizeof label, "Page %u of %u", i + 1, pages);
        HPDF_Page_SetFontAndSize(t->pg, t->font, SIZE);
        HPDF_Page_BeginText(t->pg);
        HPDF_Page_TextOut(t->pg, (t->pw - width(t, label, SIZE)) / 2, MARGIN * 0.6f, label);
        HPDF_Page_EndText(t->pg);
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: c_pdf SOCKET DATABASE OUT.pdf [SQL-FILE]\n");
        return 2;
    }
    const char *sql = argc > 4 ? slurp(argv[4]) : "SELECT * FROM wide";
    MYSQL *m = mysql_init(NULL);
    if (!sql || !mysql_real_connect(m, "localhost", "ferry", "ferry", argv[2], 0, argv[1], 0) ||
        mysql_set_character_set(m, "utf8mb4") || mysql_real_query(m, sql, strlen(sql))) {
        fprintf(stderr, "c_pdf: %s\n", mysql_error(m));
        return 1;
    }
    MYSQL_RES *r = mysql_use_result(m);
    static table t;
    t.pdf = HPDF_New(on_error, NULL);
    if (!r || !t.pdf)
        return 1;
    HPDF_SetCompressionMode(t.pdf, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(t.pdf);
    t.font = HPDF_GetFont(t.pdf, HPDF_LoadTTFontFromFile(t.pdf, FONT, HPDF_TRUE), "UTF-8");
    t.n = mysql_num_fields(r);
    t.fs = mysql_fetch_fields(r);
    if (t.n > MAXCOL)
        return 1;
    time_t now = time(NULL);
    strftime(t.generated, sizeof t.generated, "Generated %Y-%m-%d %H:%M UTC", gmtime(&now));
    new_page(&t);
    MYSQL_ROW v;
    while ((v = mysql_fetch_row(r))) {
        for (unsigned i = 0; i < t.n; i++)
            if (t.num[i] && v[i])
                t.sum[i] += strtod(v[i], NULL);
        row(&t, v, 0, 1, 0.8f, 0.3f);
    }
    totals(&t);
    footers(&t);
    int bad = mysql_errno(m) != 0;
    mysql_free_result(r);
    mysql_close(m);
    if (HPDF_SaveToFile(t.pdf, argv[3]) != HPDF_OK)
        bad = 1;
    HPDF_Free(t.pdf);
    return bad;
}
